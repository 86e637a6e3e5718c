//! The server examples with `--workers N`: one `listening on` line, every worker's socket on the same
//! address, every byte echoed, and a graceful stop on SIGTERM.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::client;
use support::example::{example_path, Example};

/// 200 connections at once through an example running two workers, 64 KiB each, verified.
fn concurrent_on_two_workers(name: &str, extra: &[&str]) {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--workers", "2"]);
    let mut server = Example::start_with_args(name, &args);
    client::echo_concurrent(server.addr(), 200, 64 * 1024);
    assert!(server.is_running(), "{name} exited");
}

#[test]
fn echo_on_two_workers() {
    concurrent_on_two_workers("echo", &[]);
}

#[test]
fn echo_protocol_on_two_workers() {
    concurrent_on_two_workers("echo_protocol", &[]);
}

#[test]
fn proxy_on_two_workers() {
    let upstream = Example::start("echo");
    let up = upstream.addr().to_string();
    concurrent_on_two_workers("proxy", &[&up]);
}

/// A bad `--workers` value is refused with an error, not a panic.
#[test]
fn workers_zero_is_refused() {
    let out = Command::new(example_path("echo"))
        .args(["127.0.0.1:0", "--workers", "0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--workers needs a positive number"),
        "{stderr}"
    );
}

/// SIGTERM to `echo --workers 2`: the listening sockets close, a connection open at that moment is
/// still served to the end (it sends its last bytes after the signal), and the process exits 0.
#[test]
fn echo_on_workers_drains_on_sigterm() {
    let mut child = Command::new(example_path("echo"))
        .args(["127.0.0.1:0", "--workers", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr: SocketAddr = first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("expected `listening on <addr>`, got {first:?}"));
    let mut stderr = BufReader::new(child.stderr.take().unwrap());

    let mut conn = client::connect(addr).unwrap();
    conn.write_all(b"before ").unwrap();
    let mut got = [0u8; 7];
    conn.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"before ");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("draining connections on 2 workers"), "{line}");
    // The listening sockets close as the drain begins, just after that line.
    while std::net::TcpStream::connect(addr).is_ok() {
        std::thread::yield_now();
    }

    conn.write_all(b"after").unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"after");

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "echo did not exit");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status:?}");
}
