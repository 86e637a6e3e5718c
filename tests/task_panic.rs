//! Panics are isolated: a panicking task or callback never stops the loop; unobserved panics are reported.

mod support;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, record_exceptions, yield_many};
use tulip::time::sleep;
use tulip::{ExceptionKind, TaskOutcome};

fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>")
}

/// asyncio: an exception in one task is stored in that task ("the task is marked done and the exception
/// is set"); the loop and every other task go on.
#[test]
fn panicking_task_does_not_stop_the_loop_or_other_tasks() {
    let lp = paused_loop();
    let _records = record_exceptions(&lp);
    let finished = Rc::new(Cell::new(0));
    let f = finished.clone();
    let out = lp.block_on(async move {
        let bad = tulip::spawn(async {
            sleep(Duration::from_millis(5)).await;
            panic!("boom");
        });
        let good: Vec<_> = (0..10u64)
            .map(|i| {
                let f = f.clone();
                tulip::spawn(async move {
                    sleep(Duration::from_millis(i)).await;
                    sleep(Duration::from_millis(10)).await;
                    f.set(f.get() + 1);
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for t in good {
            sum += t.await;
        }
        assert!(bad.join().await.unwrap_err().is_panic());
        sum
    });
    assert_eq!(out, 45);
    assert_eq!(finished.get(), 10);
    assert_eq!(lp.block_on(async { 1 }), 1, "the loop still works");
}

/// asyncio, `await task`: "If the coroutine raised an exception, awaiting the task re-raises it". tulip
/// resumes the panic, with the same payload, in the task that awaits.
#[test]
fn awaiting_a_panicked_task_resumes_the_panic_in_the_awaiter() {
    paused_loop().block_on(async {
        let child = tulip::spawn(async {
            sleep(Duration::from_millis(1)).await;
            panic!("child failed");
        });
        let parent = tulip::spawn(async move {
            child.await;
            "unreachable"
        });
        let err = parent.join().await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(message(&*err.into_panic()), "child failed");
    });
}

/// asyncio, `loop.run_until_complete(task)` re-raises the task's exception to the caller; tulip's
/// `block_on` resumes the panic, and the loop is left usable.
#[test]
fn awaiting_a_panicked_task_in_block_on_resumes_the_panic() {
    let lp = paused_loop();
    let res = catch_unwind(AssertUnwindSafe(|| {
        lp.block_on(async { tulip::spawn(async { panic!("in a task") }).await })
    }));
    let payload = res.unwrap_err();
    assert_eq!(message(&*payload), "in a task");
    assert!(!lp.is_running());
    assert_eq!(lp.block_on(async { tulip::spawn(async { 3 }).await }), 3);
}

/// asyncio, `Task.exception()` / `Task.cancelled()`: tulip's `join()` gives a `TaskError` that tells a
/// panic (with its payload) from a cancellation, and `outcome()` says `Panicked`.
#[test]
fn join_reports_a_panic_as_an_error() {
    paused_loop().block_on(async {
        let task = tulip::spawn(async { panic!("joined") });
        let id = task.id();
        yield_many(2).await;
        assert_eq!(task.outcome(), Some(TaskOutcome::Panicked));
        let err = task.join().await.unwrap_err();
        assert_eq!(err.id(), id);
        assert!(err.is_panic() && !err.is_cancelled());
        assert!(err.to_string().contains("panicked: joined"), "{err}");
        assert!(format!("{err:?}").contains("Panicked"));
        let io: std::io::Error = tulip::spawn(async { panic!("as io") })
            .join()
            .await
            .unwrap_err()
            .into();
        assert!(io.to_string().contains("as io"));
        let payload = err.try_into_panic().unwrap();
        assert_eq!(message(&*payload), "joined");
    });
}

/// asyncio: awaiting a cancelled task raises `CancelledError`; tulip's `join()` returns a `TaskError`
/// with `is_cancelled()` for a task the loop cancelled when it shut down.
#[test]
fn join_reports_a_cancellation_as_an_error() {
    let lp = paused_loop();
    let task = lp.spawn(std::future::pending::<()>());
    lp.block_on(yield_many(2));
    lp.close();
    let err = paused_loop().block_on(task.join()).unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert!(err.to_string().contains("cancelled"), "{err}");
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
}

/// `join()` on a task that was cancelled before it ever ran (spawned on a loop that had already closed:
/// "If the loop has shut down, the task is cancelled at once") is a `TaskError`, not a panic.
#[test]
fn join_of_a_task_spawned_on_a_closed_loop_is_cancelled() {
    let lp = paused_loop();
    let handle = lp.handle();
    lp.close();
    let local = lp.spawn(async { 1 });
    let remote = handle.spawn(async { 2 });
    let other = paused_loop();
    assert!(other.block_on(local.join()).unwrap_err().is_cancelled());
    assert!(other.block_on(remote.join()).unwrap_err().is_cancelled());
}

/// Awaiting a task the loop cancelled panics with a message that says what happened and what to use.
#[test]
#[should_panic(expected = "was cancelled")]
fn awaiting_a_cancelled_task_panics_clearly() {
    let lp = paused_loop();
    let task = lp.spawn(std::future::pending::<()>());
    lp.close();
    paused_loop().block_on(task);
}

/// asyncio: "Task exception was never retrieved" goes to the loop's exception handler
/// (`loop.set_exception_handler`). In tulip a panic in a detached task is reported, with the task.
#[test]
fn unobserved_panic_of_a_detached_task_reaches_the_exception_handler() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    let still_running = Rc::new(Cell::new(false));
    let s = still_running.clone();
    let line = lp.block_on(async move {
        let doomed = async {
            sleep(Duration::from_millis(1)).await;
            panic!("nobody is watching");
        };
        let builder = tulip::task::Builder::new().name("doomed");
        let (line, task) = (line!(), builder.spawn(doomed));
        task.detach();
        sleep(Duration::from_millis(10)).await;
        s.set(true);
        line
    });
    assert!(still_running.get());
    let records = records.borrow();
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(r.kind, ExceptionKind::UnobservedTaskPanic);
    assert_eq!(r.task_name.as_deref(), Some("doomed"));
    assert_eq!(r.task_location, Some((file!(), line)));
    assert_eq!(r.panic_message.as_deref(), Some("nobody is watching"));
    assert!(r.message.contains("nobody is watching"), "{}", r.message);
}

/// asyncio reports a never-retrieved exception when the task is garbage-collected; tulip when the
/// handle of a panicked task is dropped without awaiting it, or `cancel()` is called on it.
#[test]
fn panic_dropped_with_its_handle_or_cancelled_is_reported() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    lp.block_on(async {
        let dropped = tulip::spawn(async { panic!("dropped") });
        let cancelled = tulip::spawn(async { panic!("cancelled after") });
        yield_many(2).await;
        drop(dropped);
        assert_eq!(cancelled.cancel().await, None);
    });
    let kinds: Vec<_> = records.borrow().iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [ExceptionKind::UnobservedTaskPanic; 2]);
}

/// An observed panic (awaited or joined) is not reported to the exception handler.
#[test]
fn observed_panic_is_not_reported() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    lp.block_on(async {
        let _ = tulip::spawn(async { panic!("seen") }).join().await;
    });
    assert!(records.borrow().is_empty());
}

