//! `tulip::run`, `tulip::block_on`, `Loop::block_on` / `run_forever`, and nested `block_on` refused clearly.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use support::{real_loop, yield_many};

/// asyncio, `asyncio.run`: "This function cannot be called when another asyncio event loop is running
/// in the same thread." A nested `tulip::block_on` would deadlock; it panics with a message saying what
/// to do instead.
#[test]
#[should_panic(expected = "tulip::block_on called from inside a running tulip loop")]
fn nested_block_on_panics_with_a_clear_message() {
    tulip::run(async {
        tulip::block_on(async {});
    });
}

/// asyncio, `loop.run_until_complete` while a loop runs: "RuntimeError: This event loop is already
/// running" / "Cannot run the event loop while another loop is running". Also for another `Loop`.
#[test]
#[should_panic(expected = "block_on called from inside a running tulip loop")]
fn nested_loop_block_on_panics() {
    let outer = real_loop();
    let inner = real_loop();
    outer.block_on(async move { inner.block_on(async {}) });
}

/// asyncio, `asyncio.run` inside a running loop: "asyncio.run() cannot be called from a running event
/// loop".
#[test]
#[should_panic(expected = "inside a running tulip loop")]
fn nested_run_panics() {
    tulip::run(async { tulip::run(async {}) });
}

/// Inside a task, the nested call's panic is the task's panic: the message explains it, and the loop
/// goes on (`join` reports it).
#[test]
fn nested_block_on_in_a_task_is_contained() {
    let lp = real_loop();
    let _quiet = support::record_exceptions(&lp);
    let msg = lp.block_on(async {
        let err = tulip::spawn(async { tulip::block_on(async { 1 }) })
            .join()
            .await
            .unwrap_err();
        let payload = err.into_panic();
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap()
    });
    assert!(
        msg.contains("would deadlock") && msg.contains("spawn"),
        "{msg}"
    );
    assert_eq!(lp.block_on(async { 2 }), 2);
}

/// After a nested call panicked through `block_on`, the loop is idle and usable again.
#[test]
fn loop_recovers_after_a_refused_nested_call() {
    let lp = real_loop();
    let res = catch_unwind(AssertUnwindSafe(|| {
        lp.block_on(async { tulip::block_on(async {}) })
    }));
    assert!(res.is_err());
    assert!(!lp.is_running());
    assert!(tulip::try_get_running_loop().is_none());
    assert_eq!(lp.block_on(async { 5 }), 5);
}

/// asyncio, `asyncio.run(main())` returns main's result; inside, `get_running_loop()` is the running
/// loop; outside, there is none.
#[test]
fn run_returns_the_output() {
    assert!(tulip::try_get_running_loop().is_none());
    let out = tulip::run(async {
        let lp = tulip::get_running_loop();
        assert!(lp.is_running());
        tulip::spawn(async { 20 }).await + 22
    });
    assert_eq!(out, 42);
    assert!(tulip::try_get_running_loop().is_none());
}

/// asyncio, `loop.run_until_complete(future)`: "Run until the future ... has completed. Return the
/// Future's result". Tasks still pending afterwards stay on the loop for the next call (asyncio keeps
/// them too); `tulip::block_on` keeps one loop per thread.
#[test]
fn block_on_keeps_pending_tasks_for_the_next_call() {
    // Handing the `Task` out of the loop, not awaiting it, is the point.
    #[allow(clippy::async_yields_async)]
    let task = tulip::block_on(async {
        tulip::spawn(async {
            tulip::time::sleep(Duration::from_millis(1)).await;
            "kept"
        })
    });
    assert_eq!(tulip::block_on(task), "kept");

    let lp = real_loop();
    let t = lp.spawn(async {
        tulip::time::sleep(Duration::from_millis(1)).await;
        3
    });
    assert_eq!(lp.block_on(yield_many(1)), ());
    assert_eq!(lp.block_on(t), 3);
}

/// asyncio, `loop.run_forever()`: "Run the event loop until stop() is called"; "If stop() is called
/// before run_forever() is called, the loop will poll the I/O selector once ... and then exit."
#[test]
fn run_forever_until_stop() {
    let lp = real_loop();
    lp.stop();
    lp.run_forever();

    let l2 = lp.clone();
    lp.call_later(Duration::from_millis(1), move || l2.stop());
    lp.run_forever();
    assert!(!lp.is_running());

    // stop() from another thread through the handle.
    let h = lp.handle();
    let t = std::thread::spawn(move || {
        h.call_soon_threadsafe(|| tulip::get_running_loop().stop());
    });
    lp.run_forever();
    t.join().unwrap();
}

/// Functions that need a running loop say so when there is none.
#[test]
#[should_panic(expected = "no running tulip loop")]
fn spawn_outside_a_loop_panics() {
    drop(tulip::spawn(async {}));
}
