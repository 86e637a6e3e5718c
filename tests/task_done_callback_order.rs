//! Task completion schedules its done-callbacks and its awaiter's wake-up in registration order: the
//! awaiter's wake-up is itself a done-callback, as in asyncio.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

type Log = Rc<RefCell<Vec<&'static str>>>;

/// A done-callback added before `await t` runs before the awaiter resumes.
///
/// ```python
/// async def child(): order.append("child")
/// t = asyncio.create_task(child())
/// t.add_done_callback(lambda _: order.append("cb"))
/// await t
/// order.append("awaiter")              # order == ["child", "cb", "awaiter"]
/// ```
#[test]
fn done_callback_added_before_await_runs_before_the_awaiter() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let o1 = o.clone();
        let t = tulip::spawn(async move { o1.borrow_mut().push("child") });
        let o2 = o.clone();
        t.add_done_callback(move |_| o2.borrow_mut().push("cb"));
        t.await;
        o.borrow_mut().push("awaiter");
    });
    assert_eq!(*order.borrow(), ["child", "cb", "awaiter"]);
}

/// The same with the awaiter in its own task and the child finishing later.
///
/// ```python
/// async def child():
///     await ev.wait()
///     order.append("child")
/// t = asyncio.create_task(child())
/// t.add_done_callback(lambda _: order.append("cb1"))
/// async def awaiter():
///     await t
///     order.append("awaiter")
/// a = asyncio.create_task(awaiter())
/// await asyncio.sleep(0)
/// ev.set()
/// await a                              # order == ["child", "cb1", "awaiter"]
/// ```
#[test]
fn awaiting_task_resumes_after_earlier_done_callbacks() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let ev = Rc::new(tulip::sync::Event::new());
        let (e1, o1) = (ev.clone(), o.clone());
        let t = tulip::spawn(async move {
            e1.wait().await;
            o1.borrow_mut().push("child");
        });
        let o2 = o.clone();
        t.add_done_callback(move |_| o2.borrow_mut().push("cb1"));
        let o3 = o.clone();
        let a = tulip::spawn(async move {
            t.await;
            o3.borrow_mut().push("awaiter");
        });
        tulip::yield_now().await;
        ev.set();
        a.await;
    });
    assert_eq!(*order.borrow(), ["child", "cb1", "awaiter"]);
}

/// Spawns a child that waits for an event and a task awaiting it; adds done-callbacks to the child
/// before (`before`) and after (`after`) the awaiter parked on it; then lets the child return or panic.
/// The awaiter reaches the child through a shared cell, as a second Python task holds a reference to it.
fn run_awaited_child(
    before: &'static [&'static str],
    after: &'static [&'static str],
    panics: bool,
) -> Vec<&'static str> {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let ev = Rc::new(tulip::sync::Event::new());
        let (e1, o1) = (ev.clone(), o.clone());
        let t = tulip::spawn(async move {
            e1.wait().await;
            o1.borrow_mut().push("child");
            if panics {
                panic!("child failed");
            }
        });
        for &name in before {
            let o = o.clone();
            t.add_done_callback(move |_| o.borrow_mut().push(name));
        }
        let t = Rc::new(RefCell::new(t));
        let (t1, o3) = (t.clone(), o.clone());
        let a = tulip::spawn(async move {
            // `await t` (a panic caught as `except`), without holding the cell's borrow while parked.
            std::future::poll_fn(|cx| {
                let mut task = t1.borrow_mut();
                match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *task).poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    _ => Poll::Ready(()),
                }
            })
            .await;
            o3.borrow_mut().push("awaiter");
        });
        tulip::yield_now().await; // the awaiter parks on the child
        for &name in after {
            let o = o.clone();
            t.borrow()
                .add_done_callback(move |_| o.borrow_mut().push(name));
        }
        ev.set();
        a.await;
    });
    let v = order.borrow().clone();
    v
}

/// A done-callback added after another task started awaiting runs after that task resumes: asyncio's
/// awaiter wake-up is the done-callback it added when it started waiting.
///
/// ```python
/// a = asyncio.create_task(awaiter())     # awaits t
/// await asyncio.sleep(0)
/// t.add_done_callback(lambda _: order.append("cb"))
/// ev.set()                               # order == ["child", "awaiter", "cb"]
/// ```
#[test]
fn done_callback_added_after_the_awaiter_parked_runs_after_it_resumes() {
    assert_eq!(
        run_awaited_child(&[], &["cb"], false),
        ["child", "awaiter", "cb"]
    );
}

/// The same when the child raises: `['child', 'awaiter', 'cb']` in asyncio.
#[test]
fn done_callback_added_after_the_awaiter_parked_runs_after_it_resumes_when_the_child_panics() {
    assert_eq!(
        run_awaited_child(&[], &["cb"], true),
        ["child", "awaiter", "cb"]
    );
}

/// Callbacks on both sides of the awaiter keep their places: `['child', 'cb1', 'awaiter', 'cb2', 'cb3']`.
#[test]
fn awaiter_resumes_between_the_callbacks_added_before_and_after_it_parked() {
    assert_eq!(
        run_awaited_child(&["cb1"], &["cb2", "cb3"], false),
        ["child", "cb1", "awaiter", "cb2", "cb3"]
    );
    assert_eq!(
        run_awaited_child(&["cb1"], &["cb2", "cb3"], true),
        ["child", "cb1", "awaiter", "cb2", "cb3"]
    );
}

/// Which combinator [`combinator_after_callback`] awaits the child with.
#[derive(Clone, Copy)]
enum Combinator {
    Gather,
    Wait,
    AsCompleted,
}

/// A child with a done-callback added first, then awaited through `kind` by another task.
fn combinator_after_callback(kind: Combinator) -> Vec<&'static str> {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let ev = Rc::new(tulip::sync::Event::new());
        let (e1, o1) = (ev.clone(), o.clone());
        let t = tulip::spawn(async move {
            e1.wait().await;
            o1.borrow_mut().push("child");
            1
        });
        let o2 = o.clone();
        t.add_done_callback(move |_| o2.borrow_mut().push("cb"));
        let o3 = o.clone();
        let a = tulip::spawn(async move {
            match kind {
                Combinator::Gather => {
                    tulip::gather([t]).await;
                    o3.borrow_mut().push("gather returned");
                }
                Combinator::Wait => {
                    let _ = tulip::wait([t], tulip::ReturnWhen::AllCompleted, None).await;
                    o3.borrow_mut().push("wait returned");
                }
                Combinator::AsCompleted => {
                    let mut it = tulip::as_completed([t]);
                    while it.next().await.is_some() {}
                    o3.borrow_mut().push("as_completed returned");
                }
            }
        });
        tulip::yield_now().await;
        ev.set();
        a.await;
    });
    let v = order.borrow().clone();
    v
}

/// ```python
/// t.add_done_callback(lambda _: order.append("cb"))
/// await asyncio.gather(t)     # or asyncio.wait([t]), or as_completed([t]), in another task
/// # ['child', 'cb', 'gather returned'] (the same for wait and as_completed)
/// ```
/// tulip's combinators take the tasks by value, so no callback can be added after they start waiting.
#[test]
fn a_done_callback_added_first_runs_before_gather_wait_and_as_completed_return() {
    assert_eq!(
        combinator_after_callback(Combinator::Gather),
        ["child", "cb", "gather returned"]
    );
    assert_eq!(
        combinator_after_callback(Combinator::Wait),
        ["child", "cb", "wait returned"]
    );
    assert_eq!(
        combinator_after_callback(Combinator::AsCompleted),
        ["child", "cb", "as_completed returned"]
    );
}
