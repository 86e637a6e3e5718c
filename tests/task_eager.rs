//! Eager tasks (asyncio's `eager_task_factory`, Python 3.12, and `create_task(eager_start=True)`): the
//! first step runs inside `spawn`, up to the first suspension.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, record_exceptions, yield_many};
use tulip::task::{Builder, TaskFactory};
use tulip::time::sleep;
use tulip::TaskOutcome;

type Log = Rc<RefCell<Vec<&'static str>>>;

/// Spawns a child that logs, suspends once, logs again; returns the order of events as the parent saw.
async fn order_with(eager: bool) -> Vec<&'static str> {
    let log: Log = Rc::default();
    log.borrow_mut().push("parent: before spawn");
    let l = log.clone();
    let child = Builder::new().eager(eager).spawn(async move {
        l.borrow_mut().push("child: first step");
        tulip::yield_now().await;
        l.borrow_mut().push("child: second step");
    });
    log.borrow_mut().push("parent: after spawn");
    child.await;
    let out = log.borrow().clone();
    out
}

/// asyncio: "coroutines begin execution synchronously during Task construction" with the eager
/// factory; a plain task starts on a later loop iteration.
#[test]
fn eager_child_runs_its_first_step_before_spawn_returns() {
    let eager = paused_loop().block_on(order_with(true));
    assert_eq!(
        eager,
        [
            "parent: before spawn",
            "child: first step",
            "parent: after spawn",
            "child: second step"
        ]
    );
    let lazy = paused_loop().block_on(order_with(false));
    assert_eq!(
        lazy,
        [
            "parent: before spawn",
            "parent: after spawn",
            "child: first step",
            "child: second step"
        ]
    );
}

/// asyncio: "If the coroutine returns or raises, the task is never scheduled to the event loop."
#[test]
fn eager_task_that_does_not_wait_is_done_when_spawn_returns() {
    paused_loop().block_on(async {
        let t = Builder::new().eager(true).spawn(async { 41 + 1 });
        assert!(t.is_finished());
        assert_eq!(t.outcome(), Some(TaskOutcome::Finished));
        assert!(tulip::all_tasks().is_empty(), "never registered");
        assert_eq!(t.await, 42);
    });
}

/// The loop's eager factory makes every spawn on the loop's thread eager, including `Loop::spawn`
/// and `TaskGroup::spawn` while the loop runs.
#[test]
fn eager_factory_applies_to_every_spawn_on_the_loop_thread() {
    let lp = paused_loop();
    lp.set_task_factory(Some(TaskFactory::eager()));
    lp.block_on(async {
        let a = tulip::spawn(async {});
        assert!(a.is_finished());
        let b = tulip::get_running_loop().spawn(async {});
        assert!(b.is_finished());
        let group = tulip::TaskGroup::new();
        let ran = Rc::new(RefCell::new(false));
        let r = ran.clone();
        group.spawn(async move {
            *r.borrow_mut() = true;
        });
        assert!(*ran.borrow(), "the group's child ran inside spawn");
        group.join().await.unwrap();
    });
}

/// asyncio starts a task eagerly only when the loop is running (`Task.__init__` checks
/// `loop.is_running()`); `Loop::spawn` between runs queues it.
#[test]
fn eager_spawn_on_a_loop_that_is_not_running_is_queued() {
    let lp = paused_loop();
    lp.set_task_factory(Some(TaskFactory::eager()));
    let ran = Rc::new(RefCell::new(false));
    let r = ran.clone();
    let t = lp.spawn(async move {
        *r.borrow_mut() = true;
    });
    assert!(!*ran.borrow());
    assert!(!t.is_finished());
    lp.block_on(t);
    assert!(*ran.borrow());
}

/// `current_task()` names the eager child during its first step and the parent again afterwards
/// (asyncio swaps the current task around the eager step).
#[test]
fn current_task_is_the_child_during_the_eager_step_and_the_parent_after() {
    paused_loop().block_on(async {
        let parent = Builder::new().name("parent").spawn(async {
            let child = Builder::new()
                .name("child")
                .eager(true)
                .spawn(async { tulip::current_task().map(|t| t.name().map(str::to_owned)) });
            let seen_by_child = child.await;
            let after = tulip::current_task().and_then(|t| t.name().map(str::to_owned));
            (seen_by_child, after)
        });
        let (seen_by_child, after) = parent.await;
        assert_eq!(seen_by_child, Some(Some("child".to_owned())));
        assert_eq!(after.as_deref(), Some("parent"));
        assert!(
            tulip::current_task().is_none(),
            "the main future is no task"
        );
    });
}

/// A done-callback added to an eagerly finished task is scheduled with `call_soon`, never called
/// inside `add_done_callback`.
#[test]
fn done_callback_on_an_eagerly_finished_task_runs_later() {
    paused_loop().block_on(async {
        let seen = Rc::new(RefCell::new(None));
        let t = Builder::new().eager(true).spawn(async {});
        let s = seen.clone();
        t.add_done_callback(move |o| *s.borrow_mut() = Some(o));
        assert_eq!(*seen.borrow(), None);
        yield_many(1).await;
        assert_eq!(*seen.borrow(), Some(TaskOutcome::Finished));
    });
}

/// A panic in the eager step is the task's outcome: `spawn` returns, the loop goes on, and `join`
/// reports it.
#[test]
fn panic_in_the_eager_step_is_the_tasks_outcome() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    lp.block_on(async {
        let t = Builder::new()
            .eager(true)
            .spawn(async { panic!("eager boom") });
        assert_eq!(t.outcome(), Some(TaskOutcome::Panicked));
        let err = t.join().await.unwrap_err();
        assert!(err.is_panic());
    });
    assert!(reports.borrow().is_empty(), "the panic was observed");
}

/// Eager children of eager children: each runs depth-first inside its parent's `spawn`.
#[test]
fn nested_eager_spawns_run_depth_first() {
    paused_loop().block_on(async {
        let log: Log = Rc::default();
        let l = log.clone();
        let outer = Builder::new().eager(true).spawn(async move {
            l.borrow_mut().push("outer start");
            let l2 = l.clone();
            let inner = Builder::new().eager(true).spawn(async move {
                l2.borrow_mut().push("inner start");
                sleep(Duration::from_millis(1)).await;
                l2.borrow_mut().push("inner end");
            });
            l.borrow_mut().push("outer after spawn");
            inner.await;
            l.borrow_mut().push("outer end");
        });
        log.borrow_mut().push("main after spawn");
        outer.await;
        assert_eq!(
            *log.borrow(),
            [
                "outer start",
                "inner start",
                "outer after spawn",
                "main after spawn",
                "inner end",
                "outer end"
            ]
        );
    });
}

/// An eager task that suspends is registered and cancelled like any other.
#[test]
fn eager_task_that_suspends_can_be_cancelled() {
    paused_loop().block_on(async {
        let t = Builder::new()
            .eager(true)
            .spawn(sleep(Duration::from_secs(3600)));
        assert_eq!(tulip::all_tasks().len(), 1);
        assert_eq!(t.cancel().await, None);
        assert!(tulip::all_tasks().is_empty());
    });
}
