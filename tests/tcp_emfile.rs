//! Linux only (`prlimit` on another process). Out of descriptors (`EMFILE`): a server whose accept
//! fails logs the error (about once a second, however often it retries), keeps its listener, and serves again once descriptors free up. Each echo
//! example runs as a child process whose `RLIMIT_NOFILE` the test lowers with `prlimit(2)`.
#![cfg(target_os = "linux")]

mod support;

use std::net::TcpStream;
use std::time::Duration;

use rustix::process::{prlimit, Pid, Resource, Rlimit};
use support::client;
use support::example::Example;

/// Descriptors the server may open beyond those it holds when the limit is set.
const SPARE_FDS: u64 = 6;
/// Connections the test holds open: more than the server can accept.
const HELD: usize = 24;

fn open_fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("reading /proc/<pid>/fd")
        .count() as u64
}

/// asyncio's `_accept_connection` on `EMFILE`/`ENFILE`/`ENOBUFS`/`ENOMEM`: "Some platforms (e.g.
/// Linux keep reporting the FD as ready, so we remove the read handler temporarily. We'll try again
/// in a while." and logs 'socket.accept() out of system resource'.
fn keeps_serving_after_emfile(name: &str) {
    let mut server = Example::start(name);
    let pid = server.pid();
    let limit = open_fds(pid) + SPARE_FDS;
    let hard = rustix::process::getrlimit(Resource::Nofile).maximum;
    prlimit(
        Pid::from_raw(pid as i32),
        Resource::Nofile,
        Rlimit {
            current: Some(limit),
            maximum: hard,
        },
    )
    .expect("prlimit on the example process");

    // The kernel completes these handshakes whether or not the server can accept them.
    let held: Vec<TcpStream> = (0..HELD)
        .map(|_| client::connect(server.addr()).expect("connect"))
        .collect();
    let logged = server.wait_for_output(|l| l.contains("accept failed"), Duration::from_secs(20));
    assert!(
        logged.is_some(),
        "{name} never reported a failed accept; output: {:?}",
        server.output()
    );
    assert!(
        logged.unwrap().contains("Too many open files"),
        "{name} failed to accept for another reason: {:?}",
        server.output()
    );

    // asyncio logs "socket.accept() out of system resource" once per retry, but retries only every
    // second. Our servers retry every 10 ms and log about once a second: count the lines over a
    // measured window while the descriptors stay exhausted (an upper bound: a slow machine only logs
    // less).
    let window_start = std::time::Instant::now();
    let before = accept_failures(&server);
    std::thread::sleep(Duration::from_millis(2500));
    let lines = accept_failures(&server) - before;
    let allowed = window_start.elapsed().as_secs() as usize + 2;
    assert!(
        lines <= allowed,
        "{name} logged {lines} accept failures in {:?} (at most {allowed} expected)",
        window_start.elapsed()
    );

    // Free the descriptors: the server reads EOF on the connections it accepted and closes them,
    // then accepts (and closes) the queued ones.
    drop(held);
    // More connections at once than the limit allows: some wait in the backlog, all get served.
    client::echo_concurrent(server.addr(), 2 * SPARE_FDS as usize, 64 * 1024);
    for seed in 0..3 {
        client::echo_one(server.addr(), 16 * 1024, seed).unwrap();
    }
    assert!(server.is_running(), "{name} exited");
}

/// How many `accept failed` lines the example printed so far.
fn accept_failures(server: &Example) -> usize {
    server
        .output()
        .iter()
        .filter(|l| l.contains("accept failed"))
        .count()
}

#[test]
fn echo_keeps_serving_after_emfile() {
    keeps_serving_after_emfile("echo");
}

#[test]
fn echo_threads_keeps_serving_after_emfile() {
    keeps_serving_after_emfile("echo_threads");
}

#[test]
fn echo_selector_keeps_serving_after_emfile() {
    keeps_serving_after_emfile("echo_selector");
}

#[test]
fn echo_protocol_keeps_serving_after_emfile() {
    keeps_serving_after_emfile("echo_protocol");
}
