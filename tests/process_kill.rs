//! Killing and terminating children, and reaping children whose handle was dropped.

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use tulip::process::Command;
use tulip::signal::SIGTERM;

/// Whether process `pid` is gone entirely: exited and reaped (a zombie still has a `/proc` entry).
fn is_reaped(pid: u32) -> bool {
    std::fs::metadata(format!("/proc/{pid}")).is_err()
}

/// Runs the loop (real sleeps, 5 ms at a time) until `pid` has been reaped; panics after 30 s, which
/// only a reaping bug takes.
async fn until_reaped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !is_reaped(pid) {
        assert!(Instant::now() < deadline, "pid {pid} was never reaped");
        tulip::time::sleep(Duration::from_millis(5)).await;
    }
}

/// asyncio:
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("sleep", "100")
/// assert proc.returncode is None
/// proc.kill()
/// assert await proc.wait() == -signal.SIGKILL
/// proc.kill()                      # after exit: no error
/// ```
#[test]
fn kill_a_sleeping_child() {
    tulip::run(async {
        let mut child = Command::new("sleep").arg("100").spawn().unwrap();
        assert!(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9));
        assert_eq!(child.try_wait().unwrap(), Some(status));
        child.kill().unwrap(); // already reaped: a no-op, never another process
        assert!(is_reaped(child.id()));
    });
}

/// asyncio:
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("sleep", "100")
/// proc.terminate()
/// assert await proc.wait() == -signal.SIGTERM
/// ```
#[test]
fn terminate_a_sleeping_child() {
    tulip::run(async {
        let mut child = Command::new("sleep").arg("100").spawn().unwrap();
        child.terminate().unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(SIGTERM));
    });
}

/// asyncio: a `Process` nobody awaits is still reaped (the child watcher collects it).
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("sh", "-c", "sleep 0.05")
/// del proc
/// ```
#[test]
fn a_dropped_running_child_is_reaped_when_it_exits() {
    tulip::run(async {
        let child = Command::shell("sleep 0.05").spawn().unwrap();
        let pid = child.id();
        drop(child);
        until_reaped(pid).await;
    });
}

/// asyncio: closing the transport of a running subprocess kills it.
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("sleep", "100")
/// proc._transport.close()          # kills the child
/// ```
#[test]
fn kill_on_drop_kills_and_reaps() {
    tulip::run(async {
        let child = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id();
        drop(child);
        until_reaped(pid).await;
    });
}

/// A child dropped on a loop that then closes before the child exits: it joins the orphan list, and a
/// later `spawn` (on any loop) reaps it.
///
/// ```python
/// asyncio.run(start_and_forget())      # the loop is gone before the child exits
/// asyncio.run(spawn_more())            # still no zombie
/// ```
#[test]
fn a_child_orphaned_by_a_closed_loop_is_reaped_by_a_later_spawn() {
    let pid = tulip::run(async {
        let child = Command::shell("sleep 0.05").spawn().unwrap();
        child.id()
    });
    tulip::run(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !is_reaped(pid) {
            assert!(Instant::now() < deadline, "pid {pid} was never reaped");
            let mut other = Command::new("true").spawn().unwrap(); // sweeps the orphans
            other.wait().await.unwrap();
            tulip::time::sleep(Duration::from_millis(5)).await;
        }
    });
}
