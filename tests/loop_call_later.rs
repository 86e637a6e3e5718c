//! `call_later` / `call_at`: deadline order, FIFO for equal deadlines, never early, `TimerHandle` cancel.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use support::{paused_loop, real_loop, DropCount, Rng};
use tulip::time::RESOLUTION;

/// Runs `lp` until a callback due at `when` (scheduled last) stops it.
fn run_until(lp: &tulip::Loop, when: Instant) {
    let l2 = lp.clone();
    lp.call_at(when, move || l2.stop());
    lp.run_forever();
}

/// asyncio, `loop.call_later`: "If two callbacks are scheduled for exactly the same time, it is undefined
/// which will be called first." tulip promises more (issue 2): callbacks due at the same instant run in
/// the order they were scheduled, whether through `call_at` or `call_later`.
#[test]
fn same_deadline_runs_in_fifo_order() {
    let lp = paused_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let when = lp.time() + Duration::from_millis(10);
    for i in 0..500 {
        let s = seen.clone();
        if i % 2 == 0 {
            lp.call_at(when, move || s.borrow_mut().push(i));
        } else {
            // The paused clock stands still, so this is the same instant.
            lp.call_later(Duration::from_millis(10), move || s.borrow_mut().push(i));
        }
    }
    run_until(&lp, when);
    assert_eq!(*seen.borrow(), (0..500).collect::<Vec<_>>());
}

/// Same-deadline FIFO holds even when the first timer was scheduled from far away (a coarse level of
/// the wheel) and the second from close by (a fine level).
#[test]
fn same_deadline_fifo_across_wheel_levels() {
    let lp = paused_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let when = lp.time() + Duration::from_secs(5 * 3600);
    let s = seen.clone();
    lp.call_at(when, move || s.borrow_mut().push("scheduled 5 h ahead"));
    let s = seen.clone();
    let l2 = lp.clone();
    lp.block_on(async move {
        tulip::time::sleep_until(when - Duration::from_millis(3)).await;
        l2.call_at(when, move || s.borrow_mut().push("scheduled 3 ms ahead"));
    });
    run_until(&lp, when);
    assert_eq!(
        *seen.borrow(),
        ["scheduled 5 h ahead", "scheduled 3 ms ahead"]
    );
}

/// asyncio, `loop.call_at`: "Schedule callback to be called at the given absolute timestamp when"; the
/// loop runs timers in deadline order, and a callback "will be called exactly once".
#[test]
fn different_deadlines_run_in_deadline_order_and_never_early() {
    let lp = paused_loop();
    let t0 = lp.time();
    let mut rng = Rng::new(7);
    // Deadlines to the microsecond, several inside the same millisecond tick.
    let mut deadlines: Vec<Duration> = (0..2000)
        .map(|_| Duration::from_micros(rng.below(5_000_000)))
        .collect();
    rng.shuffle(&mut deadlines);
    let fired = Rc::new(RefCell::new(Vec::new()));
    for (i, d) in deadlines.iter().enumerate() {
        let (f, l2) = (fired.clone(), lp.clone());
        lp.call_at(t0 + *d, move || f.borrow_mut().push((i, l2.time())));
    }
    run_until(&lp, t0 + Duration::from_secs(6));
    let fired = fired.borrow();
    assert_eq!(fired.len(), deadlines.len(), "every callback ran once");
    let mut expected: Vec<usize> = (0..deadlines.len()).collect();
    expected.sort_by_key(|&i| (deadlines[i], i));
    let order: Vec<usize> = fired.iter().map(|&(i, _)| i).collect();
    assert_eq!(order, expected);
    for &(i, at) in fired.iter() {
        let when = t0 + deadlines[i];
        assert!(at >= when, "timer {i} fired {:?} early", when - at);
        // On a paused clock the loop jumps to the deadline's tick: at most one tick late.
        assert!(
            at - when < RESOLUTION,
            "timer {i} fired {:?} late",
            at - when
        );
    }
}

