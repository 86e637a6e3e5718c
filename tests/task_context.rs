//! Task-local context (asyncio's `contextvars` as tasks use them): values set in a task are seen by
//! what it awaits, and copied into the tasks it spawns.

mod support;

use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, yield_many};
use tulip::task::{Builder, ContextVar, TaskContext};
use tulip::time::sleep;

static REQUEST: ContextVar<u32> = ContextVar::new("request");
static USER: ContextVar<&'static str> = ContextVar::new("user");

async fn read_request_after_a_sleep() -> Option<u32> {
    sleep(Duration::from_millis(5)).await;
    REQUEST.get()
}

/// A value set in a task survives its suspensions and is seen by the futures it awaits, while another
/// task interleaving with it has its own value.
#[test]
fn value_set_in_a_task_is_seen_across_awaits_and_not_by_other_tasks() {
    paused_loop().block_on(async {
        let a = tulip::spawn(async {
            REQUEST.set(1);
            let seen = read_request_after_a_sleep().await;
            (seen, REQUEST.get())
        });
        let b = tulip::spawn(async {
            REQUEST.set(2);
            sleep(Duration::from_millis(1)).await;
            REQUEST.get()
        });
        let c = tulip::spawn(async {
            yield_many(3).await;
            REQUEST.get()
        });
        assert_eq!(a.await, (Some(1), Some(1)));
        assert_eq!(b.await, Some(2));
        assert_eq!(c.await, None);
    });
}

/// asyncio: `create_task` copies the current context: the child sees the parent's values as they were
/// at spawn, and changes on either side afterwards stay on that side.
#[test]
fn spawned_tasks_get_a_copy_of_the_spawners_context() {
    paused_loop().block_on(async {
        let parent = tulip::spawn(async {
            REQUEST.set(10);
            USER.set("ada");
            let child = tulip::spawn(async {
                let at_start = (REQUEST.get(), USER.get());
                REQUEST.set(11);
                yield_many(2).await;
                (at_start, REQUEST.get(), USER.get())
            });
            REQUEST.set(12);
            let from_child = child.await;
            (from_child, REQUEST.get())
        });
        let ((at_start, child_later, child_user), parent_later) = parent.await;
        assert_eq!(at_start, (Some(10), Some("ada")));
        assert_eq!(child_later, Some(11));
        assert_eq!(child_user, Some("ada"));
        assert_eq!(parent_later, Some(12));
    });
}

/// The main future's context is its own: a task spawned before the main future sets a value does
/// not see it; one spawned after does.
#[test]
fn main_future_values_reach_only_tasks_spawned_after_they_were_set() {
    paused_loop().block_on(async {
        let before = tulip::spawn(async {
            yield_many(2).await;
            REQUEST.get()
        });
        REQUEST.set(7);
        let after = tulip::spawn(async { REQUEST.get() });
        assert_eq!(before.await, None);
        assert_eq!(after.await, Some(7));
        REQUEST.remove();
    });
}

/// asyncio `Task.get_context()`: the parked task's context, as a copy; empty once it ended.
#[test]
fn get_context_reads_a_parked_tasks_values() {
    paused_loop().block_on(async {
        let t = tulip::spawn(async {
            USER.set("grace");
            sleep(Duration::from_millis(10)).await;
        });
        assert!(t.get_context().is_empty(), "not started yet");
        yield_many(1).await;
        let ctx = t.get_context();
        assert_eq!(ctx.get(&USER), Some("grace"));
        assert_eq!(ctx.len(), 1);
        t.await;
    });
}

/// asyncio `create_task(coro, context=ctx)`.
#[test]
fn builder_context_replaces_the_copy() {
    paused_loop().block_on(async {
        REQUEST.set(1);
        let mut ctx = TaskContext::default();
        ctx.run(|| USER.set("linus"));
        let t = Builder::new()
            .context(ctx.clone())
            .spawn(async { (REQUEST.get(), USER.get()) });
        assert_eq!(t.await, (None, Some("linus")));
        assert_eq!(
            ctx.get(&USER),
            Some("linus"),
            "the task changed its own copy"
        );
        REQUEST.remove();
    });
}

/// `TaskContext::run` keeps what the closure set and restores the previous context, also when the
/// closure panics.
#[test]
fn context_run_restores_the_previous_context_after_a_panic() {
    let mut ctx = TaskContext::default();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.run(|| {
            REQUEST.set(3);
            panic!("inside run");
        })
    }));
    assert!(r.is_err());
    assert_eq!(REQUEST.get(), None);
    assert_eq!(ctx.get(&REQUEST), Some(3));
}

/// An eager child runs its first step in its own copy, and the spawner's context is back when
/// `spawn` returns.
#[test]
fn eager_child_runs_in_its_copy_and_the_parent_context_is_restored() {
    paused_loop().block_on(async {
        let parent = tulip::spawn(async {
            USER.set("parent");
            let child = Builder::new().eager(true).spawn(async {
                let inherited = USER.get();
                USER.set("child");
                tulip::yield_now().await;
                (inherited, USER.get())
            });
            let parent_after_spawn = USER.get();
            (child.await, parent_after_spawn)
        });
        let ((inherited, child_after), parent_after) = parent.await;
        assert_eq!(inherited, Some("parent"));
        assert_eq!(child_after, Some("child"));
        assert_eq!(parent_after, Some("parent"));
    });
}

