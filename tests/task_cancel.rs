//! Tasks: awaiting the output, `cancel()`, cancel-on-drop, `detach()`.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, yield_many, DropCount};
use tulip::time::sleep;
use tulip::TaskOutcome;

/// asyncio, `await task`: "If the coroutine ... returns a value, the task is marked done and the value
/// is the result" that awaiting the task gives back.
#[test]
fn awaiting_a_task_gives_its_output() {
    let out = paused_loop().block_on(async {
        let a = tulip::spawn(async {
            sleep(Duration::from_millis(5)).await;
            String::from("slept")
        });
        let b = tulip::spawn(async { 40 + 2 });
        (a.await, b.await)
    });
    assert_eq!(out, ("slept".to_owned(), 42));
}

/// Tasks spawned on the loop's own thread need not be `Send` (issue 2): an `Rc` crosses the `.await`.
#[test]
fn local_tasks_need_not_be_send() {
    let shared = Rc::new(Cell::new(0));
    let s = shared.clone();
    paused_loop().block_on(async move {
        let task = tulip::spawn(async move {
            sleep(Duration::from_millis(1)).await;
            s.set(s.get() + 1);
            s
        });
        let s = task.await;
        s.set(s.get() + 1);
    });
    assert_eq!(shared.get(), 2);
}

/// asyncio, `Task.cancel()`: "Request the Task to be cancelled ... the coroutine then has a chance to
/// clean up". In tulip the future is dropped at its current `.await` (its `Drop` is the cleanup) and
/// `cancel().await` returns `None` once that has happened; the future never runs again.
#[test]
fn cancel_pending_task_returns_none_and_drops_the_future_once() {
    let drops = DropCount::new();
    let resumed = Rc::new(Cell::new(false));
    let lp = paused_loop();
    let (token, r) = (drops.token(), resumed.clone());
    let d = drops.clone();
    lp.block_on(async move {
        let task = tulip::spawn(async move {
            let _guard = token;
            sleep(Duration::from_secs(3600)).await;
            r.set(true);
        });
        yield_many(2).await;
        assert!(!task.is_finished());
        assert_eq!(task.cancel().await, None);
        assert_eq!(
            d.get(),
            1,
            "the future is dropped by the time cancel() returns"
        );
        // Its timer is gone too: the hour passes and nothing runs.
        sleep(Duration::from_secs(7200)).await;
    });
    assert_eq!(drops.get(), 1);
    assert!(!resumed.get());
}

/// asyncio, `Task.cancel()` before the task ever ran: the coroutine never starts.
#[test]
fn cancel_before_first_poll_never_polls_the_future() {
    let drops = DropCount::new();
    let polled = Rc::new(Cell::new(false));
    let (token, p) = (drops.token(), polled.clone());
    paused_loop().block_on(async move {
        let task = tulip::spawn(async move {
            let _guard = token;
            p.set(true);
        });
        assert_eq!(task.cancel().await, None);
    });
    assert!(!polled.get());
    assert_eq!(drops.get(), 1);
}

/// asyncio, `Task.cancel()` on a done task: "If the Task is already done or cancelled, return False" —
/// harmless. tulip's `cancel()` on a finished task returns its output.
#[test]
fn cancel_finished_task_returns_its_output() {
    paused_loop().block_on(async {
        let task = tulip::spawn(async { 7 });
        yield_many(2).await;
        assert!(task.is_finished());
        assert_eq!(task.outcome(), Some(TaskOutcome::Finished));
        assert_eq!(task.cancel().await, Some(7));
    });
}

/// asyncio, `Task.cancel()` on an already cancelled task is harmless: here the loop cancelled the task
/// when it closed, and cancelling it again (from another loop) returns `None` and drops nothing twice.
#[test]
fn cancel_already_cancelled_task_is_harmless() {
    let drops = DropCount::new();
    let lp = paused_loop();
    let token = drops.token();
    let task = lp.spawn(async move {
        let _guard = token;
        std::future::pending::<u8>().await
    });
    lp.block_on(yield_many(2));
    lp.close();
    assert_eq!(drops.get(), 1);
    assert_eq!(task.outcome(), Some(TaskOutcome::Cancelled));
    let other = paused_loop();
    assert_eq!(other.block_on(task.cancel()), None);
    assert_eq!(drops.get(), 1);
}

