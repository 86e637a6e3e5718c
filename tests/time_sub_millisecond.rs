//! Deadlines finer than a millisecond: sleeps and `call_at` callbacks fire at their exact deadline, to
//! the nanosecond on a paused clock (issue 10: deadlines are no longer rounded up to whole-millisecond
//! ticks), in deadline order, first in first out for equal deadlines.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, Rng};
use tulip::time::{now, sleep};

/// Sleeps of a few hundred microseconds up to a few milliseconds, with odd nanoseconds, each wake
/// exactly at their deadline and in its order.
#[test]
fn sub_millisecond_sleeps_wake_exactly_at_their_deadline() {
    let lp = paused_loop();
    let woke = Rc::new(RefCell::new(Vec::new()));
    let w = woke.clone();
    lp.block_on(async move {
        let mut delays: Vec<Duration> = (1..=40u64)
            .map(|i| Duration::from_nanos(i * 97_013))
            .collect();
        Rng::new(11).shuffle(&mut delays);
        let t0 = now();
        let tasks: Vec<_> = delays
            .into_iter()
            .map(|d| {
                let w = w.clone();
                tulip::spawn(async move {
                    sleep(d).await;
                    w.borrow_mut().push((d, now() - t0));
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
    let woke = woke.borrow();
    assert_eq!(woke.len(), 40);
    assert!(woke.windows(2).all(|p| p[0].0 < p[1].0), "{woke:?}");
    for &(d, at) in woke.iter() {
        assert_eq!(at, d, "a sleep of {d:?} woke at {at:?}");
    }
}

/// `call_at` callbacks due inside one millisecond run in deadline order, those due at the same instant
/// in the order they were scheduled, each when the clock reads its deadline.
#[test]
fn callbacks_inside_one_millisecond_run_in_deadline_then_fifo_order() {
    let lp = paused_loop();
    let t0 = lp.time();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let offsets_us = [900, 150, 600, 150, 999, 1, 600, 150];
    for (i, &us) in offsets_us.iter().enumerate() {
        let s = seen.clone();
        let l2 = lp.clone();
        let when = t0 + Duration::from_millis(7) + Duration::from_micros(us);
        lp.call_at(when, move || s.borrow_mut().push((i, l2.time() - t0)));
    }
    let l2 = lp.clone();
    lp.call_at(t0 + Duration::from_millis(9), move || l2.stop());
    lp.run_forever();
    let at = |us: u64| Duration::from_millis(7) + Duration::from_micros(us);
    assert_eq!(
        *seen.borrow(),
        [
            (5, at(1)),
            (1, at(150)),
            (3, at(150)),
            (7, at(150)),
            (2, at(600)),
            (6, at(600)),
            (0, at(900)),
            (4, at(999)),
        ]
    );
}
