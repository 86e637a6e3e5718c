//! `Task::add_done_callback`: exactly once, scheduled rather than inline, with the task's outcome.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, record_exceptions, yield_many, DropCount};
use tulip::time::sleep;
use tulip::{ExceptionKind, TaskOutcome};

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

/// asyncio, `Future.add_done_callback`: "Add a callback to be run when the Future is done" — once, and
/// `asyncio.Future` docs: "callbacks ... are scheduled with `loop.call_soon()`", so a `call_soon` the
/// task made before finishing runs first.
#[test]
fn callback_added_before_completion_runs_once_scheduled_not_inline() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let s1 = s.clone();
        let task = tulip::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            let s2 = s1.clone();
            tulip::call_soon(move || push(&s2, "call_soon from the task's last step"));
            push(&s1, "task returns");
        });
        let s3 = s.clone();
        task.add_done_callback(move |outcome| push(&s3, format!("done: {outcome:?}")));
        yield_many(2).await;
        assert!(s.borrow().is_empty(), "not run before the task is done");
        sleep(Duration::from_millis(10)).await;
        yield_many(5).await;
        drop(task);
        yield_many(5).await;
    });
    assert_eq!(
        *seen.borrow(),
        [
            "task returns",
            "call_soon from the task's last step",
            "done: Finished"
        ]
    );
}

/// asyncio, `Future.add_done_callback`: "If the Future is already done when this method is called, the
/// callback is scheduled with `loop.call_soon()`" — not called inline.
#[test]
fn callback_added_after_completion_is_scheduled_with_call_soon() {
    paused_loop().block_on(async {
        let task = tulip::spawn(async { 5 });
        yield_many(2).await;
        assert!(task.is_finished());
        let calls = Rc::new(RefCell::new(Vec::new()));
        let c = calls.clone();
        task.add_done_callback(move |outcome| c.borrow_mut().push(outcome));
        assert!(calls.borrow().is_empty(), "not called inline");
        yield_many(5).await;
        assert_eq!(*calls.borrow(), [TaskOutcome::Finished]);
        assert_eq!(task.await, 5);
        yield_many(5).await;
        assert_eq!(calls.borrow().len(), 1, "exactly once");
    });
}

/// asyncio runs done-callbacks in the order they were added (`Future._schedule_callbacks` walks the
/// list in order, each via `call_soon`).
#[test]
fn callbacks_run_in_the_order_added_each_once() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    paused_loop().block_on(async move {
        let task = tulip::spawn(sleep(Duration::from_millis(1)));
        for i in 0..10 {
            let s = s.clone();
            task.add_done_callback(move |_| s.borrow_mut().push(i));
        }
        task.await;
        yield_many(3).await;
        // Added after completion: scheduled behind nothing else, still in order.
        // (A new task, as `await` consumed the first.)
        let done = tulip::spawn(async {});
        yield_many(2).await;
        for i in 10..13 {
            let s = s.clone();
            done.add_done_callback(move |_| s.borrow_mut().push(i));
        }
        yield_many(3).await;
    });
    assert_eq!(*seen.borrow(), (0..13).collect::<Vec<_>>());
}

/// asyncio, `Task.cancel()` then a done-callback: "the Task will be cancelled ... callbacks run", and
/// the callback sees `task.cancelled() == True`.
#[test]
fn cancelled_task_reports_cancelled_before_and_after() {
    let outcomes = Rc::new(RefCell::new(Vec::new()));
    let o = outcomes.clone();
    paused_loop().block_on(async move {
        let task = tulip::spawn(sleep(Duration::from_secs(60)));
        let o1 = o.clone();
        task.add_done_callback(move |out| o1.borrow_mut().push(("before", out)));
        yield_many(2).await;
        // Cancel by dropping the handle; the callback still runs.
        drop(task);
        yield_many(3).await;

        let task = tulip::spawn(sleep(Duration::from_secs(60)));
        yield_many(2).await;
        let o2 = o.clone();
        task.add_done_callback(move |out| o2.borrow_mut().push(("cancel()", out)));
        assert_eq!(task.cancel().await, None);
        yield_many(3).await;
    });
    assert_eq!(
        *outcomes.borrow(),
        [
            ("before", TaskOutcome::Cancelled),
            ("cancel()", TaskOutcome::Cancelled)
        ]
    );
}

