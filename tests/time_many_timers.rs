//! 100 000 timers with random deadlines on a paused clock: all fire, in deadline order, none early.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use support::{paused_loop, Rng};
use tulip::time::RESOLUTION;

const N: usize = 100_000;

/// A deadline offset spread over every level of the wheel: mostly close, some hours or days away.
fn random_offset(rng: &mut Rng) -> Duration {
    let micros = match rng.below(10) {
        0..=4 => rng.below(64_000),          // level 0-1: under 64 ms
        5..=6 => rng.below(4_000_000),       // up to 4 s
        7 => rng.below(300_000_000),         // up to 5 min
        8 => rng.below(5 * 3_600_000_000),   // up to 5 h
        _ => rng.below(10 * 86_400_000_000), // up to 10 days
    };
    Duration::from_micros(micros)
}

/// asyncio runs `call_at` callbacks in deadline order, each "exactly once", never before its time
/// (`loop.time() >= when`); tulip adds FIFO for equal deadlines. 100 000 callbacks with random
/// deadlines (some shared) check it on the wheel at scale.
#[test]
fn hundred_thousand_call_at_timers_fire_in_order_none_early() {
    let lp = paused_loop();
    let t0 = lp.time();
    let mut rng = Rng::new(0x0071_511b);
    let deadlines: Vec<Instant> = (0..N)
        .map(|i| {
            if i % 10 == 9 {
                // Share a deadline with an earlier timer.
                t0 + random_offset(&mut Rng::new(i as u64 / 10 + 1))
            } else {
                t0 + random_offset(&mut rng)
            }
        })
        .collect();
    let fired: Rc<RefCell<Vec<(usize, Instant)>>> = Rc::new(RefCell::new(Vec::with_capacity(N)));
    for (i, &when) in deadlines.iter().enumerate() {
        let f = fired.clone();
        lp.call_at(when, move || f.borrow_mut().push((i, tulip::time::now())));
    }
    let last = *deadlines.iter().max().unwrap();
    let l2 = lp.clone();
    lp.call_at(last + RESOLUTION, move || l2.stop());
    lp.run_forever();

    let fired = fired.borrow();
    assert_eq!(fired.len(), N, "every timer fired once");
    let mut expected: Vec<usize> = (0..N).collect();
    expected.sort_by_key(|&i| (deadlines[i], i));
    let order: Vec<usize> = fired.iter().map(|&(i, _)| i).collect();
    assert!(order == expected, "timers fired out of deadline order");
    for &(i, at) in fired.iter() {
        assert!(
            at >= deadlines[i],
            "timer {i} fired early by {:?}",
            deadlines[i] - at
        );
        assert!(
            at - deadlines[i] < RESOLUTION,
            "timer {i} fired {:?} late",
            at - deadlines[i]
        );
    }
}

/// The same with 100 000 sleeping tasks (`asyncio.sleep`): every task wakes in deadline order with
/// `now() >= deadline`.
#[test]
fn hundred_thousand_sleeping_tasks_wake_in_order_none_early() {
    let lp = paused_loop();
    let woke: Rc<RefCell<Vec<(Instant, Instant)>>> = Rc::new(RefCell::new(Vec::with_capacity(N)));
    let w = woke.clone();
    lp.block_on(async move {
        let t0 = tulip::time::now();
        let mut rng = Rng::new(99);
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let deadline = t0 + random_offset(&mut rng);
                let w = w.clone();
                tulip::spawn(async move {
                    tulip::time::sleep_until(deadline).await;
                    w.borrow_mut().push((deadline, tulip::time::now()));
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
    let woke = woke.borrow();
    assert_eq!(woke.len(), N);
    assert!(woke.windows(2).all(|p| p[0].0 <= p[1].0), "deadline order");
    assert!(
        woke.iter().all(|&(deadline, at)| at >= deadline),
        "none early"
    );
}

/// Timers scheduled while others fire (each callback schedules the next, 100 000 in all, random delays
/// including zero): the loop's clock at fire time never goes back and never precedes the deadline.
#[test]
fn timers_scheduled_while_firing_are_never_early() {
    struct State {
        rng: Rng,
        left: usize,
        last_fire: Option<Instant>,
        early: usize,
        backwards: usize,
    }
    fn schedule(state: Rc<RefCell<State>>) {
        let delay = {
            let mut s = state.borrow_mut();
            if s.left == 0 {
                return;
            }
            s.left -= 1;
            match s.rng.below(4) {
                0 => Duration::ZERO,
                1 => Duration::from_micros(s.rng.below(2_000)),
                2 => Duration::from_millis(s.rng.below(5_000)),
                _ => Duration::from_secs(s.rng.below(50_000)),
            }
        };
        let when = tulip::time::now() + delay;
        tulip::call_at(when, move || {
            let now = tulip::time::now();
            {
                let mut s = state.borrow_mut();
                if now < when {
                    s.early += 1;
                }
                if s.last_fire.is_some_and(|l| now < l) {
                    s.backwards += 1;
                }
                s.last_fire = Some(now);
            }
            schedule(state);
        });
    }
    let state = Rc::new(RefCell::new(State {
        rng: Rng::new(5),
        left: N,
        last_fire: None,
        early: 0,
        backwards: 0,
    }));
    let lp = paused_loop();
    let s = state.clone();
    lp.block_on(async move {
        // 100 independent chains of 1 000 timers each.
        for _ in 0..100 {
            schedule(s.clone());
        }
        while s.borrow().left > 0 {
            tulip::time::sleep(Duration::from_secs(3600)).await;
        }
        tulip::time::sleep(Duration::from_secs(100_000)).await;
    });
    let s = state.borrow();
    assert_eq!((s.left, s.early, s.backwards), (0, 0, 0));
}
