//! `Promise::add_done_callback` / `remove_done_callback`: scheduled with `call_soon` in the order added,
//! each once, reading the result through the promise; removable until the promise is done.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use support::{paused_loop, yield_many};
use tulip::Promise;

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// asyncio: done-callbacks are "scheduled with `loop.call_soon()`", in registration order, and each
/// gets the future, so `fut.result()` inside the callback reads the value.
#[test]
fn callbacks_run_scheduled_in_order_and_read_the_result() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let fut: Promise<u32> = Promise::new();
        for name in ["a", "b", "c"] {
            let s = s.clone();
            fut.add_done_callback(move |f| {
                s.borrow_mut()
                    .push(format!("{name}={}", f.result().unwrap()))
            });
        }
        fut.set_result(5).unwrap();
        assert!(s.borrow().is_empty(), "called inline");
        tulip::yield_now().await;
        yield_many(2).await;
    });
    assert_eq!(*seen.borrow(), ["a=5", "b=5", "c=5"]);
}

/// A callback added to a done future is scheduled at once (asyncio: `call_soon` from
/// `add_done_callback`), not called inline.
#[test]
fn callback_added_after_done_is_scheduled_not_inline() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let fut: Promise<u32> = Promise::new();
        fut.cancel();
        let s2 = s.clone();
        fut.add_done_callback(move |f| {
            s2.borrow_mut()
                .push(format!("cancelled={}", f.is_cancelled()))
        });
        assert!(s.borrow().is_empty());
        tulip::yield_now().await;
    });
    assert_eq!(*seen.borrow(), ["cancelled=true"]);
}

/// `remove_done_callback(fn)` removes a callback that has not run: it never runs, the others do.
#[test]
fn removed_callback_never_runs_and_others_still_do() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let fut: Promise<u32> = Promise::new();
        let s1 = s.clone();
        let s2 = s.clone();
        let first = fut.add_done_callback(move |_| s1.borrow_mut().push("first".into()));
        fut.add_done_callback(move |_| s2.borrow_mut().push("second".into()));
        assert!(fut.remove_done_callback(first));
        assert!(!fut.remove_done_callback(first));
        fut.set_result(1).unwrap();
        yield_many(2).await;
    });
    assert_eq!(*seen.borrow(), ["second"]);
}

/// Done-callbacks added before a task started awaiting the promise run before it resumes (asyncio wakes
/// the awaiting task through a done-callback added when it started waiting, after the ones added
/// before; `promise_done_callback_order` has the ones added after).
#[test]
fn callbacks_added_before_the_awaiter_parked_run_before_it_resumes() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let fut: Promise<u32> = Promise::new();
        let f = fut.clone();
        let s1 = s.clone();
        let s2 = s.clone();
        fut.add_done_callback(move |_| s2.borrow_mut().push("callback".into()));
        let waiter = tulip::spawn(async move {
            let v = f.await.unwrap();
            s1.borrow_mut().push(format!("task resumed with {v}"));
        });
        tulip::yield_now().await;
        fut.set_result(9).unwrap();
        waiter.await;
    });
    assert_eq!(*seen.borrow(), ["callback", "task resumed with 9"]);
}

/// A callback may set another promise: a chain of callbacks resolves a future, as the callback-style
/// code `loop.create_future()` exists for.
#[test]
fn a_done_callback_can_set_another_promise() {
    paused_loop().block_on(async {
        let first: Promise<u32> = Promise::new();
        let second: Promise<u32> = Promise::new();
        let s = second.clone();
        first.add_done_callback(move |f| s.set_result(f.result().unwrap() * 2).unwrap());
        let f = first.clone();
        tulip::call_soon(move || f.set_result(21).unwrap());
        assert_eq!(second.await.unwrap(), 42);
    });
}

/// `fut.get_loop()` is the loop the future was created on.
#[test]
fn get_loop_is_the_loop_that_created_it() {
    let lp = paused_loop();
    let fut: Promise<u8> = lp.create_future();
    let got = fut.get_loop().expect("loop alive");
    assert_eq!(
        format!("{got:?}").split(',').next(),
        format!("{lp:?}").split(',').next()
    );
}
