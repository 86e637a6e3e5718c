//! Graceful shutdown of `examples/echo.rs`: on SIGTERM or SIGINT it stops accepting, lets open
//! connections finish within its 5 s grace period, and exits 0.

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
        let mut child = Command::new(example_path("echo"))
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the echo example");
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