/// asyncio, `loop.call_later`: the callback is "called after the given delay" — on a real clock too,
/// never before it.
#[test]
fn real_clock_timer_never_fires_early() {
    let lp = real_loop();
    let start = Instant::now();
    let loop_start = lp.time();
    let at = Rc::new(Cell::new(None));
    let (a, l2) = (at.clone(), lp.clone());
    lp.call_later(Duration::from_millis(3), move || {
        a.set(Some((Instant::now(), l2.time())));
        l2.stop();
    });
    lp.run_forever();
    let (wall, on_loop) = at.get().expect("the timer fired");
    assert!(wall - start >= Duration::from_millis(3));
    assert!(on_loop - loop_start >= Duration::from_millis(3));
}

/// asyncio, `TimerHandle.when()`: "Return a scheduled callback time as float seconds. The time is an
/// absolute timestamp, using the same time reference as loop.time()."
#[test]
fn timer_handle_reports_its_deadline() {
    let lp = paused_loop();
    let h = lp.call_later(Duration::from_secs(90), || {});
    assert_eq!(h.when(), lp.time() + Duration::from_secs(90));
    let when = lp.time() + Duration::from_millis(1);
    assert_eq!(lp.call_at(when, || {}).when(), when);
}

/// asyncio, `TimerHandle.cancel()` (inherited from `Handle.cancel()`): "Cancel the callback. If the
/// callback has already been canceled or executed, this method has no effect." tulip also drops the
/// closure at once.
#[test]
fn cancelled_timer_does_not_run_and_its_closure_is_dropped() {
    let lp = paused_loop();
    let drops = DropCount::new();
    let ran = Rc::new(Cell::new(false));
    let (token, r) = (drops.token(), ran.clone());
    let h = lp.call_later(Duration::from_secs(3600), move || {
        let _keep = &token;
        r.set(true);
    });
    assert!(!h.cancelled());
    h.cancel();
    assert!(h.cancelled());
    assert_eq!(drops.get(), 1, "cancel drops the closure at once");
    h.cancel();
    assert_eq!(drops.get(), 1);
    run_until(&lp, lp.time() + Duration::from_secs(7200));
    assert!(!ran.get());
}

/// asyncio, `TimerHandle.cancel()`: "If the callback has already been canceled or executed, this method
/// has no effect" — not even on a timer scheduled afterwards (which may reuse the fired timer's slot).
#[test]
fn cancel_after_fire_does_not_touch_later_timers() {
    let lp = paused_loop();
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    let first = lp.call_later(Duration::from_millis(1), move || c.set(c.get() + 1));
    run_until(&lp, lp.time() + Duration::from_millis(2));
    assert_eq!(count.get(), 1);
    let c = count.clone();
    let _second = lp.call_later(Duration::from_millis(5), move || c.set(c.get() + 10));
    first.cancel();
    run_until(&lp, lp.time() + Duration::from_millis(10));
    assert_eq!(count.get(), 11);
}

/// Cancelling one of several callbacks due at the same instant leaves the others, in order.
#[test]
fn cancel_one_of_several_same_deadline_timers() {
    let lp = paused_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let when = lp.time() + Duration::from_millis(50);
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let s = seen.clone();
            lp.call_at(when, move || s.borrow_mut().push(i))
        })
        .collect();
    handles[0].cancel();
    handles[4].cancel();
    run_until(&lp, when);
    assert_eq!(*seen.borrow(), [1, 2, 3, 5]);
}

/// asyncio, `loop.call_later`: "callback will be called exactly once" — and not inline, even with a
/// zero delay: it runs on a later iteration of the loop.
#[test]
fn zero_delay_runs_later_not_inline() {
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    tulip::run(async move {
        let r2 = r.clone();
        tulip::call_later(Duration::ZERO, move || r2.set(true));
        assert!(!r.get(), "call_later never runs its callback inline");
        tulip::time::sleep(2 * RESOLUTION).await;
    });
    assert!(ran.get());
}

