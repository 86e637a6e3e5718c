//! `TaskGroup`: every child is awaited, the first failure cancels the siblings, every failure is reported.

mod support;

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, DropCount};
use tulip::time::{now, sleep};
use tulip::{task::ChildFailure, TaskGroup};

/// asyncio 3.11:
///
/// ```python
/// async with asyncio.TaskGroup() as tg:
///     for d in (0.03, 0.01, 0.02):
///         tg.create_task(work(d))
/// # every task has finished here
/// ```
#[test]
fn all_succeed_returns_every_output_in_spawn_order() {
    paused_loop().block_on(async {
        let t0 = now();
        let group = TaskGroup::new();
        for ms in [30u64, 10, 20] {
            group.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        assert_eq!(group.len(), 3);
        assert_eq!(group.join().await.unwrap(), [30, 10, 20]);
        assert!(
            now() - t0 >= Duration::from_millis(30),
            "join waited for the slowest child"
        );
    });
}

/// asyncio 3.11: two children fail in the same loop iteration; both exceptions are in the group.
///
/// ```python
/// async def fail(msg):
///     await asyncio.sleep(0.01)
///     raise ValueError(msg)
///
/// try:
///     async with asyncio.TaskGroup() as tg:
///         tg.create_task(fail("first"))
///         tg.create_task(fail("second"))
/// except* ValueError as eg:
///     assert len(eg.exceptions) == 2
/// ```
#[test]
fn two_failing_children_are_both_reported() {
    paused_loop().block_on(async {
        let group = TaskGroup::new();
        for msg in ["first", "second"] {
            group.spawn(async move {
                sleep(Duration::from_millis(10)).await;
                panic!("{msg}");
            });
        }
        let err = group.join().await.unwrap_err();
        let failures: Vec<_> = err
            .failures()
            .iter()
            .map(|f| (f.index(), f.panic_message().unwrap().to_owned()))
            .collect();
        assert_eq!(failures, [(0, "first".into()), (1, "second".into())]);
        assert!(err.cancelled().is_empty());
        assert_eq!(
            err.to_string(),
            "2 of 2 tasks in the group failed: child 0 panicked: first; child 1 panicked: second"
        );
    });
}

/// asyncio 3.11: "The first time any of the tasks belonging to the group fails with an exception other
/// than CancelledError, the remaining tasks in the group are cancelled."
///
/// ```python
/// async def sibling():
///     try:
///         await asyncio.sleep(3600)
///     finally:
///         drops += 1          # runs when the sibling is cancelled
///
/// async with asyncio.TaskGroup() as tg:
///     for _ in range(3):
///         tg.create_task(sibling())
///     tg.create_task(fail_after(0.01))
/// ```
#[test]
fn a_failure_cancels_the_siblings_and_drops_their_futures() {
    paused_loop().block_on(async {
        let drops = DropCount::new();
        let t0 = now();
        let group = TaskGroup::new();
        for _ in 0..3 {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                sleep(Duration::from_secs(3600)).await;
                unreachable!("a cancelled sibling never resumes");
            });
        }
        group.spawn(async {
            sleep(Duration::from_millis(10)).await;
            panic!("boom");
        });
        let err = group.join().await.unwrap_err();
        assert_eq!(drops.get(), 3, "every sibling's future was dropped");
        assert_eq!(err.cancelled(), [0, 1, 2]);
        assert_eq!(err.failures().len(), 1);
        assert_eq!(err.failures()[0].index(), 3);
        assert!(
            now() - t0 < Duration::from_secs(1),
            "join did not wait for the hour-long sleeps"
        );
    });
}

/// asyncio 3.11: a child that raises (rather than crashes) fails the group too, and the group reports
/// errors and crashes alike, in the order they happened.
///
/// ```python
/// async def bad_input():
///     raise ValueError("bad input")
/// ```
#[test]
fn err_and_panic_failures_are_reported_in_order() {
    paused_loop().block_on(async {
        let group = TaskGroup::<u32, String>::fallible();
        group.try_spawn(async {
            sleep(Duration::from_millis(5)).await;
            Err("bad input".to_owned())
        });
        group.spawn(async {
            sleep(Duration::from_millis(5)).await;
            panic!("crash");
        });
        group.try_spawn(async { Ok(1) });
        let err = group.join().await.unwrap_err();
        match err.failures() {
            [ChildFailure::Failed { index: 0, error }, ChildFailure::Panicked { index: 1, .. }] => {
                assert_eq!(error, "bad input")
            }
            other => panic!("unexpected failures: {other:?}"),
        }
        assert!(
            err.cancelled().is_empty(),
            "child 2 finished before the failures"
        );
    });
}

/// asyncio 3.11: children spawned into an aborting group do not run (asyncio raises `RuntimeError`
/// from `create_task` then; tulip starts them cancelled).
#[test]
fn a_child_spawned_after_a_failure_never_runs() {
    paused_loop().block_on(async {
        let ran = Rc::new(Cell::new(false));
        let group = TaskGroup::new();
        group.spawn(async { panic!("boom") });
        tulip::yield_now().await;
        tulip::yield_now().await;
        assert!(group.is_aborting());
        let r = ran.clone();
        group.spawn(async move { r.set(true) });
        let err = group.join().await.unwrap_err();
        assert!(!ran.get());
        assert_eq!(err.cancelled(), [1]);
    });
}

/// asyncio 3.11: the owner's own code keeps running until it reaches the end of the block (in asyncio
/// it is cancelled; in tulip it runs on and learns of the failure from `join`).
#[test]
fn the_owner_learns_of_failures_at_join() {
    paused_loop().block_on(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let group = TaskGroup::new();
        let l = log.clone();
        group.spawn(async move {
            l.borrow_mut().push("child fails");
            panic!("boom");
        });
        group.spawn(pending::<()>());
        sleep(Duration::from_millis(10)).await;
        log.borrow_mut().push("owner still running");
        assert!(group.join().await.is_err());
        assert_eq!(*log.borrow(), ["child fails", "owner still running"]);
    });
}

/// Rust has no async drop: dropping a group without `join` cancels its children at once.
#[test]
fn dropping_the_group_cancels_the_children() {
    paused_loop().block_on(async {
        let drops = DropCount::new();
        let group = TaskGroup::new();
        for _ in 0..2 {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                pending::<()>().await;
            });
        }
        tulip::yield_now().await;
        drop(group);
        tulip::yield_now().await;
        assert_eq!(drops.get(), 2);
    });
}

/// asyncio 3.11: an empty group exits at once.
///
/// ```python
/// async with asyncio.TaskGroup():
///     pass
/// ```
#[test]
fn an_empty_group_joins_at_once() {
    paused_loop().block_on(async {
        let group = TaskGroup::<()>::new();
        assert!(group.is_empty());
        assert_eq!(group.join().await.unwrap(), Vec::<()>::new());
    });
}
