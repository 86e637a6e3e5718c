//! Shutdown: `tulip::run` and `Loop::close` cancel what is pending, dropping each future exactly once.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, real_loop, yield_many, DropCount, DropToken};
use tulip::time::sleep;
use tulip::TaskOutcome;

/// asyncio, `asyncio.run`: "This function runs the passed coroutine, taking care of managing the asyncio
/// event loop, finalizing asynchronous generators, and closing the executor" — and it cancels the tasks
/// still pending (`_cancel_all_tasks`). In tulip each pending future is dropped exactly once, whether it
/// was never polled, sleeping, waiting forever, detached, or its handle outlives the loop.
#[test]
fn run_drops_every_pending_future_exactly_once() {
    let drops = DropCount::new();
    let d = drops.clone();
    let handles = tulip::run(async move {
        let mut kept = Vec::new();
        for i in 0..20 {
            let token = d.token();
            kept.push(tulip::spawn(async move {
                let _guard = token;
                sleep(Duration::from_secs(3600 + i)).await;
            }));
        }
        for _ in 0..20 {
            let token = d.token();
            tulip::spawn(async move {
                let _guard = token;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        tulip::yield_now().await;
        // Spawned last: never polled before `run` returns.
        for _ in 0..20 {
            let token = d.token();
            kept.push(tulip::spawn(async move {
                let _guard = token;
                sleep(Duration::from_secs(1)).await;
            }));
        }
        for _ in 0..20 {
            let token = d.token();
            tulip::spawn(async move {
                let _guard = token;
            })
            .detach();
        }
        // Spawned from another thread, still in the loop's injector.
        let h = tulip::Handle::current();
        let token = d.token();
        let remote = std::thread::spawn(move || {
            h.spawn(async move {
                let _guard = token;
                std::future::pending::<()>().await;
            })
        })
        .join()
        .unwrap();
        (kept, remote)
    });
    assert_eq!(
        drops.get(),
        81,
        "every future dropped once when run returned"
    );
    let (kept, remote) = handles;
    for t in &kept {
        assert_eq!(t.outcome(), Some(TaskOutcome::Cancelled));
    }
    let other = real_loop();
    for t in kept {
        assert!(other.block_on(t.join()).unwrap_err().is_cancelled());
    }
    assert!(other.block_on(remote.join()).unwrap_err().is_cancelled());
    assert_eq!(drops.get(), 81, "and never again");
}

/// asyncio, `loop.close()`: "The loop must not be running ... Closing is idempotent and irreversible."
/// tulip's `close` also cancels the pending tasks (each future dropped once).
#[test]
fn close_cancels_pending_tasks_and_is_idempotent() {
    let lp = paused_loop();
    let drops = DropCount::new();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let token = drops.token();
            lp.spawn(async move {
                let _guard = token;
                sleep(Duration::from_secs(60)).await;
            })
        })
        .collect();
    lp.block_on(yield_many(2));
    assert!(!lp.is_closed());
    lp.close();
    assert!(lp.is_closed());
    assert_eq!(drops.get(), 10);
    assert!(tasks.iter().all(|t| t.is_finished()));
    lp.close();
    assert_eq!(drops.get(), 10);
    // Spawning on a closed loop cancels the task at once.
    let token = drops.token();
    let late = lp.spawn(async move {
        let _guard = token;
    });
    assert_eq!(drops.get(), 11);
    assert_eq!(late.outcome(), Some(TaskOutcome::Cancelled));
}

/// asyncio, `loop.run_until_complete` on a closed loop: "RuntimeError: Event loop is closed".
#[test]
#[should_panic(expected = "closed")]
fn block_on_a_closed_loop_panics() {
    let lp = real_loop();
    lp.close();
    lp.block_on(async {});
}

/// asyncio, `loop.close()`: "The loop must not be running." ("Cannot close a running event loop")
#[test]
#[should_panic(expected = "while the loop is running")]
fn close_while_running_panics() {
    real_loop().block_on(async { tulip::get_running_loop().close() });
}

/// A future whose `Drop` spawns another task during shutdown (cleanup that schedules more cleanup):
/// the new task is cancelled too, every future is dropped once, and shutdown ends.
#[test]
fn tasks_spawned_from_drop_during_shutdown_are_dropped_once() {
    struct SpawnOnDrop {
        depth: u32,
        drops: DropCount,
        _token: DropToken,
        spawned_on: Rc<RefCell<Vec<u32>>>,
    }
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            if self.depth == 0 {
                return;
            }
            self.spawned_on.borrow_mut().push(self.depth);
            let next = SpawnOnDrop {
                depth: self.depth - 1,
                drops: self.drops.clone(),
                _token: self.drops.token(),
                spawned_on: self.spawned_on.clone(),
            };
            tulip::spawn(async move {
                let _next = next;
                std::future::pending::<()>().await;
            })
            .detach();
        }
    }
    let drops = DropCount::new();
    let spawned = Rc::new(RefCell::new(Vec::new()));
    let (d, s) = (drops.clone(), spawned.clone());
    tulip::run(async move {
        for _ in 0..3 {
            let guard = SpawnOnDrop {
                depth: 4,
                drops: d.clone(),
                _token: d.token(),
                spawned_on: s.clone(),
            };
            tulip::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        tulip::yield_now().await;
    });
    assert_eq!(
        spawned.borrow().len(),
        3 * 4,
        "each drop spawned its successor"
    );
    assert_eq!(
        drops.get(),
        3 * 5,
        "every future, old and new, dropped once"
    );
}

