//! A callback closure whose captured values panic when dropped (a user `Drop` bug) never takes the loop
//! down or aborts the process, on every path that drops a closure without running it: a cancelled
//! `call_soon` callback skipped by the loop, a cancelled timer, the loop closing with callbacks and
//! timers still pending, a removed done-callback. The loop and its other callbacks go on, and the
//! exception handler hears of the panic.
//!
//! Each scenario runs in a child process (this test binary, re-run with `TULIP_TEST_CHILD`
//! set), so an abort fails only its own test instead of killing the whole binary.

mod support;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use support::child::isolated;
use support::{paused_loop, record_exceptions, yield_many};

/// Panics when dropped (unless already panicking).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

/// A closure that, when dropped without running, panics.
fn closure_with_panicking_drop() -> impl FnOnce() + 'static {
    let guard = PanicOnDrop("boom in callback drop");
    move || {
        // Running it consumes the guard without a panic.
        std::mem::forget(guard);
    }
}

/// Makes callbacks that count their runs.
type Ticks = Box<dyn Fn() -> Box<dyn FnOnce()>>;

/// A counter callback, to see that the loop went on running callbacks.
fn counter() -> (Rc<Cell<u32>>, Ticks) {
    let n = Rc::new(Cell::new(0));
    let m = n.clone();
    (
        n,
        Box::new(move || {
            let m = m.clone();
            Box::new(move || m.set(m.get() + 1))
        }),
    )
}

/// asyncio: a cancelled `Handle` is skipped by the loop (its callback is never called). tulip drops the
/// closure then; a panic in that drop must not escape `block_on` or stop the callbacks queued after it.
#[test]
fn cancelled_call_soon_with_panicking_drop_is_contained() {
    isolated(
        "cancelled_call_soon_with_panicking_drop_is_contained",
        || {
            let lp = paused_loop();
            let reports = record_exceptions(&lp);
            let (ran, tick) = counter();
            let h = lp.call_soon(closure_with_panicking_drop());
            lp.call_soon(tick());
            // Cancelled outside the loop: the closure stays queued until the loop skips it.
            h.cancel();
            let out = catch_unwind(AssertUnwindSafe(|| lp.block_on(yield_many(3))));
            assert!(out.is_ok(), "the drop panic escaped block_on");
            assert_eq!(ran.get(), 1, "the callback after it did not run");
            assert_eq!(lp.block_on(async { tulip::spawn(async { 3 }).await }), 3);
            assert!(
                reports
                    .borrow()
                    .iter()
                    .any(|r| r.panic_message.as_deref() == Some("boom in callback drop")),
                "{:?}",
                reports.borrow()
            );
        },
    );
}

/// The same, cancelled from inside another callback of the same tick.
#[test]
fn call_soon_cancelled_by_an_earlier_callback_with_panicking_drop_is_contained() {
    isolated(
        "call_soon_cancelled_by_an_earlier_callback_with_panicking_drop_is_contained",
        || {
            let lp = paused_loop();
            let _reports = record_exceptions(&lp);
            let (ran, tick) = counter();
            let slot: Rc<Cell<Option<tulip::CallbackHandle>>> = Rc::new(Cell::new(None));
            let s = slot.clone();
            lp.call_soon(move || {
                if let Some(h) = s.take() {
                    h.cancel();
                }
            });
            slot.set(Some(lp.call_soon(closure_with_panicking_drop())));
            lp.call_soon(tick());
            let out = catch_unwind(AssertUnwindSafe(|| lp.block_on(yield_many(3))));
            assert!(out.is_ok(), "the drop panic escaped block_on");
            assert_eq!(ran.get(), 1);
            assert_eq!(lp.block_on(async { 4 }), 4);
        },
    );
}

/// `TimerHandle::cancel` drops the closure at once, in the caller: a panicking drop is the caller's
/// panic, as `drop(value)` would be. Called from a task, that task panics (`join` says so) and the loop
/// goes on; called outside the loop, the panic reaches the caller and the timer wheel is left
/// consistent (later timers still fire).
#[test]
fn cancelled_timer_with_panicking_drop_panics_in_the_canceller_only() {
    isolated(
        "cancelled_timer_with_panicking_drop_panics_in_the_canceller_only",
        || {
            let lp = paused_loop();
            let _reports = record_exceptions(&lp);
            let (ran, tick) = counter();
            let h = lp.call_later(Duration::from_secs(5), closure_with_panicking_drop());
            lp.call_later(Duration::from_secs(6), tick());
            let t = lp.spawn(async move { h.cancel() });
            let joined = catch_unwind(AssertUnwindSafe(|| {
                lp.block_on(async {
                    let j = t.join().await;
                    tulip::time::sleep(Duration::from_secs(10)).await;
                    j
                })
            }));
            let joined = joined.expect("the drop panic escaped block_on");
            assert!(joined.unwrap_err().is_panic());
            assert_eq!(ran.get(), 1, "the later timer did not fire");

            // Outside the loop.
            let h = lp.call_later(Duration::from_secs(5), closure_with_panicking_drop());
            lp.call_later(Duration::from_secs(6), tick());
            assert!(catch_unwind(AssertUnwindSafe(|| h.cancel())).is_err());
            assert!(h.cancelled());
            lp.block_on(tulip::time::sleep(Duration::from_secs(10)));
            assert_eq!(ran.get(), 2, "the wheel lost a timer");
        },
    );
}

