//! `SubprocessProtocol` and `SubprocessTransport` (asyncio `loop.subprocess_exec` /
//! `subprocess_shell`): the order of the callbacks, compared with python3's asyncio running the same
//! shell command; return codes, signals, pipes, `close()`.

mod support;

use std::cell::RefCell;
use std::io;
use std::process::Stdio;
use std::rc::Rc;

use support::protocol::until;
use tulip::process::{Command, SubprocessProtocol, SubprocessTransport};

/// Records every callback as a line, in the format of the python3 script below.
#[derive(Default)]
struct Log {
    events: Vec<String>,
    transport: Option<SubprocessTransport>,
    /// On `process_exited`, write this to stdin and close it.
    feed_on_exit: Option<&'static [u8]>,
    done: bool,
}

impl SubprocessProtocol for Log {
    fn connection_made(&mut self, transport: SubprocessTransport) {
        self.events.push("made".into());
        self.transport = Some(transport);
    }
    fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
        self.events.push(format!("data {fd} {}", hex(data)));
    }
    fn pipe_connection_lost(&mut self, fd: i32, exc: Option<io::Error>) {
        let ok = if exc.is_none() { "True" } else { "False" };
        self.events.push(format!("pipe_lost {fd} {ok}"));
    }
    fn process_exited(&mut self) {
        let t = self.transport.as_ref().unwrap();
        self.events
            .push(format!("exited {}", t.get_returncode().unwrap()));
        if let Some(feed) = self.feed_on_exit {
            let stdin = t.get_pipe_transport(0).unwrap();
            stdin.write(feed).unwrap();
            stdin.close();
        }
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let ok = if exc.is_none() { "True" } else { "False" };
        self.events.push(format!("lost {ok}"));
        self.done = true;
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same protocol in asyncio; prints one event per line.
const PYTHON: &str = r#"
import asyncio, sys
CMD, FEED = sys.argv[1], sys.argv[2]
class P(asyncio.SubprocessProtocol):
    def __init__(self, done): self.ev = []; self.done = done; self.t = None
    def connection_made(self, t): self.ev.append('made'); self.t = t
    def pipe_data_received(self, fd, data): self.ev.append(f'data {fd} {data.hex()}')
    def pipe_connection_lost(self, fd, exc): self.ev.append(f'pipe_lost {fd} {exc is None}')
    def process_exited(self):
        self.ev.append(f'exited {self.t.get_returncode()}')
        if FEED:
            p = self.t.get_pipe_transport(0); p.write(FEED.encode()); p.close()
    def connection_lost(self, exc): self.ev.append(f'lost {exc is None}'); self.done.set_result(None)
async def main():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    t, p = await loop.subprocess_shell(lambda: P(done), CMD)
    await done
    print('\n'.join(p.ev))
asyncio.run(main())
"#;

/// asyncio's events for `cmd`, or `None` when python3 cannot be run here.
fn python_events(cmd: &str, feed: &str) -> Option<Vec<String>> {
    let out = match std::process::Command::new("python3")
        .args(["-c", PYTHON, cmd, feed])
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            eprintln!("python3 not found: comparing with asyncio skipped");
            return None;
        }
        Err(e) => panic!("running python3: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

/// tulip's events for `cmd`.
fn tulip_events(cmd: &str, feed: Option<&'static [u8]>) -> Vec<String> {
    support::net::run(async move {
        let (_t, p) = tulip::process::subprocess_shell(
            || Log {
                feed_on_exit: feed,
                ..Log::default()
            },
            cmd,
        )
        .unwrap();
        until("connection_lost", || p.borrow().done).await;
        let events = p.borrow().events.clone();
        events
    })
}

/// The events that concern pipe `fd`, in order.
fn of_fd(events: &[String], fd: i32) -> Vec<String> {
    let data = format!("data {fd} ");
    let lost = format!("pipe_lost {fd} ");
    events
        .iter()
        .filter(|e| e.starts_with(&data) || e.starts_with(&lost))
        .cloned()
        .collect()
}

fn position(events: &[String], prefix: &str) -> usize {
    events
        .iter()
        .position(|e| e.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {events:?}"))
}

/// The guarantees asyncio gives, checked on one run: `made` first, `lost` last and once, `exited`
/// once, each pipe's data before its one `pipe_lost`.
fn check_order(events: &[String]) {
    assert_eq!(
        events.first().map(String::as_str),
        Some("made"),
        "{events:?}"
    );
    assert!(events.last().unwrap().starts_with("lost "), "{events:?}");
    assert_eq!(events.iter().filter(|e| e.starts_with("lost ")).count(), 1);
    assert_eq!(
        events.iter().filter(|e| e.starts_with("exited ")).count(),
        1
    );
    for fd in 0..3 {
        let seq = of_fd(events, fd);
        assert!(seq.last().unwrap().starts_with("pipe_lost "), "{seq:?}");
        assert_eq!(seq.iter().filter(|e| e.starts_with("pipe_lost")).count(), 1);
    }
}

/// ```python
/// t, p = await loop.subprocess_shell(P, "echo out; echo err >&2; exit 3")
/// ```
/// Same events per pipe as asyncio, same return code; `connection_lost` after everything.
#[test]
fn callbacks_follow_asyncio_order() {
    let cmd = "echo out; echo err >&2; exit 3";
    let ours = tulip_events(cmd, None);
    check_order(&ours);
    assert!(ours.contains(&"exited 3".to_string()));
    assert_eq!(of_fd(&ours, 1), ["data 1 6f75740a", "pipe_lost 1 True"]);
    assert_eq!(of_fd(&ours, 2), ["data 2 6572720a", "pipe_lost 2 True"]);
    if let Some(theirs) = python_events(cmd, "") {
        check_order(&theirs);
        for fd in 0..3 {
            assert_eq!(of_fd(&ours, fd), of_fd(&theirs, fd), "fd {fd}");
        }
        assert_eq!(
            ours.iter().find(|e| e.starts_with("exited")),
            theirs.iter().find(|e| e.starts_with("exited"))
        );
    }
}

/// A grandchild holds the pipes after the shell exits: `process_exited` comes first, the grandchild's
/// output after it (it writes only once fed from `process_exited`), and `connection_lost` waits for
/// the pipes, as asyncio does.
#[test]
fn process_exited_comes_before_pipes_a_grandchild_holds() {
    let cmd = r#"exec 3<&0; (read line <&3; echo "late $line") & exit 5"#;
    let ours = tulip_events(cmd, Some(b"go\n"));
    check_order(&ours);
    let late = format!("data 1 {}", hex(b"late go\n"));
    assert!(
        position(&ours, "exited 5") < position(&ours, &late),
        "{ours:?}"
    );
    assert!(position(&ours, "exited 5") < position(&ours, "pipe_lost 1"));
    if let Some(theirs) = python_events(cmd, "go\n") {
        check_order(&theirs);
        assert!(position(&theirs, "exited 5") < position(&theirs, &late));
        assert!(position(&theirs, "exited 5") < position(&theirs, "pipe_lost 1"));
        for fd in 0..3 {
            assert_eq!(of_fd(&ours, fd), of_fd(&theirs, fd), "fd {fd}");
        }
    }
}

/// `get_pid`, `get_returncode` (`None` while running, `-9` after `kill`), and signals after
/// `connection_lost` failing with `ESRCH` (asyncio: `ProcessLookupError`).
#[test]
fn returncode_and_signals() {
    support::net::run(async {
        let (t, p) = tulip::process::subprocess_exec(Log::default, "sleep", ["10"]).unwrap();
        assert!(t.get_pid() > 0);
        assert_eq!(t.get_returncode(), None);
        assert_eq!(
            t.send_signal(-3).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        t.kill().unwrap();
        until("connection_lost", || p.borrow().done).await;
        assert_eq!(t.get_returncode(), Some(-9));
        let esrch = Some(rustix::io::Errno::SRCH.raw_os_error());
        assert_eq!(t.terminate().unwrap_err().raw_os_error(), esrch);
        assert_eq!(t.kill().unwrap_err().raw_os_error(), esrch);
        assert_eq!(
            t.send_signal(tulip::signal::SIGUSR1)
                .unwrap_err()
                .raw_os_error(),
            esrch
        );
    });
}

/// `transport.close()` on a running child: the pipes close, the child is killed, and the protocol
/// hears all of it, `connection_lost` last.
#[test]
fn close_kills_a_running_child() {
    support::net::run(async {
        let (t, p) = tulip::process::subprocess_exec(Log::default, "sleep", ["10"]).unwrap();
        t.close();
        t.close();
        assert!(t.is_closing());
        until("connection_lost", || p.borrow().done).await;
        let events = p.borrow().events.clone();
        check_order(&events);
        assert!(events.contains(&"exited -9".to_string()), "{events:?}");
        assert_eq!(t.get_returncode(), Some(-9));
    });
}

/// `get_pipe_transport`: `None` for streams that are not pipes; writing to stdin reaches the child;
/// a paused stdout delivers nothing until resumed.
#[test]
fn pipe_transports_write_pause_and_resume() {
    support::net::run(async {
        let (t, p) = Command::shell("cat; echo done")
            .stderr(Stdio::null())
            .spawn_protocol(Log::default)
            .unwrap();
        assert!(t.get_pipe_transport(2).is_none());
        assert!(t.get_pipe_transport(-1).is_none());
        let stdin = t.get_pipe_transport(0).unwrap();
        let stdout = t.get_pipe_transport(1).unwrap();
        assert_eq!(stdout.fd(), 1);
        assert_eq!(
            stdout.write(b"x").unwrap_err().kind(),
            io::ErrorKind::Unsupported
        );
        stdout.pause_reading();
        assert!(!stdout.is_reading());
        // Less than a pipe holds: cat copies it all to stdout and exits without anyone reading it.
        let big = vec![b'a'; 16 * 1024];
        stdin.write(&big).unwrap();
        stdin.close();
        assert_eq!(
            stdin.write(b"late").unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        until("process_exited", || {
            p.borrow().events.iter().any(|e| e.starts_with("exited"))
        })
        .await;
        // Paused: nothing was delivered from stdout.
        assert!(!p.borrow().events.iter().any(|e| e.starts_with("data 1")));
        assert!(!p.borrow().done);
        assert_eq!(t.get_returncode(), Some(0));
        stdout.resume_reading();
        until("connection_lost", || p.borrow().done).await;
        let events = p.borrow().events.clone();
        check_order_pipes(&events, &[0, 1]);
        let mut got = String::new();
        for e in of_fd(&events, 1) {
            if let Some(h) = e.strip_prefix("data 1 ") {
                got.push_str(h);
            }
        }
        let mut want = big.clone();
        want.extend_from_slice(b"done\n");
        assert_eq!(got, hex(&want));
        assert_eq!(t.get_returncode(), Some(0));
    });
}

/// `check_order` for a transport with only the pipes `fds`.
fn check_order_pipes(events: &[String], fds: &[i32]) {
    assert_eq!(events.first().map(String::as_str), Some("made"));
    assert!(events.last().unwrap().starts_with("lost "));
    for &fd in fds {
        let seq = of_fd(events, fd);
        assert!(seq.last().unwrap().starts_with("pipe_lost "), "{seq:?}");
    }
}

/// `stderr=STDOUT` in the transport form: one pipe, both streams in it.
#[test]
fn stderr_into_stdout_gives_one_pipe() {
    support::net::run(async {
        let (t, p) = Command::shell("echo a; echo b >&2")
            .stdin(Stdio::null())
            .stderr_to_stdout()
            .spawn_protocol(Log::default)
            .unwrap();
        assert!(t.get_pipe_transport(0).is_none());
        assert!(t.get_pipe_transport(2).is_none());
        until("connection_lost", || p.borrow().done).await;
        let events = p.borrow().events.clone();
        let data: String = of_fd(&events, 1)
            .iter()
            .filter_map(|e| e.strip_prefix("data 1 ").map(str::to_owned))
            .collect();
        assert_eq!(data, hex(b"a\nb\n"));
        assert!(!events.iter().any(|e| e.starts_with("data 2")));
    });
}

/// A protocol kept alive by the transport it holds is freed when the loop shuts down with the child
/// still running (the tasks break the cycle).
#[test]
fn loop_shutdown_frees_the_protocol() {
    let weak = support::real_loop().block_on(async {
        let (t, p) = tulip::process::subprocess_exec(Log::default, "sleep", ["10"]).unwrap();
        t.kill().unwrap();
        Rc::downgrade(&p)
    });
    assert!(weak.upgrade().is_none());
}

/// A shared protocol value seen from outside: `Rc<RefCell<P>>` as `create_connection` returns.
#[test]
fn protocol_is_shared_with_the_caller() {
    support::net::run(async {
        let (_t, p): (_, Rc<RefCell<Log>>) =
            tulip::process::subprocess_shell(Log::default, "exit 0").unwrap();
        until("connection_lost", || p.borrow().done).await;
        assert_eq!(p.borrow().events.first().unwrap(), "made");
    });
}

/// ```python
/// transport.get_pipe_transport(0).write(b"a" * 2**20)   # the child reads one byte and exits
/// ```
/// A child that exits without reading what is written to its stdin: the write that waits for room
/// ends with `pipe_connection_lost(0, BrokenPipeError)`, then `process_exited` and `connection_lost`
/// once each; nothing hangs and the test process is not killed by `SIGPIPE`.
#[test]
fn a_child_exiting_without_reading_stdin_breaks_only_that_pipe() {
    support::net::run(async {
        let (t, p) = Command::shell("head -c 1 >/dev/null; exit 3")
            .spawn_protocol(Log::default)
            .unwrap();
        let stdin = t.get_pipe_transport(0).unwrap();
        stdin.write(&vec![b'a'; 1 << 20]).unwrap();
        until("connection_lost", || p.borrow().done).await;
        let events = p.borrow().events.clone();
        check_order(&events);
        assert!(events.contains(&"exited 3".to_string()), "{events:?}");
        assert!(
            events.contains(&"pipe_lost 0 False".to_string()),
            "{events:?}"
        );
        assert_eq!(events.iter().filter(|e| e.starts_with("lost")).count(), 1);
        // Writing again after the pipe broke is refused, not buffered forever.
        assert!(stdin.write(b"more").is_err());
    });
}

/// ```python
/// transport.kill()   # after the child exited: no error while the transport is open (the child
///                    # is reaped, no signal is sent); ProcessLookupError once it is closed
/// ```
#[test]
fn kill_after_exit_signals_nothing() {
    support::net::run(async {
        let (t, p) = Command::shell("exit 0")
            .spawn_protocol(Log::default)
            .unwrap();
        until("connection_lost", || p.borrow().done).await;
        assert_eq!(t.get_returncode(), Some(0));
        let after_exit = t.kill();
        let after_terminate = t.terminate();
        t.close();
        let after_close = t.kill();
        assert_eq!(
            after_close.unwrap_err().raw_os_error(),
            Some(rustix::io::Errno::SRCH.raw_os_error())
        );
        // Before close, asyncio's Popen.send_signal is a no-op on a reaped child: either that, or
        // the same ProcessLookupError, never another error.
        for r in [after_exit, after_terminate] {
            if let Err(e) = r {
                assert_eq!(
                    e.raw_os_error(),
                    Some(rustix::io::Errno::SRCH.raw_os_error())
                );
            }
        }
        assert_eq!(t.get_returncode(), Some(0));
        let events = p.borrow().events.clone();
        check_order(&events);
    });
}
