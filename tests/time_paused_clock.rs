//! The paused clock: time moves only when the loop is idle, straight to the next deadline.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use support::{paused_loop, yield_many, Rng};
use tulip::time::{now, sleep};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// asyncio: tasks sleeping for different delays wake in the order of their deadlines. On a paused clock
/// (tokio's `start_paused`, asyncio tests mock `loop.time()`), sleeps of hours, days and years finish
/// at once in wall time, in order, each exactly at its deadline.
#[test]
fn long_sleeps_finish_instantly_and_in_order() {
    let lp = paused_loop();
    assert!(lp.clock().is_paused());
    let woke = Rc::new(RefCell::new(Vec::new()));
    let w = woke.clone();
    let wall = Instant::now();
    lp.block_on(async move {
        let mut delays: Vec<Duration> = (1..=24)
            .map(|h| HOUR * h)
            .chain([
                DAY * 3,
                DAY * 40,
                DAY * 365 * 3,
                HOUR / 2 + Duration::from_micros(7),
            ])
            .collect();
        Rng::new(3).shuffle(&mut delays);
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
    // Generous: a real clock would have needed years.
    assert!(wall.elapsed() < Duration::from_secs(60));
    let woke = woke.borrow();
    assert_eq!(woke.len(), 28);
    assert!(woke.windows(2).all(|p| p[0].0 < p[1].0), "{woke:?}");
    for &(d, at) in woke.iter() {
        assert!(
            at >= d && at - d < tulip::time::RESOLUTION,
            "{d:?} woke at {at:?}"
        );
    }
}

/// The paused clock does not move while something is ready: a busy task sees the same `now()` on every
/// step ("time moves only when the loop has nothing ready to run").
#[test]
fn time_stands_still_while_the_loop_is_busy() {
    paused_loop().block_on(async {
        let t0 = now();
        let sleeper = tulip::spawn(sleep(Duration::from_millis(1)));
        for _ in 0..200 {
            tulip::yield_now().await;
            assert_eq!(now(), t0);
        }
        assert!(!sleeper.is_finished());
        sleeper.await;
        assert_eq!(now() - t0, Duration::from_millis(1));
    });
}

/// `Clock::advance` by hand: timers that came due fire on the next iteration.
#[test]
fn advancing_by_hand_fires_due_timers() {
    let lp = paused_loop();
    let t0 = lp.time();
    let fired = Rc::new(RefCell::new(Vec::new()));
    for s in [1u64, 2, 3] {
        let f = fired.clone();
        lp.call_later(Duration::from_secs(s), move || f.borrow_mut().push(s));
    }
    lp.clock().advance(Duration::from_millis(2500));
    assert_eq!(lp.time() - t0, Duration::from_millis(2500));
    lp.block_on(yield_many(3));
    assert_eq!(*fired.borrow(), [1, 2]);
    assert_eq!(
        lp.time() - t0,
        Duration::from_millis(2500),
        "nothing idle yet"
    );
    lp.block_on(sleep(Duration::from_secs(1)));
    assert_eq!(*fired.borrow(), [1, 2, 3]);
}

/// With no timer pending, an idle paused loop does not invent time: `now()` stays put.
#[test]
fn idle_without_timers_keeps_the_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.block_on(async {
        tulip::spawn_blocking(|| std::thread::sleep(Duration::from_millis(2))).await;
    });
    assert_eq!(lp.time(), t0);
}

/// A real-clock loop is not paused; pausing and resuming is the clock's business.
#[test]
fn real_clock_is_not_paused() {
    let lp = support::real_loop();
    assert!(!lp.clock().is_paused());
    let t = lp.time();
    assert!(lp.time() >= t);
}

/// asyncio's `loop.run_until_complete(asyncio.sleep(d))` sleeps `d` on that loop. A tulip `sleep` made
/// outside the loop that polls it measures its duration on that loop's clock too: here after the paused
/// clock was moved by hand, and for a `timeout` made outside the loop.
#[test]
fn sleep_made_outside_the_loop_uses_the_loop_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.clock().advance(HOUR);
    lp.block_on(sleep(Duration::from_secs(2)));
    assert_eq!(lp.time() - t0, HOUR + Duration::from_secs(2));
    let res = lp.block_on(tulip::time::timeout(
        Duration::from_secs(5),
        std::future::pending::<()>(),
    ));
    assert!(res.is_err());
    assert_eq!(lp.time() - t0, HOUR + Duration::from_secs(7));
}
