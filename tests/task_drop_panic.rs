//! A future whose `Drop` panics never aborts the process: on every path that drops a task's future the
//! panic is caught, the task gets an outcome, its done-callbacks run, the loop's exception handler hears
//! of it, and the loop and every other task go on.
//!
//! Each scenario runs in a child process (this test binary, re-run with `TULIP_TEST_CHILD` set),
//! so an abort fails only its own test instead of killing the whole binary.

mod support;

use std::cell::{Cell, RefCell};
use std::future::{pending, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use support::child::isolated;
use support::{paused_loop, record_exceptions, Report};
use tulip::{Loop, Task, TaskOutcome};

/// Panics when dropped (unless already panicking).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

/// Pending forever, holding a value that panics when the future is dropped.
fn pending_with_panicking_drop() -> impl Future<Output = ()> {
    let guard = PanicOnDrop("boom in drop");
    async move {
        let _guard = &guard;
        pending::<()>().await
    }
}

/// Records the outcome passed to a done-callback.
fn watch<T>(t: &Task<T>) -> Rc<Cell<Option<TaskOutcome>>> {
    let seen = Rc::new(Cell::new(None));
    let s = seen.clone();
    t.add_done_callback(move |o| s.set(Some(o)));
    seen
}

fn reported_drop_panic(reports: &Rc<RefCell<Vec<Report>>>) -> bool {
    reports.borrow().iter().any(|r| {
        r.message.contains("boom in drop") || r.panic_message.as_deref() == Some("boom in drop")
    })
}

/// Spawns a task that keeps ticking, to check that the loop and other tasks go on.
fn ticker(lp: &Loop) -> (Task<()>, Rc<Cell<u32>>) {
    let ticks = Rc::new(Cell::new(0));
    let t2 = ticks.clone();
    let t = lp.spawn(async move {
        loop {
            t2.set(t2.get() + 1);
            tulip::yield_now().await;
        }
    });
    (t, ticks)
}

async fn settle() {
    for _ in 0..5 {
        tulip::yield_now().await;
    }
}

#[test]
fn dropping_the_task_handle_contains_the_panic() {
    isolated("dropping_the_task_handle_contains_the_panic", || {
        let lp = paused_loop();
        let reports = record_exceptions(&lp);
        let (tick, ticks) = ticker(&lp);
        let l2 = lp.clone();
        lp.block_on(async move {
            let t = tulip::spawn(pending_with_panicking_drop());
            let outcome = watch(&t);
            settle().await;
            assert_eq!(l2.all_tasks().len(), 2);
            drop(t);
            settle().await;
            assert_eq!(outcome.get(), Some(TaskOutcome::Cancelled));
            assert_eq!(l2.all_tasks().len(), 1, "only the ticker is left");
            let before = ticks.get();
            settle().await;
            assert!(ticks.get() > before, "other tasks keep running");
        });
        drop(tick);
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}

#[test]
fn task_cancel_contains_the_panic() {
    isolated("task_cancel_contains_the_panic", || {
        let lp = paused_loop();
        let reports = record_exceptions(&lp);
        let l2 = lp.clone();
        lp.block_on(async move {
            let t = tulip::spawn(pending_with_panicking_drop());
            let outcome = watch(&t);
            settle().await;
            assert_eq!(t.cancel().await, None);
            settle().await;
            assert_eq!(outcome.get(), Some(TaskOutcome::Cancelled));
            assert!(l2.all_tasks().is_empty());
        });
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}

#[test]
fn dropping_a_task_group_contains_the_panic() {
    isolated("dropping_a_task_group_contains_the_panic", || {
        let lp = paused_loop();
        let reports = record_exceptions(&lp);
        let l2 = lp.clone();
        lp.block_on(async move {
            let group = tulip::TaskGroup::<()>::new();
            group.spawn(pending_with_panicking_drop());
            group.spawn(pending_with_panicking_drop());
            settle().await;
            drop(group);
            settle().await;
            assert!(l2.all_tasks().is_empty(), "{:?}", l2.all_tasks());
            // The loop still runs tasks.
            assert_eq!(tulip::spawn(async { 7 }).await, 7);
        });
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}

#[test]
fn loop_shutdown_contains_the_panic() {
    isolated("loop_shutdown_contains_the_panic", || {
        let lp = paused_loop();
        let reports = record_exceptions(&lp);
        let a = lp.spawn(pending_with_panicking_drop());
        let b = lp.spawn(pending_with_panicking_drop());
        let (oa, ob) = lp.block_on(async {
            let watched = (watch(&a), watch(&b));
            settle().await;
            watched
        });
        lp.close();
        assert_eq!(oa.get(), Some(TaskOutcome::Cancelled));
        assert_eq!(ob.get(), Some(TaskOutcome::Cancelled));
        assert!(a.is_finished() && b.is_finished());
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}

/// Pending once, then ready with 5; panics when dropped after that.
struct ReadyThenPanicOnDrop {
    polled: bool,
}

impl Future for ReadyThenPanicOnDrop {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.polled {
            Poll::Ready(5)
        } else {
            self.polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Drop for ReadyThenPanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("boom in drop");
        }
    }
}

#[test]
fn future_that_completes_then_panics_in_drop_gets_an_outcome() {
    isolated(
        "future_that_completes_then_panics_in_drop_gets_an_outcome",
        || {
            let lp = paused_loop();
            let reports = record_exceptions(&lp);
            let l2 = lp.clone();
            lp.block_on(async move {
                let t = tulip::spawn(ReadyThenPanicOnDrop { polled: false });
                let outcome = watch(&t);
                let err = t.join().await.expect_err("a panic in drop is a panic");
                assert!(err.is_panic());
                settle().await;
                assert_eq!(outcome.get(), Some(TaskOutcome::Panicked));
                assert!(l2.all_tasks().is_empty(), "{:?}", l2.all_tasks());
            });
            drop(reports);
        },
    );
}

#[test]
fn detached_task_that_completes_then_panics_in_drop_is_reported() {
    isolated(
        "detached_task_that_completes_then_panics_in_drop_is_reported",
        || {
            let lp = paused_loop();
            let reports = record_exceptions(&lp);
            let l2 = lp.clone();
            lp.block_on(async move {
                let t = tulip::spawn(ReadyThenPanicOnDrop { polled: false });
                let outcome = watch(&t);
                t.detach();
                settle().await;
                assert_eq!(outcome.get(), Some(TaskOutcome::Panicked));
                assert!(l2.all_tasks().is_empty(), "{:?}", l2.all_tasks());
            });
            assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
        },
    );
}

#[test]
fn remove_reader_contains_a_panicking_callback_drop() {
    isolated("remove_reader_contains_a_panicking_callback_drop", || {
        let lp = paused_loop();
        let reports = record_exceptions(&lp);
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let guard = PanicOnDrop("boom in drop");
        lp.add_reader(&a, move || {
            let _ = &guard;
        })
        .unwrap();
        lp.block_on(settle());
        use std::os::fd::AsRawFd;
        assert!(lp.remove_reader(a.as_raw_fd()));
        lp.block_on(settle());
        assert!(lp.all_tasks().is_empty(), "{:?}", lp.all_tasks());
        assert_eq!(lp.block_on(async { tulip::spawn(async { 3 }).await }), 3);
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}

#[test]
fn server_close_contains_a_panicking_handler_drop() {
    isolated("server_close_contains_a_panicking_handler_drop", || {
        let lp = Loop::new().unwrap();
        let reports = record_exceptions(&lp);
        let l2 = lp.clone();
        lp.block_on(async move {
            let guard = PanicOnDrop("boom in drop");
            let server = tulip::net::start_server("127.0.0.1:0", move |_r, _w| {
                let _ = &guard;
                async {}
            })
            .await
            .unwrap();
            settle().await;
            server.close();
            settle().await;
            assert!(l2.all_tasks().is_empty(), "{:?}", l2.all_tasks());
            assert_eq!(tulip::spawn(async { 3 }).await, 3);
        });
        assert!(reported_drop_panic(&reports), "{:?}", reports.borrow());
    });
}
