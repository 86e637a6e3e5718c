//! `get_exception_handler` / `call_exception_handler`: user code reports through the loop's handler, and
//! can fetch the handler to wrap it.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use support::real_loop;
use tulip::{ExceptionContext, ExceptionKind};

/// `loop.get_exception_handler()` is None until one is set, then returns it; `set_exception_handler(None)`
/// goes back to None.
#[test]
fn get_exception_handler_returns_the_one_set_and_none_after_reset() {
    let lp = real_loop();
    assert!(lp.get_exception_handler().is_none());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.set_exception_handler(move |ctx| s.borrow_mut().push(ctx.message().to_string()));
    let h = lp.get_exception_handler().expect("a handler");
    h(&ExceptionContext::new("direct"));
    assert_eq!(*seen.borrow(), ["direct"]);
    lp.reset_exception_handler();
    assert!(lp.get_exception_handler().is_none());
}

/// `loop.call_exception_handler({'message': ..., 'task': ...})` reaches the handler with the message,
/// the kind `Reported` and the task.
#[test]
fn call_exception_handler_delivers_message_kind_and_task() {
    let lp = real_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.set_exception_handler(move |ctx| {
        s.borrow_mut().push((
            ctx.kind(),
            ctx.message().to_string(),
            ctx.task().map(|t| t.id()),
        ))
    });
    let l2 = lp.clone();
    let id = lp.block_on(async move {
        let info = tulip::spawn(async { tulip::current_task().unwrap() }).await;
        l2.call_exception_handler(&ExceptionContext::new("bad header").with_task(&info));
        info.id()
    });
    assert_eq!(
        *seen.borrow(),
        [(ExceptionKind::Reported, "bad header".to_string(), Some(id))]
    );
}

/// A handler that wraps the previous one (fetched with `get_exception_handler`) sees every report and
/// passes it on, the usual way to add logging in asyncio.
#[test]
fn a_wrapping_handler_passes_reports_to_the_previous_one() {
    let lp = real_loop();
    let inner_seen = Rc::new(RefCell::new(0));
    let outer_seen = Rc::new(RefCell::new(0));
    let i = inner_seen.clone();
    lp.set_exception_handler(move |_| *i.borrow_mut() += 1);
    let previous = lp.get_exception_handler().unwrap();
    let o = outer_seen.clone();
    lp.set_exception_handler(move |ctx| {
        *o.borrow_mut() += 1;
        previous(ctx);
    });
    lp.call_exception_handler(&ExceptionContext::new("one"));
    lp.block_on(async {
        tulip::spawn(async { panic!("lost") }).detach();
        tulip::yield_now().await;
    });
    assert_eq!((*outer_seen.borrow(), *inner_seen.borrow()), (2, 2));
}

/// A handler that panics while handling a reported context does not take the caller down.
#[test]
fn a_panicking_handler_does_not_unwind_into_the_caller() {
    let lp = real_loop();
    lp.set_exception_handler(|_| panic!("handler bug"));
    lp.call_exception_handler(&ExceptionContext::new("report"));
    assert_eq!(lp.block_on(async { 5 }), 5);
}
