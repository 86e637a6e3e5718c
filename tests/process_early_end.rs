//! Children that end early or die: writing to a child that exited is `BrokenPipe` (never a hang, a
//! panic or a SIGPIPE death); a killed child's stdout reads to EOF and `wait` reports the signal; a
//! child that closes its stdout while still running gives EOF at once; a child killed while
//! `communicate` feeds it a large input ends `communicate` with the signal status. asyncio:
//! `proc.stdin.write` + `drain()` raises `BrokenPipeError` / `ConnectionResetError`; `communicate`
//! ignores them.
#![cfg(unix)]

mod support;

use std::os::unix::process::ExitStatusExt;

use tulip::process::{Command, Stdio};

const MIB: usize = 1 << 20;

#[test]
fn writing_to_a_child_that_exited_is_broken_pipe() {
    let (res, status) = support::net::run(async {
        let mut child = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        // Taken first: `wait` closes a stdin still held by the child handle, as std's does.
        let mut stdin = child.stdin.take().unwrap();
        let status = child.wait().await.unwrap();
        let res = stdin.write_all(&vec![7u8; MIB]).await;
        (res, status)
    });
    assert!(status.success());
    let err = res.expect_err("a megabyte was accepted by a dead child");
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn killed_child_stdout_reads_to_eof_and_wait_reports_the_signal() {
    let (got, status) = support::net::run(async {
        let mut child = Command::new("yes").stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut buf = vec![0u8; 4096];
        let n = stdout.read(&mut buf).await.unwrap();
        assert!(n > 0);
        child.kill().unwrap();
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).await.unwrap();
        (n + rest.len(), child.wait().await.unwrap())
    });
    assert!(got > 0);
    assert_eq!(status.signal(), Some(libc_sigkill()));
}

#[test]
fn child_closing_stdout_early_gives_eof_while_it_runs() {
    let (eof_before_exit, status) = support::net::run(async {
        // Closes its stdout, then waits for its stdin to close (so it surely runs while we read).
        let mut child = Command::shell("echo hi; exec >&-; cat >/dev/null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"hi\n");
        let running = child.try_wait().unwrap().is_none();
        child.stdin.take().unwrap().close();
        (running, child.wait().await.unwrap())
    });
    assert!(eof_before_exit, "EOF came only with the exit");
    assert!(status.success());
}

/// `communicate` feeding 1 MiB to a child that reads a little and then is killed: no hang, no error
/// for the unread input (asyncio ignores `BrokenPipeError` there), the signal in the status.
#[test]
fn communicate_with_a_child_killed_midway() {
    let out = support::net::run(async {
        let child = Command::shell("head -c 1000 >/dev/null; kill -9 $$")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.communicate(&vec![1u8; MIB]).await
    })
    .unwrap();
    assert_eq!(out.status.signal(), Some(libc_sigkill()));
    assert!(out.stdout.is_empty());
}

fn libc_sigkill() -> i32 {
    9
}
