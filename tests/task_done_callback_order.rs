//! Task completion schedules its done-callbacks and its awaiter's wake-up in registration order: the
//! awaiter's wake-up is itself a done-callback, as in asyncio.

use std::cell::RefCell;
use std::rc::Rc;

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
