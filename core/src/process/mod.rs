//! Subprocesses on the loop: [`Command`] spawns a [`Child`] whose piped stdin, stdout and stderr are
//! async streams and whose exit is awaited without blocking the loop; or, in callback style, runs a
//! [`SubprocessProtocol`] driven through a [`SubprocessTransport`] ([`subprocess_exec`],
//! [`subprocess_shell`], [`Command::spawn_protocol`]).
//!
//! **asyncio:** `asyncio.create_subprocess_exec`, `asyncio.create_subprocess_shell` and
//! `asyncio.subprocess.Process` (<https://docs.python.org/3/library/asyncio-subprocess.html>);
//! `loop.subprocess_exec`, `loop.subprocess_shell`, `SubprocessProtocol` and `SubprocessTransport`
//! (<https://docs.python.org/3/library/asyncio-protocol.html#subprocess-transports>).
//!
//! # Implementation
//!
//! `std::process::Command` does the fork and exec. The pipe ends it returns are made non-blocking and
//! registered with the running loop's reactor. A child's exit is watched through a pidfd (Linux 5.3+:
//! readable once the process exits) or, elsewhere, through a `SIGCHLD` stream from
//! [`tulip_core::signal`](crate::signal); the status is then collected with a non-blocking
//! `waitpid`. A child whose [`Child`] is dropped while it runs is reaped later in the background,
//! so none is left a zombie.
//!
//! # Examples
//!
//! ```
//! use tulip_core::process::{Command, Stdio};
//!
//! tulip_core::run(async {
//!     let out = Command::new("echo").arg("hello").output().await?;
//!     assert!(out.status.success());
//!     assert_eq!(out.stdout, b"hello\n");
//!
//!     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
//!     let out = child.communicate(b"through cat").await?;
//!     assert_eq!(out.stdout, b"through cat");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

mod child;
mod pipe_transport;
mod pipes;
mod protocol;
mod reap;
mod transport;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use child::Child;
pub use pipe_transport::PipeTransport;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use protocol::SubprocessProtocol;
pub use std::process::{ExitStatus, Output, Stdio};
pub use transport::{subprocess_exec, subprocess_shell, SubprocessTransport};

/// The shell `create_subprocess_shell` and [`Command::shell`] run commands with, as asyncio does.
const SHELL: &str = "/bin/sh";

/// A process to spawn: program, arguments, environment, working directory and standard streams.
///
/// The builder of `std::process::Command`, with `spawn`, `output` and `status` that work on the loop.
/// Standard streams default to inheriting the parent's for [`spawn`](Command::spawn) and
/// [`status`](Command::status); [`output`](Command::output) pipes stdout and stderr (and gives stdin
/// `/dev/null`) unless they were set.
///
/// **asyncio:** the arguments of `asyncio.create_subprocess_exec(program, *args, stdin=, stdout=,
/// stderr=, cwd=, env=)`. Differences: `env` adds to the inherited environment (call
/// [`env_clear`](Command::env_clear) first to replace it, as asyncio's `env=` does).
///
/// # Examples
///
/// ```
/// use tulip_core::process::{Command, Stdio};
/// tulip_core::run(async {
///     let out = Command::new("sh")
///         .args(["-c", "echo $GREETING from $(pwd)"])
///         .env("GREETING", "hello")
///         .current_dir("/")
///         .stdout(Stdio::piped())
///         .output()
///         .await?;
///     assert_eq!(out.stdout, b"hello from /\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct Command {
    std: std::process::Command,
    /// Which of stdin, stdout, stderr the caller set (so `output` knows which to default to pipes).
    stdio_set: [bool; 3],
    kill_on_drop: bool,
    /// `stderr_to_stdout()`: read by the child between `fork` and `exec` (`None` until first asked).
    stderr_to_stdout: Option<Arc<AtomicBool>>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.std, f)
    }
}

