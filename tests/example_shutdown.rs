//! Graceful shutdown of the example servers: on SIGTERM or SIGINT they stop accepting, let open
//! connections finish within a 5 s grace period, and exit 0; a second signal during the grace period
//! exits at once with status 130 (SIGINT) or 143 (SIGTERM), as `asyncio.run` does on a second Ctrl-C.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::example::example_path;

/// The echo example as a child process, with its stderr lines arriving on a channel.
struct Echo {
    child: Child,
    addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl Echo {
    fn start() -> Echo {
        Echo::start_example("echo", &["127.0.0.1:0"])
    }

    /// Starts example `name` with `args` and waits for its `listening on` line.
    fn start_example(name: &str, args: &[&str]) -> Echo {
        let mut child = Command::new(example_path(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start the {name} example: {e}"));
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("expected `listening on <addr>`, got {first:?}"));
        let stderr = lines(child.stderr.take().unwrap());
        Echo {
            child,
            addr,
            stderr,
        }
    }

    /// Sends `sig` (`TERM`, `INT`) with the `kill` command, as an init system or a shell would.
    fn kill(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for a stderr line containing `needle`; panics after `timeout`.
    fn expect_stderr(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("echo never printed {needle:?}"),
            }
        }
    }

    /// Waits for the process to exit; panics after `timeout` (killing it).
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("echo did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(stderr: ChildStderr) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn echo_once(conn: &mut TcpStream, msg: &[u8]) {
    conn.write_all(msg).unwrap();
    let mut buf = vec![0u8; msg.len()];
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(buf, msg);
}

/// asyncio:
///
/// ```python
/// loop.add_signal_handler(signal.SIGTERM, stop.set)
/// await stop.wait()
/// server.close()                                      # stop accepting
/// await asyncio.wait_for(server.wait_closed(), 5)     # let open connections finish
/// ```
///
/// A connection open when SIGTERM arrives is still served; new ones are refused; once it closes, the
/// process exits 0.
#[test]
fn sigterm_stops_accepting_and_lets_an_open_connection_finish() {
    let mut echo = Echo::start();
    let mut conn = TcpStream::connect(echo.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    echo_once(&mut conn, b"before the signal");

    echo.kill("TERM");
    let line = echo.expect_stderr("draining", Duration::from_secs(30));
    assert!(line.contains("1 connection"), "{line}");
    assert!(
        TcpStream::connect(echo.addr).is_err(),
        "still accepting after SIGTERM"
    );
    echo_once(&mut conn, b"in flight, after the signal");
    drop(conn);

    let status = echo.wait(Duration::from_secs(30));
    assert!(status.success(), "echo exited with {status}");
}

/// asyncio: Ctrl-C with no open connection: exit at once, status 0.
///
/// ```python
/// loop.add_signal_handler(signal.SIGINT, stop.set)
/// ```
#[test]
fn sigint_with_no_connections_exits_zero() {
    let mut echo = Echo::start();
    echo.kill("INT");
    let status = echo.wait(Duration::from_secs(30));
    assert!(status.success(), "echo exited with {status}");
}

/// asyncio: `asyncio.wait_for(server.wait_closed(), 5)` times out on a client that never closes; the
/// server closes it and exits anyway.
///
/// Takes the example's 5 s grace period.
#[test]
fn a_connection_that_never_closes_is_cut_after_the_grace_period() {
    let mut echo = Echo::start();
    let mut conn = TcpStream::connect(echo.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    echo_once(&mut conn, b"idle from now on");
    echo.kill("TERM");
    echo.expect_stderr("grace period over", Duration::from_secs(30));
    let status = echo.wait(Duration::from_secs(30));
    assert!(status.success(), "echo exited with {status}");
    let mut rest = Vec::new();
    assert_eq!(
        conn.read_to_end(&mut rest).unwrap(),
        0,
        "closed by the server"
    );
}

/// Starts example `name` (the proxy in front of an echo example), opens a connection that stays open
/// through the grace period, sends `first`, and once the server drains sends `second`: the process must
/// exit at once with `128 + second`, not wait out the grace period and exit 0.
fn second_signal_exits_at_once(name: &str, first: &str, second: &str, status: i32) {
    let upstream = (name == "proxy").then(Echo::start);
    let upstream_addr = upstream.as_ref().map(|u| u.addr.to_string());
    let mut args = vec!["127.0.0.1:0"];
    args.extend(upstream_addr.as_deref());
    let mut server = Echo::start_example(name, &args);
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    echo_once(&mut conn, b"held open through the grace period");
    server.kill(first);
    server.expect_stderr("draining", Duration::from_secs(30));
    server.kill(second);
    let line = server.expect_stderr("second signal", Duration::from_secs(30));
    assert!(line.contains("exiting now"), "{line}");
    let got = server.wait(Duration::from_secs(30));
    assert_eq!(got.code(), Some(status), "{name} exited with {got}");
}

/// Python 3.11+ `asyncio.run`: a first Ctrl-C cancels the main task; a second one, while it is still
/// finishing, raises `KeyboardInterrupt` at once (a shell then reports status 130). Every example server
/// does the same during its grace period: SIGINT then SIGINT exits 130.
#[test]
fn echo_second_sigint_during_the_grace_period_exits_130() {
    second_signal_exits_at_once("echo", "INT", "INT", 130);
}

/// A second SIGTERM during the grace period exits 143 (128 + SIGTERM), as a process killed by it.
#[test]
fn echo_second_sigterm_during_the_grace_period_exits_143() {
    second_signal_exits_at_once("echo", "TERM", "TERM", 143);
}

/// The Protocol example: SIGTERM, then Ctrl-C while draining, exits 130.
#[test]
fn echo_protocol_second_signal_during_the_grace_period_exits_at_once() {
    second_signal_exits_at_once("echo_protocol", "TERM", "INT", 130);
}

/// The streams example: Ctrl-C, then SIGTERM while draining, exits 143.
#[test]
fn echo_streams_second_signal_during_the_grace_period_exits_at_once() {
    second_signal_exits_at_once("echo_streams", "INT", "TERM", 143);
}

/// The proxy (in front of an echo example): SIGTERM twice exits 143.
#[test]
fn proxy_second_signal_during_the_grace_period_exits_at_once() {
    second_signal_exits_at_once("proxy", "TERM", "TERM", 143);
}