/// asyncio.run cancels the remaining tasks and runs the loop until they are done, so their done-callbacks
/// run (with `task.cancelled() == True`). tulip's `close` does the same, exactly once per callback.
#[test]
fn done_callbacks_of_cancelled_tasks_run_at_shutdown() {
    let lp = paused_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.block_on(async move {
        for i in 0..3 {
            let t = tulip::spawn(sleep(Duration::from_secs(100)));
            let s = s.clone();
            t.add_done_callback(move |out| s.borrow_mut().push((i, out)));
            t.detach();
        }
        yield_many(2).await;
        // Added after the first poll.
        let t = tulip::spawn(std::future::pending::<()>());
        yield_many(2).await;
        let s = s.clone();
        t.add_done_callback(move |out| s.borrow_mut().push((3, out)));
        t.detach();
    });
    assert!(seen.borrow().is_empty());
    lp.close();
    let mut seen = seen.borrow().clone();
    seen.sort_by_key(|&(i, _)| i);
    assert_eq!(
        seen,
        (0..4)
            .map(|i| (i, TaskOutcome::Cancelled))
            .collect::<Vec<_>>()
    );
}

/// asyncio, `loop.close()`: "Clear the queues and shut down the executor" — pending timer callbacks are
/// discarded: never run, and (in tulip) their closures dropped.
#[test]
fn pending_timers_are_dropped_not_run() {
    let lp = paused_loop();
    let drops = DropCount::new();
    let ran = Rc::new(Cell::new(false));
    for s in [1u64, 60, 3600] {
        let (token, r) = (drops.token(), ran.clone());
        lp.call_later(Duration::from_secs(s), move || {
            let _keep = &token;
            r.set(true);
        });
    }
    lp.close();
    assert!(!ran.get());
    assert_eq!(drops.get(), 3);
}

/// Dropping the last clone of a `Loop` shuts it down like `close` (tulip: "When the last clone is dropped
/// ... every pending task is cancelled, its future dropped exactly once").
#[test]
fn dropping_the_loop_shuts_it_down() {
    let drops = DropCount::new();
    let lp = paused_loop();
    let handle = lp.handle();
    let token = drops.token();
    let task = lp.spawn(async move {
        let _guard = token;
        sleep(Duration::from_secs(5)).await;
    });
    lp.block_on(yield_many(2));
    let clone = lp.clone();
    drop(lp);
    assert_eq!(drops.get(), 0, "a clone keeps the loop alive");
    drop(clone);
    assert_eq!(drops.get(), 1);
    assert!(handle.is_closed());
    assert_eq!(task.outcome(), Some(TaskOutcome::Cancelled));
}

/// Futures need not be `Send`: at shutdown they are dropped on the loop's own thread.
#[test]
fn local_futures_are_dropped_on_the_loop_thread() {
    struct OnDrop(Rc<Cell<Option<std::thread::ThreadId>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.set(Some(std::thread::current().id()));
        }
    }
    let where_ = Rc::new(Cell::new(None));
    let w = where_.clone();
    // Handing the `Task` out of the loop, not awaiting it, is the point.
    #[allow(clippy::async_yields_async)]
    let task = tulip::run(async move {
        let guard = OnDrop(w);
        tulip::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        })
    });
    assert_eq!(where_.get(), Some(std::thread::current().id()));
    assert!(task.is_finished());
}

/// `tulip::run` returns with a panic in the main future after shutting the loop down: the pending tasks
/// are still dropped once.
#[test]
fn run_shuts_down_when_the_main_future_panics() {
    let drops = DropCount::new();
    let d = drops.clone();
    let res = std::panic::catch_unwind(move || {
        tulip::run(async move {
            let token = d.token();
            tulip::spawn(async move {
                let _guard = token;
                std::future::pending::<()>().await;
            })
            .detach();
            tulip::yield_now().await;
            panic!("main failed");
        })
    });
    assert!(res.is_err());
    assert_eq!(drops.get(), 1);
}
