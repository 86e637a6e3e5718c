//! Scheduling on a closed loop. asyncio: `call_soon`, `call_later` and `call_at` raise
//! `RuntimeError('Event loop is closed')`. tulip returns a handle that is already cancelled, drops the
//! closure at once (nothing stays queued on a loop that will never run it) and never runs it; a
//! panicking `Drop` of that closure is contained.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, record_exceptions, DropCount};

#[test]
fn call_soon_call_later_call_at_on_a_closed_loop_drop_the_closure_and_say_cancelled() {
    let lp = paused_loop();
    lp.close();
    let drops = DropCount::new();
    let ran = Rc::new(Cell::new(false));
    let (r1, r2, r3) = (ran.clone(), ran.clone(), ran.clone());
    let (t1, t2, t3) = (drops.token(), drops.token(), drops.token());
    let h = lp.call_soon(move || {
        let _t = t1;
        r1.set(true)
    });
    assert!(h.cancelled());
    let th = lp.call_later(Duration::from_secs(1), move || {
        let _t = t2;
        r2.set(true)
    });
    assert!(th.cancelled());
    let when = lp.time() + Duration::from_secs(2);
    let ah = lp.call_at(when, move || {
        let _t = t3;
        r3.set(true)
    });
    assert!(ah.cancelled());
    assert_eq!(ah.when(), when);
    assert_eq!(drops.get(), 3, "the closures were kept");
    // Cancelling again does nothing.
    h.cancel();
    th.cancel();
    assert!(!ran.get());
}

#[test]
fn a_closed_loop_contains_a_refused_closure_whose_drop_panics() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    lp.close();
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("boom in refused drop");
        }
    }
    let g = PanicOnDrop;
    let h = lp.call_soon(move || {
        let _g = &g;
    });
    assert!(h.cancelled());
    assert!(reports
        .borrow()
        .iter()
        .any(|r| r.panic_message.as_deref() == Some("boom in refused drop")));
}