/// asyncio's `loop.close()` clears the ready queue and the scheduled timers without running them.
/// tulip drops their closures; panics there are contained: `close()` returns and the process lives.
#[test]
fn close_with_pending_callbacks_and_timers_with_panicking_drop_is_contained() {
    isolated(
        "close_with_pending_callbacks_and_timers_with_panicking_drop_is_contained",
        || {
            let lp = paused_loop();
            let _reports = record_exceptions(&lp);
            lp.call_soon(closure_with_panicking_drop());
            lp.call_later(Duration::from_secs(60), closure_with_panicking_drop());
            lp.call_at(
                lp.time() + Duration::from_secs(120),
                closure_with_panicking_drop(),
            );
            let out = catch_unwind(AssertUnwindSafe(|| lp.close()));
            assert!(out.is_ok(), "close() panicked");
            assert!(lp.is_closed());
            drop(lp);
        },
    );
}

/// Dropping the last `Loop` with such callbacks pending closes it the same way.
#[test]
fn dropping_a_loop_with_pending_callbacks_with_panicking_drop_is_contained() {
    isolated(
        "dropping_a_loop_with_pending_callbacks_with_panicking_drop_is_contained",
        || {
            let lp = paused_loop();
            lp.call_soon(closure_with_panicking_drop());
            lp.call_later(Duration::from_secs(60), closure_with_panicking_drop());
            let out = catch_unwind(AssertUnwindSafe(move || drop(lp)));
            assert!(out.is_ok(), "dropping the loop panicked");
        },
    );
}

/// asyncio, `Task.remove_done_callback`: the callback is removed and never called. tulip drops it;
/// its panicking drop does not take the loop down.
#[test]
fn removed_done_callback_with_panicking_drop_is_contained() {
    isolated(
        "removed_done_callback_with_panicking_drop_is_contained",
        || {
            let lp = paused_loop();
            let _reports = record_exceptions(&lp);
            let out = catch_unwind(AssertUnwindSafe(|| {
                lp.block_on(async {
                    let task = tulip::spawn(async {
                        tulip::time::sleep(Duration::from_secs(1)).await;
                        7
                    });
                    let guard = PanicOnDrop("boom in done-callback drop");
                    let id = task.add_done_callback(move |_| std::mem::forget(guard));
                    let removed = tulip::spawn(async move {
                        let removed = task.remove_done_callback(id);
                        (removed, task.await)
                    });
                    removed.join().await
                })
            }));
            // Either the removing task reports the panic (Err) or the drop was contained (Ok): never
            // an escape from `block_on`.
            assert!(out.is_ok(), "the drop panic escaped block_on");
            assert_eq!(lp.block_on(async { 5 }), 5);
        },
    );
}

/// A done-callback still registered when its task is cancelled at loop close: asyncio runs it (the
/// task ends cancelled). If its closure panics when dropped after running, or is dropped unrun, the
/// loop still closes.
#[test]
fn done_callback_with_panicking_drop_at_close_is_contained() {
    isolated(
        "done_callback_with_panicking_drop_at_close_is_contained",
        || {
            let lp = paused_loop();
            let _reports = record_exceptions(&lp);
            lp.block_on(async {
                let task = tulip::spawn(std::future::pending::<()>());
                let guard = PanicOnDrop("boom in done-callback drop");
                task.add_done_callback(move |_| {
                    let _keep = &guard;
                });
                task.detach();
            });
            lp.block_on(yield_many(2));
            let out = catch_unwind(AssertUnwindSafe(|| lp.close()));
            assert!(out.is_ok(), "close() panicked");
        },
    );
}

/// `tulip::block_on` keeps a per-thread loop until the thread exits; a timer still pending then is
/// dropped in thread-local teardown, where a panic aborts the process ("thread local panicked on
/// drop"). Same root cause as the two tests above (shutdown drops timer closures uncontained).
#[test]
fn thread_exit_with_a_pending_timer_with_panicking_drop_is_contained() {
    isolated(
        "thread_exit_with_a_pending_timer_with_panicking_drop_is_contained",
        || {
            let joined = std::thread::spawn(|| {
                tulip::block_on(async {
                    tulip::call_later(Duration::from_secs(60), closure_with_panicking_drop());
                });
            })
            .join();
            // Either the thread reports the panic or it ends cleanly; the process must live.
            let _ = joined;
        },
    );
}
