//! `Loop::set_task_factory` / `get_task_factory` (asyncio's `loop.set_task_factory`).

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::paused_loop;
use tulip::task::{Builder, TaskFactory};

/// asyncio: "If factory is None the default task factory will be set." `get_task_factory` returns
/// what was set.
#[test]
fn get_returns_what_set_stored_and_none_restores_the_default() {
    let lp = paused_loop();
    assert!(lp.get_task_factory().is_none());
    lp.set_task_factory(Some(TaskFactory::eager()));
    assert!(lp.get_task_factory().unwrap().is_eager_factory());
    lp.set_task_factory(Some(TaskFactory::new(|b| b)));
    assert!(!lp.get_task_factory().unwrap().is_eager_factory());
    lp.set_task_factory(None);
    assert!(lp.get_task_factory().is_none());
    lp.block_on(async {
        let t = tulip::spawn(async {});
        assert!(!t.is_finished(), "default factory: queued, not eager");
    });
}

/// The factory sees every spawn on the loop's thread, with the caller's options, and what it returns
/// is used.
#[test]
fn factory_sees_every_spawn_and_its_options_are_used() {
    let lp = paused_loop();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    lp.set_task_factory(Some(TaskFactory::new(move |b: Builder| {
        c.set(c.get() + 1);
        match b.get_name() {
            Some(n) => {
                let n = format!("app.{n}");
                b.name(n)
            }
            None => b.name("app.anonymous"),
        }
    })));
    lp.block_on(async {
        let a = tulip::spawn(async {});
        let b = Builder::new().name("fetch").spawn(async {});
        let group = tulip::TaskGroup::new();
        group.spawn(async { tulip::current_task().unwrap().name().map(str::to_owned) });
        assert_eq!(a.name(), Some("app.anonymous"));
        assert_eq!(b.name(), Some("app.fetch"));
        group.join().await.unwrap();
    });
    assert_eq!(calls.get(), 3);
    // Between runs, `Loop::spawn` goes through the factory too.
    let t = lp.spawn(async {});
    assert_eq!(t.name(), Some("app.anonymous"));
    assert_eq!(calls.get(), 4);
}

/// Tasks spawned from another thread through a `Handle` do not go through the (thread-bound)
/// factory.
#[test]
fn spawns_from_other_threads_bypass_the_factory() {
    let lp = paused_loop();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    lp.set_task_factory(Some(TaskFactory::new(move |b| {
        c.set(c.get() + 1);
        b
    })));
    let handle = lp.handle();
    let remote = std::thread::spawn(move || handle.spawn(async { 5 }))
        .join()
        .unwrap();
    assert_eq!(lp.block_on(remote), 5);
    assert_eq!(calls.get(), 0);
}

/// asyncio's own route, `call_soon_threadsafe` then `create_task` on the loop's thread, goes through the
/// factory (what `Handle::spawn` documents for when the factory matters):
///
/// ```python
/// fut = asyncio.run_coroutine_threadsafe(job(), loop)   # factory called; task named by it
/// ```
#[test]
fn spawning_from_another_thread_through_call_soon_threadsafe_uses_the_factory() {
    let lp = paused_loop();
    lp.set_task_factory(Some(TaskFactory::new(|b| b.name("from-factory"))));
    let handle = lp.handle();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        handle.call_soon_threadsafe(move || {
            let task =
                tulip::spawn(async { tulip::current_task().unwrap().name().map(String::from) });
            tx.send(task).unwrap();
        })
    })
    .join()
    .unwrap();
    let name = lp.block_on(async move {
        loop {
            if let Ok(task) = rx.try_recv() {
                break task.await;
            }
            tulip::yield_now().await;
        }
    });
    assert_eq!(name.as_deref(), Some("from-factory"));
}

/// The factory may replace itself: it is cloned out of the loop before it is called.
#[test]
fn factory_may_replace_the_factory() {
    let lp = paused_loop();
    let inner = lp.clone();
    lp.set_task_factory(Some(TaskFactory::new(move |b| {
        inner.set_task_factory(None);
        b.name("once")
    })));
    lp.block_on(async {
        let first = tulip::spawn(async {});
        let second = tulip::spawn(async {});
        assert_eq!(first.name(), Some("once"));
        assert_eq!(second.name(), None);
    });
}
