//! `Child`: a spawned process, its piped standard streams, and waiting for it on the loop.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{ready, Context, Poll};

use rustix::process::Signal as RawSignal;

use super::pipes::{ChildStderr, ChildStdin, ChildStdout};
use super::reap::{self, ExitWatcher};

/// A spawned child process.
///
/// Its exit is noticed through the loop's reactor (a pidfd on Linux, `SIGCHLD` elsewhere), so
/// [`wait`](Child::wait) never blocks the loop. Dropping a `Child` does not kill the process (unless
/// [`Command::kill_on_drop`](super::Command::kill_on_drop) was set) and does not leave a zombie: it is
/// reaped in the background once it exits.
///
/// **asyncio:** `asyncio.subprocess.Process`, as returned by `create_subprocess_exec` /
/// `create_subprocess_shell`. Differences: `returncode` is [`try_wait`](Child::try_wait); the streams
/// are fields to `take()`.
///
/// # Examples
///
/// ```
/// use tulip_core::process::Command;
/// tulip_core::run(async {
///     let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
///     let status = child.wait().await?;
///     assert_eq!(status.code(), Some(3));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[must_use = "dropping a Child lets the process run on unwatched; call .wait().await"]
pub struct Child {
    /// The child's stdin, when spawned with `stdin(Stdio::piped())`.
    ///
    /// **asyncio:** `Process.stdin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("true").stdin(Stdio::piped()).spawn()?;
    ///     assert!(child.stdin.take().is_some());
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, when spawned with `stdout(Stdio::piped())`.
    ///
    /// **asyncio:** `Process.stdout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("true").stdout(Stdio::piped()).spawn()?;
    ///     assert!(child.stdout.take().is_some());
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, when spawned with `stderr(Stdio::piped())`.
    ///
    /// **asyncio:** `Process.stderr`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("true").stderr(Stdio::piped()).spawn()?;
    ///     assert!(child.stderr.take().is_some());
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub stderr: Option<ChildStderr>,
    /// `None` only while dropping.
    inner: Option<std::process::Child>,
    /// `None` only while dropping.
    watcher: Option<ExitWatcher>,
    status: Option<ExitStatus>,
    pid: u32,
    kill_on_drop: bool,
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl Child {
    /// Takes over a just-spawned std child: its pipes and exit join the running loop's reactor.
    pub(crate) fn new(mut std: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let pid = std.id();
        let pipes = Self::watch(&mut std);
        match pipes {
            Ok((stdin, stdout, stderr, watcher)) => Ok(Child {
                stdin,
                stdout,
                stderr,
                inner: Some(std),
                watcher: Some(watcher),
                status: None,
                pid,
                kill_on_drop,
            }),
            Err(e) => {
                // Could not watch it: do not leave it running unobserved.
                let _ = std.kill();
                reap::adopt(std, None);
                Err(e)
            }
        }
    }

    /// Registers the pipes and the exit watcher with the running loop.
    #[allow(clippy::type_complexity)]
    fn watch(
        std: &mut std::process::Child,
    ) -> io::Result<(
        Option<ChildStdin>,
        Option<ChildStdout>,
        Option<ChildStderr>,
        ExitWatcher,
    )> {
        let stdin = std.stdin.take().map(ChildStdin::new).transpose()?;
        let stdout = std.stdout.take().map(ChildStdout::new).transpose()?;
        let stderr = std.stderr.take().map(ChildStderr::new).transpose()?;
        let watcher = ExitWatcher::new(std)?;
        Ok((stdin, stdout, stderr, watcher))
    }

    fn std(&mut self) -> &mut std::process::Child {
        self.inner
            .as_mut()
            .expect("Child holds its process until dropped")
    }

    /// The OS process id.
    ///
    /// **asyncio:** `Process.pid`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("true").spawn()?;
    ///     assert!(child.id() > 0);
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "pid")]
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// The exit status if the child has exited (reaping it), `None` while it runs. Never blocks.
    ///
    /// **asyncio:** `Process.returncode` (`None` while running).
    ///
    /// # Errors
    ///
    /// When `waitpid` fails (e.g. something else in the process reaped the child).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("sleep").arg("10").spawn()?;
    ///     assert!(child.try_wait()?.is_none());
    ///     child.kill()?;
    ///     child.wait().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "returncode")]
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = reap::try_wait(self.std())?;
        }
        Ok(self.status)
    }

    /// Waits for the child to exit and returns its status. Closes the child's stdin first (as
    /// `std::process::Child::wait` does), so a child reading it sees end-of-file instead of waiting
    /// forever. Waiting again returns the same status.
    ///
    /// **asyncio:** `await Process.wait()`. As there, a child that fills a piped stdout or stderr nobody
    /// reads blocks forever: read them, or use [`wait_with_output`](Child::wait_with_output).
    ///
    /// # Errors
    ///
    /// When `waitpid` fails, or the reactor cannot watch the child.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the child goes on, and a later `wait` gets its status.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("true").spawn()?;
    ///     assert!(child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// Polls for the child's exit; see [`Child::wait`] (this one leaves stdin open).
    ///
    /// **asyncio:** `Process.wait()`, polled by hand.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("true").spawn()?;
    ///     let status = std::future::poll_fn(|cx| child.poll_wait(cx)).await?;
    ///     assert!(status.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let watcher = self
                .watcher
                .as_mut()
                .expect("Child holds its watcher until dropped");
            ready!(watcher.poll_exit(cx))?;
        }
    }

    /// Sends `signum` to the child. Does nothing once the child has been reaped (its pid may name
    /// another process by then); on Linux the signal goes through a pidfd, so it can never reach another
    /// process.
    ///
    /// **asyncio:** `Process.send_signal(signal)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an unknown signal number (real-time signals included); an OS error otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use tulip_core::signal::SIGUSR1;
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.send_signal(SIGUSR1)?;
    ///     assert_eq!(child.wait().await?.signal(), Some(SIGUSR1));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn send_signal(&mut self, signum: i32) -> io::Result<()> {
        let signal = RawSignal::from_named_raw(signum).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{signum} is not a known signal number"),
            )
        })?;
        self.raw_signal(signal)
    }

    fn raw_signal(&mut self, signal: RawSignal) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        let (Some(std), Some(watcher)) = (&self.inner, &self.watcher) else {
            return Ok(());
        };
        watcher.send_signal(std, signal)
    }

    /// Asks the child to terminate (`SIGTERM`); it may clean up first, or ignore it.
    ///
    /// **asyncio:** `Process.terminate()`.
    ///
    /// # Errors
    ///
    /// As [`Child::send_signal`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.terminate()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(tulip_core::signal::SIGTERM));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn terminate(&mut self) -> io::Result<()> {
        self.raw_signal(RawSignal::TERM)
    }

    /// Kills the child (`SIGKILL`: it cannot ignore it). Then [`wait`](Child::wait) for it.
    ///
    /// **asyncio:** `Process.kill()`.
    ///
    /// # Errors
    ///
    /// As [`Child::send_signal`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// tulip_core::run(async {
    ///     let mut child = tulip_core::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.kill()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(9));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill(&mut self) -> io::Result<()> {
        self.raw_signal(RawSignal::KILL)
    }

    /// Closes stdin, reads stdout and stderr to the end (those that are piped) while waiting, and
    /// returns the status and everything read.
    ///
    /// **asyncio:** `await Process.communicate()`, plus the return code.
    ///
    /// # Errors
    ///
    /// A read error, or as [`Child::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let child = Command::shell("echo out; echo err >&2")
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let out = child.wait_with_output().await?;
    ///     assert_eq!((&out.stdout[..], &out.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_with_output(self) -> io::Result<Output> {
        self.communicate(&[]).await
    }

    /// Writes `input` to the child's stdin and closes it, while reading stdout and stderr to the end
    /// (those that are piped); then waits for the child. Feeding and reading at once is what keeps a
    /// child that echoes a large input (`cat`) from deadlocking on full pipes. A child that exits
    /// without reading all of `input` is not an error.
    ///
    /// **asyncio:** `await Process.communicate(input)`.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` when `input` is not empty and stdin is not piped; a read or write error; as
    /// [`Child::wait`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let child = Command::new("tr").arg("a-z").arg("A-Z")
    ///         .stdin(Stdio::piped())
    ///         .stdout(Stdio::piped())
    ///         .spawn()?;
    ///     let out = child.communicate(b"shout").await?;
    ///     assert_eq!(out.stdout, b"SHOUT");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn communicate(mut self, input: &[u8]) -> io::Result<Output> {
        let mut stdin = self.stdin.take();
        if stdin.is_none() && !input.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "communicate: input given but the child's stdin is not piped",
            ));
        }
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut out_n, mut err_n) = (0, 0);
        let (mut out_done, mut err_done) = (stdout.is_none(), stderr.is_none());
        let mut pending = input;
        poll_fn(|cx| {
            if let Some(pipe) = &mut stdin {
                let mut close = pending.is_empty();
                while !close {
                    match pipe.poll_write_buf(cx, pending) {
                        Poll::Ready(Ok(0)) => {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()))
                        }
                        Poll::Ready(Ok(n)) => {
                            pending = &pending[n..];
                            close = pending.is_empty();
                        }
                        // The child stopped reading (exited): as in asyncio, not an error.
                        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                            close = true
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => break,
                    }
                }
                if close {
                    stdin = None; // EOF for the child
                }
            }
            if let (false, Some(pipe)) = (out_done, &stdout) {
                out_done = ready_or_err(pipe.poll_read_to_end(cx, &mut out, &mut out_n))?;
            }
            if let (false, Some(pipe)) = (err_done, &stderr) {
                err_done = ready_or_err(pipe.poll_read_to_end(cx, &mut err, &mut err_n))?;
            }
            if stdin.is_none() && out_done && err_done {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: out,
            stderr: err,
        })
    }
}

/// `Ready(Ok)` → done, `Pending` → not yet, `Ready(Err)` → the error.
fn ready_or_err(p: Poll<io::Result<usize>>) -> Result<bool, io::Error> {
    match p {
        Poll::Ready(Ok(_)) => Ok(true),
        Poll::Ready(Err(e)) => Err(e),
        Poll::Pending => Ok(false),
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        if self.kill_on_drop {
            let _ = self.kill();
        }
        if let Some(std) = self.inner.take() {
            reap::adopt(std, self.watcher.take());
        }
    }
}