/// The free functions `tulip::call_later` / `tulip::call_at` use the running loop and its clock
/// (`tulip::time::now()`, asyncio's `loop.time()`).
#[test]
fn free_functions_use_the_running_loop_clock() {
    let lp = paused_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.block_on(async move {
        let t0 = tulip::time::now();
        let (s1, s2) = (s.clone(), s.clone());
        let h = tulip::call_at(t0 + Duration::from_secs(2), move || {
            s1.borrow_mut().push(("at", tulip::time::now() - t0))
        });
        assert_eq!(h.when(), t0 + Duration::from_secs(2));
        tulip::call_later(Duration::from_secs(1), move || {
            s2.borrow_mut().push(("later", tulip::time::now() - t0))
        });
        tulip::time::sleep(Duration::from_secs(3)).await;
    });
    assert_eq!(
        *seen.borrow(),
        [
            ("later", Duration::from_secs(1)),
            ("at", Duration::from_secs(2))
        ]
    );
}

/// asyncio runs due timer callbacks even while tasks keep the loop busy.
#[test]
fn timers_fire_while_tasks_are_ready() {
    let lp = real_loop();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    lp.call_later(Duration::from_millis(1), move || f.set(true));
    let f = fired.clone();
    lp.block_on(async move {
        while !f.get() {
            tulip::yield_now().await;
        }
    });
    assert!(fired.get());
}

/// asyncio: `TimerHandle.cancel()` "Cancel the callback. If the callback has already been canceled or
/// executed, this method has no effect." A callback whose deadline has passed but which has not run yet
/// has not executed: cancelling it from another callback due at the same instant stops it, and
/// `cancelled()` agrees with what happened.
#[test]
fn cancelled_after_its_deadline_passed_does_not_run() {
    let lp = paused_loop();
    let when = lp.time() + Duration::from_millis(10);
    let ran = Rc::new(RefCell::new(Vec::new()));
    let victim: Rc<RefCell<Option<tulip::TimerHandle>>> = Rc::new(RefCell::new(None));
    let (r, v) = (ran.clone(), victim.clone());
    lp.call_at(when, move || {
        r.borrow_mut().push("canceller");
        if let Some(h) = v.borrow().as_ref() {
            h.cancel();
        }
    });
    let r = ran.clone();
    let h = lp.call_at(when, move || r.borrow_mut().push("victim"));
    *victim.borrow_mut() = Some(h);
    let r = ran.clone();
    lp.call_at(when, move || r.borrow_mut().push("after"));
    run_until(&lp, when);
    assert_eq!(*ran.borrow(), ["canceller", "after"]);
    assert!(victim.borrow().as_ref().unwrap().cancelled());
}

/// A handle cancelled after its timer fired, and then never touched again, leaves nothing behind: the
/// closure is dropped (once) without running, and later timers still run.
#[test]
fn cancelled_after_firing_drops_its_closure_without_running_it() {
    let lp = paused_loop();
    let when = lp.time() + Duration::from_millis(5);
    let drops = DropCount::new();
    let token = drops.token();
    let ran = Rc::new(Cell::new(0));
    let slot: Rc<RefCell<Option<tulip::TimerHandle>>> = Rc::new(RefCell::new(None));
    let s = slot.clone();
    lp.call_at(when, move || s.borrow_mut().take().unwrap().cancel());
    let r = ran.clone();
    *slot.borrow_mut() = Some(lp.call_at(when, move || {
        let _keep = &token;
        r.set(r.get() + 1);
    }));
    let r = ran.clone();
    lp.call_at(when + Duration::from_millis(1), move || r.set(r.get() + 10));
    run_until(&lp, when + Duration::from_millis(1));
    assert_eq!(ran.get(), 10);
    assert_eq!(drops.get(), 1);
}