/// asyncio: a done-callback of a task whose coroutine raised sees `task.exception()` set; tulip reports
/// `TaskOutcome::Panicked`, and the panic is still there for `join()`.
#[test]
fn panicked_task_reports_panicked() {
    let outcome = Rc::new(Cell::new(None));
    let o = outcome.clone();
    paused_loop().block_on(async move {
        let task = tulip::spawn(async {
            sleep(Duration::from_millis(1)).await;
            panic!("boom");
        });
        task.add_done_callback(move |out| o.set(Some(out)));
        let err = task.join().await.unwrap_err();
        assert!(err.is_panic());
        yield_many(2).await;
    });
    assert_eq!(outcome.get(), Some(TaskOutcome::Panicked));
}

/// asyncio, added after the task was done: the callback gets the outcome the task ended with, for
/// every kind of end.
#[test]
fn callback_added_after_the_end_sees_each_outcome() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.block_on(async move {
        let finished = tulip::spawn(async {});
        let panicked = tulip::spawn(async { panic!("late") });
        yield_many(2).await;
        for t in [&finished, &panicked] {
            let s = s.clone();
            t.add_done_callback(move |out| s.borrow_mut().push(out));
        }
        yield_many(2).await;
        drop((finished, panicked));
    });
    assert_eq!(
        *seen.borrow(),
        [TaskOutcome::Finished, TaskOutcome::Panicked]
    );
    // The dropped, never awaited panic went to the exception handler.
    assert_eq!(records.borrow().len(), 1);
}

/// asyncio, `loop.call_exception_handler` on "Exception in callback": a panicking done-callback is
/// reported and the next callbacks still run.
#[test]
fn panicking_done_callback_is_reported_and_others_run() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    lp.block_on(async move {
        let task = tulip::spawn(async {});
        task.add_done_callback(|_| panic!("in a done-callback"));
        task.add_done_callback(move |_| r.set(true));
        task.await;
        yield_many(3).await;
    });
    assert!(ran.get());
    let records = records.borrow();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, ExceptionKind::CallbackPanic);
    assert_eq!(
        records[0].panic_message.as_deref(),
        Some("in a done-callback")
    );
}

/// asyncio, `Future.add_done_callback`: callbacks run in the loop's thread; tulip refuses to add one
/// from another thread with a clear panic.
#[test]
fn add_done_callback_off_the_loop_thread_panics() {
    paused_loop().block_on(async {
        let task = tulip::spawn(sleep(Duration::from_secs(1)));
        let (task, res) = std::thread::spawn(move || {
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                task.add_done_callback(|_| {});
            }));
            (task, res)
        })
        .join()
        .unwrap();
        let payload = res.unwrap_err();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap();
        assert!(msg.contains("off the task's loop thread"), "{msg}");
        task.await;
    });
}

/// A callback added before the task's first poll, for a task that then waits forever: closing the loop
/// cancels the task, drops its future once, and still runs the callback with `Cancelled` (asyncio.run
/// cancels remaining tasks and lets their callbacks run).
#[test]
fn callback_added_before_first_poll_runs_when_the_loop_closes() {
    let drops = DropCount::new();
    let outcome = Rc::new(Cell::new(None));
    let lp = paused_loop();
    let token = drops.token();
    let task = lp.spawn(async move {
        let _g = token;
        std::future::pending::<()>().await
    });
    let o = outcome.clone();
    lp.block_on(async move {
        task.add_done_callback(move |out| o.set(Some(out)));
        task.detach();
        yield_many(3).await;
    });
    assert_eq!(outcome.get(), None);
    lp.close();
    assert_eq!(drops.get(), 1);
    assert_eq!(outcome.get(), Some(TaskOutcome::Cancelled));
}