/// asyncio keeps running a task nobody references; tulip's documented difference: "dropping the handle
/// cancels the task". The future is dropped once and does not go on.
#[test]
fn dropping_the_handle_cancels_the_task() {
    let drops = DropCount::new();
    let steps = Rc::new(Cell::new(0));
    let (token, s) = (drops.token(), steps.clone());
    let outcome = Rc::new(Cell::new(None));
    let o = outcome.clone();
    paused_loop().block_on(async move {
        let task = tulip::spawn(async move {
            let _guard = token;
            loop {
                s.set(s.get() + 1);
                sleep(Duration::from_millis(10)).await;
            }
        });
        task.add_done_callback(move |out| o.set(Some(out)));
        sleep(Duration::from_millis(25)).await;
        drop(task);
        sleep(Duration::from_millis(100)).await;
    });
    assert_eq!(steps.get(), 3, "ran at 0, 10 and 20 ms, then stopped");
    assert_eq!(drops.get(), 1);
    assert_eq!(outcome.get(), Some(TaskOutcome::Cancelled));
}

/// asyncio runs a task to completion whether or not anyone keeps it; in tulip `detach()` says so.
#[test]
fn detached_task_keeps_running() {
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    paused_loop().block_on(async move {
        tulip::spawn(async move {
            sleep(Duration::from_secs(30)).await;
            d.set(true);
        })
        .detach();
        sleep(Duration::from_secs(31)).await;
    });
    assert!(done.get());
}

/// asyncio, `Task.done()`: "Return True if the Task is done"; tulip's `is_finished()` (alias `done`)
/// and `outcome()` follow the task through its life.
#[test]
fn is_finished_and_outcome_track_the_task() {
    paused_loop().block_on(async {
        let task = tulip::spawn(sleep(Duration::from_millis(10)));
        assert!(!task.is_finished());
        assert_eq!(task.outcome(), None);
        sleep(Duration::from_millis(5)).await;
        assert_eq!(task.outcome(), None);
        sleep(Duration::from_millis(10)).await;
        assert!(task.is_finished());
        assert_eq!(task.outcome(), Some(TaskOutcome::Finished));
        task.await;
    });
}

/// asyncio: cancelling a task that awaits another task cancels only the outer one; here the inner task
/// is owned by the outer future, so dropping the outer one cancels both (structured cancellation).
#[test]
fn cancelling_a_parent_drops_the_child_it_owns() {
    let drops = DropCount::new();
    let (outer_token, inner_token) = (drops.token(), drops.token());
    paused_loop().block_on(async move {
        let parent = tulip::spawn(async move {
            let _g = outer_token;
            let child = tulip::spawn(async move {
                let _g = inner_token;
                sleep(Duration::from_secs(60)).await;
            });
            child.await;
        });
        yield_many(3).await;
        assert_eq!(parent.cancel().await, None);
        yield_many(3).await;
    });
    assert_eq!(drops.get(), 2);
}

/// Cancelling is asynchronous, as `task.cancel()`: the task's cleanup runs at its next step, queued
/// after what was ready before and before what is queued after.
///
/// ```python
/// t = asyncio.create_task(child())      # child: try: await ev.wait() finally: order.append("child cleanup")
/// await asyncio.sleep(0)
/// t.cancel(); order.append("after cancel")
/// loop.call_soon(lambda: order.append("soon"))
/// # order == ['after cancel', 'child cleanup', 'soon']
/// ```
#[test]
fn a_dropped_task_is_cleaned_up_at_its_next_step_in_queue_order() {
    struct Cleanup(std::rc::Rc<std::cell::RefCell<Vec<&'static str>>>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            self.0.borrow_mut().push("child cleanup");
        }
    }
    let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let o = order.clone();
    tulip::run(async move {
        let c = Cleanup(o.clone());
        let t = tulip::spawn(async move {
            let _c = c;
            std::future::pending::<()>().await;
        });
        tulip::yield_now().await;
        drop(t);
        o.borrow_mut().push("after cancel");
        let o2 = o.clone();
        tulip::call_soon(move || o2.borrow_mut().push("soon"));
        tulip::yield_now().await;
        tulip::yield_now().await;
    });
    assert_eq!(*order.borrow(), ["after cancel", "child cleanup", "soon"]);
}
