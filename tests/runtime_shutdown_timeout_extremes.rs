//! `Runtime::shutdown_timeout` with the largest timeouts: a grace period too long to add to `now`
//! means "wait until the work is done", never a panic.

use std::sync::mpsc;
use std::time::Duration;

use tulip::runtime::on_shutdown;
use tulip::{Runtime, TaskOutcome};

/// Shuts a two-worker runtime down with `timeout` while a task still waits on the blocking pool; an
/// `on_shutdown` hook lets it finish only once shutdown has begun. The task must finish, not be
/// cancelled: the grace period has not run out.
///
/// asyncio has the idea as `asyncio.wait(tasks, timeout=None)`: no timeout waits for the tasks
/// (`loop.shutdown_default_executor(timeout=None)` likewise); a huge float is accepted too.
fn shutdown_waits_for_the_work(timeout: Duration) {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let task = rt.spawn(async move {
        assert!(on_shutdown(move || go_tx.send(()).unwrap()));
        started_tx.send(()).unwrap();
        // Waits on the blocking pool (the worker keeps running its loop) for the go-ahead.
        tulip::spawn_blocking(move || go_rx.recv().is_ok()).await
    });
    started_rx.recv().unwrap();
    rt.shutdown_timeout(timeout);
    assert_eq!(
        task.outcome(),
        Some(TaskOutcome::Finished),
        "the task did not finish within a grace period of {timeout:?}"
    );
}

#[test]
fn duration_max_waits_for_the_work() {
    shutdown_waits_for_the_work(Duration::MAX);
}

#[test]
fn u64_max_seconds_waits_for_the_work() {
    shutdown_waits_for_the_work(Duration::from_secs(u64::MAX));
}

#[test]
fn a_thousand_years_waits_for_the_work() {
    shutdown_waits_for_the_work(Duration::from_secs(1000 * 365 * 24 * 3600));
}