impl From<std::process::Command> for Command {
    /// Wraps a configured std command (for what this builder does not offer, such as
    /// `std::os::unix::process::CommandExt`).
    fn from(std: std::process::Command) -> Command {
        // The std builder does not say which streams were set: assume all were.
        Command {
            std,
            stdio_set: [true; 3],
            kill_on_drop: false,
            stderr_to_stdout: None,
        }
    }
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` when it has no `/`), with no arguments.
    ///
    /// **asyncio:** the `program` argument of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let status = tulip_core::process::Command::new("true").status().await?;
    ///     assert!(status.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "create_subprocess_exec")]
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            stdio_set: [false; 3],
            kill_on_drop: false,
            stderr_to_stdout: None,
        }
    }

    /// A command that runs `cmd` with the shell: `/bin/sh -c cmd`. Quote untrusted input yourself, or
    /// use [`Command::new`] with separate arguments.
    ///
    /// **asyncio:** the `cmd` argument of `create_subprocess_shell`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::Command;
    /// tulip_core::run(async {
    ///     let out = Command::shell("echo one two | wc -w").output().await?;
    ///     assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "create_subprocess_shell")]
    pub fn shell(cmd: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(SHELL);
        c.arg("-c").arg(cmd);
        c
    }

    /// Adds one argument.
    ///
    /// **asyncio:** one of the `*args` of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::new("echo").arg("a b").output().await?;
    ///     assert_eq!(out.stdout, b"a b\n"); // one argument, no shell splitting
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// **asyncio:** the `*args` of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::new("echo").args(["a", "b"]).output().await?;
    ///     assert_eq!(out.stdout, b"a b\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets one environment variable for the child (on top of the inherited environment).
    ///
    /// **asyncio:** `env=` of `create_subprocess_exec` (which replaces the whole environment).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::shell("echo $X").env("X", "1").output().await?;
    ///     assert_eq!(out.stdout, b"1\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// **asyncio:** `env=` of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::shell("echo $A$B")
    ///         .envs([("A", "x"), ("B", "y")])
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"xy\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes one variable from the child's environment.
    ///
    /// **asyncio:** a key left out of `env=`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::shell("echo \"[$HOME]\"").env_remove("HOME").output().await?;
    ///     assert_eq!(out.stdout, b"[]\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what [`env`](Command::env) adds after).
    ///
    /// **asyncio:** `env={}` of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::new("/usr/bin/env").env_clear().env("ONLY", "me")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"ONLY=me\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// **asyncio:** `cwd=` of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::new("pwd").current_dir("/").output().await?;
    ///     assert_eq!(out.stdout, b"/\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin: [`Stdio::piped()`] for a [`ChildStdin`], `inherit()`, `null()`, or a file.
    ///
    /// **asyncio:** `stdin=` (`asyncio.subprocess.PIPE`, `None`, `DEVNULL`, a file).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    ///     assert!(child.stdin.is_some());
    ///     child.wait().await?; // closes stdin: cat exits
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdio_set[0] = true;
        self
    }

    /// Sets the child's stdout: [`Stdio::piped()`] for a [`ChildStdout`], `inherit()`, `null()`, ...
    ///
    /// **asyncio:** `stdout=` (`PIPE`, `None`, `DEVNULL`, a file).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let out = Command::new("echo").arg("gone").stdout(Stdio::null()).output().await?;
    ///     assert!(out.stdout.is_empty());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdio_set[1] = true;
        self
    }

    /// Sets the child's stderr: [`Stdio::piped()`] for a [`ChildStderr`], `inherit()`, `null()`, ...
    ///
    /// **asyncio:** `stderr=` (`PIPE`, `None`, `DEVNULL`; `STDOUT` is [`Command::stderr_to_stdout`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let out = Command::shell("echo bad >&2").stderr(Stdio::piped()).output().await?;
    ///     assert_eq!(out.stderr, b"bad\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stdio_set[2] = true;
        if let Some(flag) = &self.stderr_to_stdout {
            flag.store(false, Ordering::Relaxed);
        }
        self
    }

    /// Sends the child's stderr wherever its stdout goes (the same pipe when stdout is
    /// [`Stdio::piped()`], so the two streams arrive interleaved in [`ChildStdout`] as they were
    /// written). A later [`stderr`](Command::stderr) call undoes it.
    ///
    /// **asyncio:** `stderr=asyncio.subprocess.STDOUT`.
    ///
    /// # Implementation
    ///
    /// The child duplicates its stdout onto its stderr (`dup2(1, 2)`) between `fork` and `exec`, after
    /// std has set up the three streams; std then forks instead of using `posix_spawn`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let out = Command::shell("echo out; echo err >&2; echo out again")
    ///         .stdout(Stdio::piped())
    ///         .stderr_to_stdout()
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"out\nerr\nout again\n");
    ///     assert!(out.stderr.is_empty());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "STDOUT")]
    pub fn stderr_to_stdout(&mut self) -> &mut Command {
        self.stdio_set[2] = true;
        // Whatever stderr was set to is replaced in the child; inherit keeps the parent's descriptors
        // out of it.
        self.std.stderr(Stdio::inherit());
        match &self.stderr_to_stdout {
            Some(flag) => flag.store(true, Ordering::Relaxed),
            None => {
                let flag = Arc::new(AtomicBool::new(true));
                let in_child = flag.clone();
                // SAFETY: the closure runs in the forked child before `exec`, where only
                // async-signal-safe work is allowed: it reads an atomic (no lock, no allocation) and
                // makes one `dup2` system call through rustix. It borrows nothing from the parent's
                // threads: `in_child` is the child's own copy of the `Arc`.
                unsafe {
                    std::os::unix::process::CommandExt::pre_exec(&mut self.std, move || {
                        if in_child.load(Ordering::Relaxed) {
                            rustix::stdio::dup2_stderr(rustix::stdio::stdout())?;
                        }
                        Ok(())
                    });
                }
                self.stderr_to_stdout = Some(flag);
            }
        }
        self
    }

    /// Whether dropping the [`Child`] (or a cancelled `output` / `status`) kills the process with
    /// `SIGKILL`. Off by default, as in std: the process runs on, and is reaped when it exits.
    ///
    /// **asyncio:** closing the subprocess transport kills a still-running child.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let child = tulip_core::process::Command::new("sleep").arg("100").kill_on_drop(true).spawn()?;
    ///     drop(child); // killed, and reaped in the background
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// The std command beneath, to read its configuration.
    ///
    /// **asyncio:** none (Popen arguments are not inspectable).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = tulip_core::process::Command::new("ls");
    /// cmd.arg("-l");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command beneath, for settings this builder does not offer
    /// (`std::os::unix::process::CommandExt`: `process_group`, `uid`, ...).
    ///
    /// **asyncio:** `start_new_session=`, `user=`, `group=`, ... of `create_subprocess_exec`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    /// tulip_core::run(async {
    ///     let mut cmd = tulip_core::process::Command::new("true");
    ///     cmd.as_std_mut().process_group(0); // start_new_session=True, roughly
    ///     assert!(cmd.status().await?.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the process. Standard streams not set are inherited.
    ///
    /// **asyncio:** `await asyncio.create_subprocess_exec(...)`. Differences: not `async` (spawning does
    /// not wait for anything).
    ///
    /// # Errors
    ///
    /// `NotFound` when the program does not exist, `PermissionDenied`, out of descriptors or processes.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread (checked before the process starts).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("true").spawn()?;
    ///     assert!(child.wait().await?.success());
    ///     let err = tulip_core::process::Command::new("/no/such/program").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "create_subprocess_exec")]
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        if crate::try_get_running_loop().is_none() {
            no_loop();
        }
        reap::reap_orphans();
        let child = self.std.spawn()?;
        Child::new(child, self.kill_on_drop)
    }

    /// Runs the process to completion, collecting its stdout and stderr (piped unless set; stdin is
    /// `/dev/null` unless set).
    ///
    /// **asyncio:** `proc = await create_subprocess_exec(..., stdout=PIPE, stderr=PIPE)` then
    /// `await proc.communicate()`.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`] and [`Child::wait_with_output`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the child running (killed if [`kill_on_drop`](Command::kill_on_drop)
    /// is set); it is reaped in the background.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let out = tulip_core::process::Command::shell("echo hi; exit 2").output().await?;
    ///     assert_eq!((out.status.code(), &out.stdout[..]), (Some(2), &b"hi\n"[..]));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        let defaults = [Stdio::null, Stdio::piped, Stdio::piped];
        self.apply_defaults(defaults);
        let child = self.spawn();
        self.apply_defaults([Stdio::inherit, Stdio::inherit, Stdio::inherit]);
        child?.wait_with_output().await
    }

    /// Runs the process to completion with inherited standard streams (unless set) and returns its exit
    /// status.
    ///
    /// **asyncio:** `await (await create_subprocess_exec(...)).wait()`.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`] and [`Child::wait`].
    ///
    /// # Cancel safety
    ///
    /// As [`Command::output`].
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let status = tulip_core::process::Command::shell("exit 7").status().await?;
    ///     assert_eq!(status.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // Piped streams nobody reads would block the child: drop them, as std does.
        child.stdout = None;
        child.stderr = None;
        child.wait().await
    }

    /// Sets the streams the caller did not set to `defaults` (stdin, stdout, stderr).
    fn apply_defaults(&mut self, defaults: [fn() -> Stdio; 3]) {
        let [stdin, stdout, stderr] = defaults;
        if !self.stdio_set[0] {
            self.std.stdin(stdin());
        }
        if !self.stdio_set[1] {
            self.std.stdout(stdout());
        }
        if !self.stdio_set[2] {
            self.std.stderr(stderr());
        }
    }
}

