//! Deadlines already in the past: `call_at`, `sleep_until` and `timeout_at` with an `Instant` before
//! now are due at once, in deadline order, and run in the same iteration as the callbacks already
//! ready, after them, as in asyncio. python3, the same program:
//!
//! ```python
//! t = loop.time()
//! loop.call_soon(log.append, 'soon1')
//! loop.call_at(t - 10, log.append, 'past10')
//! loop.call_at(t - 20, log.append, 'past20')
//! loop.call_later(0, log.append, 'later0')
//! loop.call_soon(log.append, 'soon2')
//! loop.run_until_complete(main())   # main logs 'main' then sleeps
//! # ['soon1', 'soon2', 'main', 'past20', 'past10', 'later0']
//! ```

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, real_loop};
use tulip::Loop;

type Log = Rc<RefCell<Vec<&'static str>>>;

fn push(log: &Log, s: &'static str) -> impl FnOnce() + 'static {
    let log = log.clone();
    move || log.borrow_mut().push(s)
}

fn order_on(lp: &Loop) -> Vec<&'static str> {
    let log: Log = Rc::default();
    let t = lp.time();
    lp.call_soon(push(&log, "soon1"));
    lp.call_at(t - Duration::from_secs(10), push(&log, "past10"));
    lp.call_at(t - Duration::from_secs(20), push(&log, "past20"));
    lp.call_later(Duration::ZERO, push(&log, "later0"));
    lp.call_soon(push(&log, "soon2"));
    let l = log.clone();
    lp.block_on(async move {
        l.borrow_mut().push("main");
        tulip::time::sleep(Duration::from_millis(10)).await;
    });
    let out = log.borrow().clone();
    out
}

#[test]
fn past_call_at_runs_at_once_in_deadline_order_paused_clock() {
    assert_eq!(
        order_on(&paused_loop()),
        ["soon1", "soon2", "main", "past20", "past10", "later0"]
    );
}

#[test]
fn past_call_at_runs_at_once_in_deadline_order_real_clock() {
    assert_eq!(
        order_on(&real_loop()),
        ["soon1", "soon2", "main", "past20", "past10", "later0"]
    );
}

/// `sleep_until` a past instant is ready at once; `timeout_at` a past instant times out a pending
/// future (asyncio.timeout_at(past): the body is cancelled at its first suspension), and lets a ready
/// one win.
#[test]
fn past_sleep_until_and_timeout_at() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.block_on(async {
        let past = tulip::time::now() - Duration::from_secs(3600);
        tulip::time::sleep_until(past).await;
        let pending = tulip::time::timeout_at(past, std::future::pending::<()>()).await;
        assert!(pending.is_err());
        let ready = tulip::time::timeout_at(past, async { 5 }).await;
        assert_eq!(ready.unwrap(), 5);
    });
    assert_eq!(lp.time(), t0, "a past deadline moved the paused clock");
}

/// A `TimerHandle` for a past deadline reports that deadline, and cancelling it before the loop runs
/// stops it.
#[test]
fn past_timer_cancelled_before_the_loop_runs_never_fires() {
    let lp = paused_loop();
    let log: Log = Rc::default();
    let when = lp.time() - Duration::from_secs(1);
    let h = lp.call_at(when, push(&log, "cancelled"));
    assert_eq!(h.when(), when);
    lp.call_at(when, push(&log, "kept"));
    h.cancel();
    lp.block_on(tulip::yield_now());
    assert_eq!(*log.borrow(), ["kept"]);
}
