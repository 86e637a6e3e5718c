//! Running a loop from code the loop is running: `block_on` / `run_forever` / `run` called from a
//! `call_soon` callback, a timer callback, a done-callback or a protocol method is refused with a
//! clear panic that stays inside that callback (reported to the exception handler); the outer loop goes
//! on. asyncio raises `RuntimeError('This event loop is already running')` (or "Cannot run the event
//! loop while another loop is running") from the callback, which the loop reports as "Exception in
//! callback" and carries on. `close()` from a callback is refused the same way ("Cannot close a
//! running event loop").

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, record_exceptions, yield_many, Report};
use tulip::ExceptionKind;

fn callback_panics(reports: &[Report]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| r.kind == ExceptionKind::CallbackPanic)
        .map(|r| r.panic_message.clone().unwrap_or_default())
        .collect()
}

/// Runs `schedule` (which makes the loop call something that re-enters it), then checks that the
/// re-entry was refused inside that callback, reported, and that the loop still runs what follows.
fn refused(schedule: impl FnOnce(&tulip::Loop, Rc<Cell<bool>>), expect: &str) {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let after = Rc::new(Cell::new(false));
    schedule(&lp, after.clone());
    let out = lp.block_on(async {
        tulip::time::sleep(Duration::from_secs(1)).await;
        yield_many(3).await;
        7
    });
    assert_eq!(out, 7);
    assert!(after.get(), "the callback queued after it did not run");
    let got = callback_panics(&reports.borrow());
    assert!(
        got.len() == 1 && got[0].contains(expect),
        "expected one callback panic containing {expect:?}, got {got:?}"
    );
    assert!(!lp.is_closed());
    assert_eq!(lp.block_on(async { tulip::spawn(async { 8 }).await }), 8);
}

fn mark(after: Rc<Cell<bool>>) -> impl FnOnce() {
    move || after.set(true)
}

#[test]
fn block_on_in_a_call_soon_callback_is_refused() {
    refused(
        |lp, after| {
            let inner = lp.clone();
            lp.call_soon(move || {
                inner.block_on(async {});
            });
            lp.call_soon(mark(after));
        },
        "inside a running tulip loop",
    );
}

#[test]
fn block_on_of_another_loop_in_a_timer_callback_is_refused() {
    refused(
        |lp, after| {
            let other = paused_loop();
            lp.call_later(Duration::from_millis(5), move || {
                other.block_on(async {});
            });
            lp.call_later(Duration::from_millis(6), mark(after));
        },
        "inside a running tulip loop",
    );
}

#[test]
fn run_forever_in_a_callback_is_refused() {
    refused(
        |lp, after| {
            let inner = lp.clone();
            lp.call_soon(move || inner.run_forever());
            lp.call_soon(mark(after));
        },
        "running",
    );
}

#[test]
fn tulip_run_in_a_done_callback_is_refused() {
    refused(
        |lp, after| {
            // Done-callbacks are added from the running loop (see tests/task_methods_outside_run.rs).
            lp.call_soon(|| {
                let t = tulip::spawn(async {});
                t.add_done_callback(|_| tulip::run(async {}));
                t.detach();
            });
            lp.call_later(Duration::from_millis(1), mark(after));
        },
        "inside a running tulip loop",
    );
}

#[test]
fn close_in_a_callback_is_refused() {
    refused(
        |lp, after| {
            let inner = lp.clone();
            lp.call_soon(move || inner.close());
            lp.call_soon(mark(after));
        },
        "while the loop is running",
    );
}