/// asyncio, "Exception in callback": an exception raised by a `call_soon` / `call_later` callback goes
/// to the exception handler and the loop carries on with the next callback.
#[test]
fn panicking_callbacks_reach_the_exception_handler() {
    let lp = paused_loop();
    let records = record_exceptions(&lp);
    let after = Rc::new(Cell::new(0));
    let a = after.clone();
    lp.call_soon(|| panic!("call_soon callback"));
    lp.call_soon(move || a.set(a.get() + 1));
    lp.call_later(Duration::from_millis(5), || panic!("call_later callback"));
    let a = after.clone();
    lp.call_later(Duration::from_millis(5), move || a.set(a.get() + 1));
    lp.block_on(sleep(Duration::from_millis(10)));
    assert_eq!(after.get(), 2);
    let records = records.borrow();
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.kind, r.panic_message.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (ExceptionKind::CallbackPanic, "call_soon callback"),
            (ExceptionKind::CallbackPanic, "call_later callback"),
        ]
    );
}

/// asyncio's handler may itself fail ("Unhandled error in exception handler"); tulip catches a
/// panicking handler too and keeps the loop going.
#[test]
fn panicking_exception_handler_does_not_stop_the_loop() {
    let lp = paused_loop();
    lp.set_exception_handler(|_| panic!("the handler fails"));
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    lp.call_soon(|| panic!("callback fails"));
    lp.call_soon(move || r.set(true));
    lp.block_on(yield_many(3));
    assert!(ran.get());
    lp.reset_exception_handler();
}
