//! A `Handle` that outlives its `Loop` (the loop dropped, not just closed), used from the loop's thread
//! and from others: `call_soon_threadsafe` returns `false` and drops the closure, `spawn` gives a task
//! that is already cancelled (awaiting it on another loop says so through `join`), `run_in_executor`
//! still runs its closure on the blocking pool. asyncio raises `RuntimeError('Event loop is closed')`
//! for the first two.

mod support;

use std::thread;

use support::{real_loop, DropCount};

#[test]
fn handle_of_a_dropped_loop_refuses_work_on_every_thread() {
    let lp = real_loop();
    let handle = lp.handle();
    lp.block_on(async {});
    drop(lp);
    assert!(handle.is_closed());

    let drops = DropCount::new();
    let token = drops.token();
    assert!(!handle.call_soon_threadsafe(move || drop(token)));
    assert_eq!(drops.get(), 1);

    let h = handle.clone();
    let d = drops.clone();
    let accepted = thread::spawn(move || {
        let token = d.token();
        h.call_soon_threadsafe(move || drop(token))
    })
    .join()
    .unwrap();
    assert!(!accepted);
    assert_eq!(drops.get(), 2);

    // A task from the dead loop's handle, awaited on a new loop: cancelled, not a hang.
    let other = real_loop();
    let h = handle.clone();
    let task = thread::spawn(move || h.spawn(async { 5 })).join().unwrap();
    let joined = other.block_on(async move {
        tulip::time::timeout(support::net::TEST_TIMEOUT, task.join())
            .await
            .expect("a task of a dropped loop hung")
    });
    assert!(joined.unwrap_err().is_cancelled());

    // The blocking pool does not depend on the loop.
    let h = handle.clone();
    let out = other.block_on(async move { h.run_in_executor(|| 6).await });
    assert_eq!(out, 6);
}
