//! Runs an `examples/` program as a separate process: build once, launch, wait for its `listening on`
//! line, kill it on drop.
//!
//! ```text
//! let server = Example::start("echo");                       // runs `echo 127.0.0.1:0`
//! let proxy = Example::start_with_args("proxy", &["127.0.0.1:0", &server.addr().to_string()]);
//! support::client::echo_concurrent(proxy.addr(), 200, 256 * 1024);
//! assert!(proxy.wait_for_output(|l| l.contains("accept failed"), Duration::from_secs(5)).is_some());
//! ```
//!
//! Every example takes its listen address as the first argument and prints exactly one line
//! `listening on <ip:port>` on stdout once bound. `cargo test --test NAME` builds only that test, not
//! the examples, so the first [`example_path`] call for a name runs `cargo build --example NAME` with
//! the profile this test binary was built with (dev, release or a custom one, read from the
//! `target/<profile>/deps/` directory the binary sits in) into the same target directory; later calls in
//! the same test process reuse the result. Concurrent tests wait on one lock; concurrent test processes
//! wait on cargo's own lock.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an example may take to print its `listening on` line once started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The profile directory this test binary was built into (`target/debug`, `target/release`, ...).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe
        .parent()
        .expect("the test binary sits in target/<profile>/deps");
    assert_eq!(
        deps.file_name().and_then(|n| n.to_str()),
        Some("deps"),
        "expected the test binary under target/<profile>/deps, found {}",
        exe.display()
    );
    deps.parent().expect("target/<profile>").to_path_buf()
}

/// Cargo's arguments selecting the profile whose output lands in `dir`.
fn profile_args(dir: &Path) -> Vec<String> {
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => vec![],
        Some("release") => vec!["--release".to_owned()],
        Some(other) => vec!["--profile".to_owned(), other.to_owned()],
        None => panic!("cannot tell the cargo profile from {}", dir.display()),
    }
}

/// The path of example `name`'s executable, built with this test binary's profile on first use.
///
/// # Panics
///
/// When the build fails (its output is in the panic message).
#[track_caller]
pub(crate) fn example_path(name: &str) -> PathBuf {
    example_path_with_features(name, "")
}

/// [`example_path`] for an example that declares `required-features` in Cargo.toml: built (once per
/// name) with `--features <features>` (comma-separated; empty for none), so
/// `cargo test --features zmq --test NAME` can launch `zmq_selector`.
///
/// # Panics
///
/// When the build fails (its output is in the panic message).
#[track_caller]
pub(crate) fn example_path_with_features(name: &str, features: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let dir = profile_dir();
    let target_dir = dir.parent().expect("the target directory");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.arg("build").args(["--example", name, "--quiet"]);
    if !features.is_empty() {
        cmd.args(["--features", features]);
    }
    let out = cmd
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .args(profile_args(&dir))
        .stdin(Stdio::null())
        .output()
        .expect("running cargo build --example");
    assert!(
        out.status.success(),
        "cargo build --example {name} (features: {features:?}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "cargo built example {name} but {} does not exist",
        path.display()
    );
    built.insert(name.to_owned(), path.clone());
    path
}

/// Lines the example printed after its `listening on` line (stdout and stderr, interleaved in
/// arrival order), and a condition variable signalled on each new line.
#[derive(Default)]
struct Output {
    lines: Mutex<Vec<String>>,
    grew: Condvar,
}

impl Output {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
        self.grew.notify_all();
    }
}

/// A running example process. Killed (and reaped) on drop; when the test is failing, its output is
/// printed then, to explain the failure.
pub(crate) struct Example {
    name: String,
    child: Child,
    addr: SocketAddr,
    output: Arc<Output>,
}

impl Example {
    /// Builds (once) and starts example `name` listening on `127.0.0.1:0`, and waits for it to be bound.
    #[track_caller]
    pub(crate) fn start(name: &str) -> Example {
        Example::start_with_args(name, &["127.0.0.1:0"])
    }

    /// Builds (once) and starts example `name` with `args` (the first is its listen address), and
    /// waits for its `listening on <addr>` line.
    ///
    /// # Panics
    ///
    /// When the build fails, the process cannot start, exits or prints something else first, or
    /// does not print the line within 30 s.
    #[track_caller]
    pub(crate) fn start_with_args(name: &str, args: &[&str]) -> Example {
        let mut cmd = Command::new(example_path(name));
        cmd.args(args);
        Example::spawn(name, cmd)
    }

    /// Starts a prepared command for example `name` (for extra environment variables, say; build its
    /// program path with [`example_path`]) and waits for its `listening on <addr>` line.
    #[track_caller]
    pub(crate) fn spawn(name: &str, mut cmd: Command) -> Example {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start example {name}: {e}"));
        let output = Arc::new(Output::default());
        let (tx, rx) = mpsc::channel();

        let stdout = child.stdout.take().expect("piped stdout");
        let out = output.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = tx.send(first.map(|l| l.unwrap_or_default()));
            for line in lines.map_while(Result::ok) {
                out.push(line);
            }
        });
        let stderr = child.stderr.take().expect("piped stderr");
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                out.push(line);
            }
        });

        let mut example = Example {
            name: name.to_owned(),
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            output,
        };
        let first = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "example {name} closed stdout before printing `listening on`; stderr:\n{}",
                example.output().join("\n")
            ),
            Err(_) => panic!("example {name} printed nothing within {STARTUP_TIMEOUT:?}"),
        };
        example.addr = first
            .strip_prefix("listening on ")
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!("example {name}: expected `listening on <ip:port>` first, got {first:?}")
            });
        example
    }

    /// The address the example listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process id, e.g. for `prlimit`.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (false once it exited or crashed).
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Every line printed after the `listening on` line so far, stdout and stderr interleaved.
    pub(crate) fn output(&self) -> Vec<String> {
        self.output.lines.lock().unwrap().clone()
    }

    /// Waits up to `timeout` for a line (printed after `listening on`) for which `pred` holds, and
    /// returns it; `None` on timeout.
    pub(crate) fn wait_for_output(
        &self,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut lines = self.output.lines.lock().unwrap();
        loop {
            if let Some(line) = lines.iter().find(|l| pred(l)) {
                return Some(line.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            lines = self.output.grew.wait_timeout(lines, left).unwrap().0;
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- output of example {} ({}) ---\n{}\n---",
                self.name,
                self.addr,
                self.output().join("\n")
            );
        }
    }
}
