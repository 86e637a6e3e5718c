//! A promise's awaiters and done-callbacks are woken in the order they were registered: asyncio's
//! awaiting task adds its wake-up as a done-callback when it starts waiting (`Task.__wakeup`).

use std::cell::RefCell;
use std::rc::Rc;

use tulip::Promise;

type Log = Rc<RefCell<Vec<&'static str>>>;

/// How the promise is ended.
#[derive(Clone, Copy)]
enum End {
    Result,
    Exception,
    Cancel,
}

/// A callback added before a task awaits the promise, one added after, and a `call_soon` callback
/// scheduled just before the promise ends.
fn awaiter_between_callbacks(end: End) -> Vec<&'static str> {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let lp = tulip::get_running_loop();
        let fut: Promise<u32> = lp.create_future();
        let o1 = o.clone();
        fut.add_done_callback(move |_| o1.borrow_mut().push("cb1"));
        let (f, o2) = (fut.clone(), o.clone());
        let a = tulip::spawn(async move {
            let _ = f.await;
            o2.borrow_mut().push("awaiter");
        });
        tulip::yield_now().await; // the awaiter parks
        let o3 = o.clone();
        fut.add_done_callback(move |_| o3.borrow_mut().push("cb2"));
        let o4 = o.clone();
        lp.call_soon(move || o4.borrow_mut().push("soon"));
        match end {
            End::Result => fut.set_result(1).unwrap(),
            End::Exception => fut.set_exception(std::io::Error::other("no")).unwrap(),
            End::Cancel => assert!(fut.cancel()),
        }
        a.await;
        tulip::yield_now().await;
    });
    let v = order.borrow().clone();
    v
}

/// ```python
/// fut.add_done_callback(lambda _: order.append("cb1"))
/// a = asyncio.create_task(awaiter())          # await fut
/// await asyncio.sleep(0)
/// fut.add_done_callback(lambda _: order.append("cb2"))
/// loop.call_soon(lambda: order.append("soon"))
/// fut.set_result(1)                           # order == ['soon', 'cb1', 'awaiter', 'cb2']
/// ```
#[test]
fn awaiter_wakes_between_callbacks_added_before_and_after_it_parked() {
    assert_eq!(
        awaiter_between_callbacks(End::Result),
        ["soon", "cb1", "awaiter", "cb2"]
    );
}

/// `fut.set_exception(ValueError())`: the same order.
#[test]
fn awaiter_wakes_in_registration_order_on_an_exception() {
    assert_eq!(
        awaiter_between_callbacks(End::Exception),
        ["soon", "cb1", "awaiter", "cb2"]
    );
}

/// `fut.cancel()`: the same order.
#[test]
fn awaiter_wakes_in_registration_order_on_cancel() {
    assert_eq!(
        awaiter_between_callbacks(End::Cancel),
        ["soon", "cb1", "awaiter", "cb2"]
    );
}

/// Two awaiters with a callback added between them, as python's `two_awaiters` case of
/// `scripts/asyncio_ref/task_done_callback_order.py`: `['awaiter', 'cb', 'awaiter2']`.
#[test]
fn two_awaiters_and_a_callback_between_them_keep_their_order() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let fut: Promise<u32> = tulip::get_running_loop().create_future();
        let (f1, o1) = (fut.clone(), o.clone());
        let a = tulip::spawn(async move {
            let _ = f1.await;
            o1.borrow_mut().push("awaiter");
        });
        tulip::yield_now().await;
        let o2 = o.clone();
        fut.add_done_callback(move |_| o2.borrow_mut().push("cb"));
        let (f3, o3) = (fut.clone(), o.clone());
        let b = tulip::spawn(async move {
            let _ = f3.await;
            o3.borrow_mut().push("awaiter2");
        });
        tulip::yield_now().await;
        fut.set_result(1).unwrap();
        a.await;
        b.await;
    });
    assert_eq!(*order.borrow(), ["awaiter", "cb", "awaiter2"]);
}