/// A task's context is dropped when the task ends (values are not kept alive by the loop).
#[test]
fn context_values_are_dropped_when_the_task_ends() {
    static SHARED: ContextVar<Rc<u8>> = ContextVar::new("shared");
    let value = Rc::new(0u8);
    let v = value.clone();
    let lp = paused_loop();
    lp.block_on(async move {
        let t = tulip::spawn(async move {
            SHARED.set(v);
            sleep(Duration::from_millis(1)).await;
        });
        yield_many(1).await;
        t.await;
    });
    assert_eq!(Rc::strong_count(&value), 1);
    // Also when the task is cancelled while parked.
    let v = value.clone();
    lp.block_on(async move {
        let t = tulip::spawn(async move {
            SHARED.set(v);
            std::future::pending::<()>().await
        });
        yield_many(1).await;
        assert_eq!(t.cancel().await, None);
    });
    assert_eq!(Rc::strong_count(&value), 1);
}

static MAIN_ONLY: ContextVar<&'static str> = ContextVar::new("main_only");

/// asyncio: `asyncio.run(main())` (and `loop.run_until_complete(coro)`) runs `main` as a task with its
/// own copy of the caller's context: it sees what was set before, and what it sets is gone afterwards.
///
/// ```python
/// v.set("set before run")
/// asyncio.run(main())          # main sees "set before run", sets "set in main"
/// v.get()                      # "set before run"
/// ```
#[test]
fn the_main_future_runs_in_a_copy_of_the_callers_context() {
    let before = MAIN_ONLY.set("set before run");
    assert_eq!(before, None);
    let seen = tulip::run(async {
        let at_start = MAIN_ONLY.get();
        MAIN_ONLY.set("set in main");
        let child = tulip::spawn(async { MAIN_ONLY.get() }).await;
        (at_start, child)
    });
    assert_eq!(seen, (Some("set before run"), Some("set in main")));
    assert_eq!(MAIN_ONLY.get(), Some("set before run"));
    MAIN_ONLY.remove();
}

/// The same for `block_on` on a loop (`run_until_complete`), run twice: each run starts from the
/// caller's context, not from what the previous run set.
#[test]
fn each_block_on_starts_from_the_callers_context() {
    let lp = paused_loop();
    let first = lp.block_on(async { MAIN_ONLY.set("set in first run") });
    assert_eq!(first, None);
    assert_eq!(MAIN_ONLY.get(), None);
    let second = lp.block_on(async { MAIN_ONLY.get() });
    assert_eq!(second, None);
}

static IN_CALLBACK: ContextVar<&'static str> = ContextVar::new("in_callback");

/// asyncio: `call_soon`, `call_later` and done-callbacks run in a copy of the context current when they
/// were scheduled; a value a callback sets stays in that copy.
///
/// ```python
/// v.set("task value")
/// loop.call_soon(lambda: seen.append(v.get()))         # "task value"
/// loop.call_later(0, ...)                              # "task value"
/// fut.add_done_callback(...)                           # "task value"
/// loop.call_soon(lambda: v.set("set in callback"))     # the task still sees "task value"
/// ```
#[test]
fn callbacks_run_in_a_copy_of_the_context_they_were_scheduled_in() {
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let s = seen.clone();
    paused_loop().block_on(async move {
        tulip::spawn(async move {
            IN_CALLBACK.set("task value");
            let s1 = s.clone();
            tulip::call_soon(move || s1.borrow_mut().push(("call_soon", IN_CALLBACK.get())));
            let s2 = s.clone();
            tulip::call_later(Duration::ZERO, move || {
                s2.borrow_mut().push(("call_later", IN_CALLBACK.get()))
            });
            let fut: tulip::Promise<()> = tulip::Promise::new();
            let s3 = s.clone();
            fut.add_done_callback(move |_| {
                s3.borrow_mut()
                    .push(("future done-callback", IN_CALLBACK.get()))
            });
            fut.set_result(()).unwrap();
            tulip::call_soon(|| {
                IN_CALLBACK.set("set in callback");
            });
            sleep(Duration::from_millis(10)).await;
            s.borrow_mut()
                .push(("task after its callback set", IN_CALLBACK.get()));
        })
        .await;
    });
    assert_eq!(
        *seen.borrow(),
        [
            ("call_soon", Some("task value")),
            ("future done-callback", Some("task value")),
            ("call_later", Some("task value")),
            ("task after its callback set", Some("task value")),
        ]
    );
    assert_eq!(IN_CALLBACK.get(), None);
}

/// A callback that sets a value and then panics leaves nothing behind either: the next callback and
/// the code after `block_on` see the context they had.
#[test]
fn a_panicking_callback_leaves_no_value_behind() {
    let lp = paused_loop();
    lp.set_exception_handler(|_| {});
    let seen = lp.block_on(async {
        tulip::call_soon(|| {
            IN_CALLBACK.set("leaked?");
            panic!("callback failed");
        });
        let (tx, rx) = std::sync::mpsc::channel();
        tulip::call_soon(move || tx.send(IN_CALLBACK.get()).unwrap());
        yield_many(2).await;
        rx.try_recv().unwrap()
    });
    assert_eq!(seen, None);
    assert_eq!(IN_CALLBACK.get(), None);
}
