//! A `Promise` whose loop is closed (or dropped) when it ends: its done-callbacks can never run, and
//! that is reported, never lost in silence. asyncio's `Future.__schedule_callbacks` calls
//! `loop.call_soon`, which raises `RuntimeError('Event loop is closed')` out of `set_result` /
//! `set_exception` / `cancel` after the state changed; without callbacks they succeed
//! (`scripts/asyncio_ref/promise_loop_closed.py`):
//!
//! ```text
//! set_result with a callback: RuntimeError: Event loop is closed
//!   done after it: True result: 1
//! set_result without callbacks: ok
//! add_done_callback on a done future: RuntimeError: Event loop is closed
//! cancel with a callback: RuntimeError: Event loop is closed
//!   cancelled after it: True
//! ```
//!
//! tulip keeps `set_result`'s signature (its `Err` means "already done, here is your value back"): the
//! promise ends as asked, the callbacks are dropped unrun (a panicking `Drop` contained), and one
//! [`ExceptionKind::LoopClosed`] report goes to the promise's loop's exception handler (or, once that
//! loop is dropped, to the loop running on this thread, else standard error).

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::{paused_loop, record_exceptions, DropCount, Report};
use tulip::{ExceptionKind, Promise};

fn closed_reports(reports: &[Report]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| r.kind == ExceptionKind::LoopClosed)
        .map(|r| r.message.clone())
        .collect()
}

/// `fut.add_done_callback(cb); loop.close(); fut.set_result(1)`: asyncio raises from `set_result`
/// (the result is stored); tulip stores it and reports the two callbacks it cannot run.
#[test]
fn set_result_on_a_closed_loop_reports_the_callbacks_it_cannot_run() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let fut: Promise<u32> = lp.create_future();
    let (ran, drops) = (Rc::new(Cell::new(0)), DropCount::new());
    for _ in 0..2 {
        let (r, token) = (ran.clone(), drops.token());
        fut.add_done_callback(move |_| {
            let _t = token;
            r.set(r.get() + 1);
        });
    }
    lp.close();
    assert!(fut.set_result(1).is_ok());
    assert_eq!(fut.result().unwrap(), 1, "the result is stored");
    assert!(fut.set_result(2).is_err(), "done: a second set is refused");
    assert_eq!(drops.get(), 2, "the callbacks were kept");
    assert_eq!(ran.get(), 0);
    assert_eq!(
        closed_reports(&reports.borrow()),
        ["Event loop is closed: 2 done-callbacks of a Promise were dropped unrun"]
    );
}

/// Without callbacks nothing is lost and nothing is reported (asyncio: `set_result` succeeds).
#[test]
fn set_result_without_callbacks_on_a_closed_loop_is_quiet() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let fut: Promise<u32> = lp.create_future();
    lp.close();
    fut.set_result(1).unwrap();
    assert_eq!(fut.result().unwrap(), 1);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow());
}

/// `add_done_callback` on a done promise schedules at once: on a closed loop it is reported (asyncio
/// raises `RuntimeError` from it); `cancel` and `set_exception` with callbacks likewise.
#[test]
fn add_done_callback_cancel_and_set_exception_on_a_closed_loop_are_reported() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let done: Promise<u32> = lp.create_future();
    let cancelled: Promise<u32> = lp.create_future();
    let failed: Promise<u32> = lp.create_future();
    cancelled.add_done_callback(|_| unreachable!("ran on a closed loop"));
    failed.add_done_callback(|_| unreachable!("ran on a closed loop"));
    done.set_result(1).unwrap();
    lp.close();
    done.add_done_callback(|_| unreachable!("ran on a closed loop"));
    assert!(cancelled.cancel());
    assert!(cancelled.is_cancelled());
    failed.set_exception(std::io::Error::other("late")).unwrap();
    assert!(failed.exception().unwrap().is_some());
    assert_eq!(
        closed_reports(&reports.borrow()),
        ["Event loop is closed: 1 done-callback of a Promise was dropped unrun"; 3]
    );
}

/// The promise's loop has been dropped: the report goes to the loop running where the promise ends.
#[test]
fn a_promise_whose_loop_was_dropped_reports_to_the_running_loop() {
    let gone = paused_loop();
    let fut: Promise<u32> = gone.create_future();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    fut.add_done_callback(move |_| r.set(true));
    drop(gone);
    assert!(fut.get_loop().is_none(), "the loop is gone");

    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    lp.block_on(async { fut.set_result(3).unwrap() });
    assert!(!ran.get());
    assert_eq!(fut.result().unwrap(), 3);
    assert_eq!(
        closed_reports(&reports.borrow()),
        ["Event loop is closed: 1 done-callback of a Promise was dropped unrun"]
    );
}

/// A callback whose captures panic when dropped: contained, reported as a callback panic, and the
/// promise still ends.
#[test]
fn a_panicking_drop_of_an_unrunnable_callback_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("boom in drop");
        }
    }
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let fut: Promise<u32> = lp.create_future();
    let bomb = Bomb;
    fut.add_done_callback(move |_| {
        let _b = bomb;
    });
    lp.close();
    fut.set_result(4).unwrap();
    assert_eq!(fut.result().unwrap(), 4);
    let reports = reports.borrow();
    assert_eq!(closed_reports(&reports).len(), 1, "{reports:?}");
    assert!(
        reports
            .iter()
            .any(|r| r.kind == ExceptionKind::CallbackPanic
                && r.panic_message.as_deref() == Some("boom in drop")),
        "{reports:?}"
    );
}