#[cold]
#[track_caller]
fn no_loop() -> ! {
    panic!("tulip_core::process: spawn called with no running tulip loop on this thread");
}

/// Spawns `program` with `args`, inheriting the standard streams. For pipes, environment or working
/// directory use [`Command`], which this is shorthand for.
///
/// **asyncio:** `await asyncio.create_subprocess_exec(program, *args)`. Differences: not `async`; the
/// keyword arguments are [`Command`]'s builder methods.
///
/// # Errors
///
/// As [`Command::spawn`].
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use tulip_core::process::create_subprocess_exec;
/// tulip_core::run(async {
///     let mut proc = create_subprocess_exec("sh", ["-c", "exit 4"])?;
///     assert_eq!(proc.wait().await?.code(), Some(4));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn create_subprocess_exec<I, S>(program: impl AsRef<OsStr>, args: I) -> io::Result<Child>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program).args(args).spawn()
}

/// Spawns `/bin/sh -c cmd`, inheriting the standard streams; shorthand for
/// [`Command::shell`]`(cmd).spawn()`.
///
/// **asyncio:** `await asyncio.create_subprocess_shell(cmd)`. Differences: not `async`; the keyword
/// arguments are [`Command`]'s builder methods.
///
/// # Errors
///
/// As [`Command::spawn`].
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use tulip_core::process::create_subprocess_shell;
/// tulip_core::run(async {
///     let mut proc = create_subprocess_shell("true && exit 5")?;
///     assert_eq!(proc.wait().await?.code(), Some(5));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> io::Result<Child> {
    Command::shell(cmd).spawn()
}
