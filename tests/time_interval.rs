//! `interval`: evenly spaced ticks on the loop's clock and the three missed-tick policies.

mod support;

use std::time::{Duration, Instant};

use support::paused_loop;
use tulip::time::{interval, interval_at, now, MissedTickBehavior};

const P: Duration = Duration::from_millis(10);

/// Makes the owner of an interval late by `by`, as a task hogging the loop would (paused clock).
fn be_late(by: Duration) {
    tulip::get_running_loop().clock().advance(by);
}

/// asyncio's idiom `while True: ...; await asyncio.sleep(period)`; tulip's interval ticks at once, then
/// every period on the loop's clock, never early.
#[test]
fn ticks_at_once_then_every_period() {
    paused_loop().block_on(async {
        let t0 = now();
        let mut every = interval(P);
        assert_eq!(every.period(), P);
        for k in 0..5u32 {
            let scheduled = every.tick().await;
            assert_eq!(scheduled, t0 + P * k);
            assert!(now() >= scheduled);
            assert_eq!(now(), scheduled, "paused clock: exactly on time");
        }
    });
}

/// `interval_at` starts the grid at a given instant.
#[test]
fn interval_at_starts_later() {
    paused_loop().block_on(async {
        let start = now() + Duration::from_secs(1);
        let mut every = interval_at(start, P);
        assert_eq!(every.tick().await, start);
        assert_eq!(every.tick().await, start + P);
        assert_eq!(now(), start + P);
    });
}

fn ticks_after_being_late(behavior: MissedTickBehavior) -> (Instant, Vec<Duration>) {
    paused_loop().block_on(async move {
        let t0 = now();
        let mut every = interval(P);
        every.set_missed_tick_behavior(behavior);
        assert_eq!(every.missed_tick_behavior(), behavior);
        every.tick().await;
        be_late(Duration::from_millis(35));
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(every.tick().await - t0);
        }
        (t0, got)
    })
}

/// `MissedTickBehavior::Burst` (the default): "Fire the missed ticks at once, one per `tick()`, until
/// caught up (the schedule stays on the grid)."
#[test]
fn burst_catches_up_on_the_grid() {
    assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
    let (_, got) = ticks_after_being_late(MissedTickBehavior::Burst);
    let ms = |v: u64| Duration::from_millis(v);
    assert_eq!(got, [ms(10), ms(20), ms(30), ms(40)]);
}

/// `MissedTickBehavior::Delay` — asyncio's `while True: await asyncio.sleep(period)`: "Restart the
/// schedule from now: the next tick is one period after the late one."
#[test]
fn delay_restarts_from_the_late_tick() {
    let (_, got) = ticks_after_being_late(MissedTickBehavior::Delay);
    let ms = |v: u64| Duration::from_millis(v);
    // Late at 35 ms: the overdue tick (scheduled at 10) fires, then 45, 55, 65.
    assert_eq!(got, [ms(10), ms(45), ms(55), ms(65)]);
}

/// `MissedTickBehavior::Skip`: "Skip the missed ticks: the next tick is the next point on the original
/// grid."
#[test]
fn skip_jumps_to_the_next_grid_point() {
    let (_, got) = ticks_after_being_late(MissedTickBehavior::Skip);
    let ms = |v: u64| Duration::from_millis(v);
    assert_eq!(got, [ms(10), ms(40), ms(50), ms(60)]);
}

/// `reset` restarts the schedule one period from now.
#[test]
fn reset_restarts_the_schedule() {
    paused_loop().block_on(async {
        let mut every = interval(P);
        every.tick().await;
        be_late(Duration::from_millis(3));
        every.reset();
        let t = now();
        assert_eq!(every.tick().await, t + P);
    });
}

/// A zero period is accepted (no panic on any input) and ticks every `RESOLUTION`: a tick that never
/// waited would keep its owner from ever yielding.
#[test]
fn zero_period_ticks_every_resolution() {
    paused_loop().block_on(async {
        let mut every = interval(Duration::ZERO);
        assert_eq!(every.period(), tulip::time::RESOLUTION);
        let a = every.tick().await;
        assert_eq!(every.tick().await - a, tulip::time::RESOLUTION);
    });
}

/// asyncio's `while True: work(); await asyncio.sleep(period)`: however late the owner was, the next
/// round starts a full period after the late one. With `Delay`, an owner late by less than a period
/// (190 ms on a 100 ms interval, so the tick due at 100 is taken at 190) gets its next tick at 290, not
/// at the grid point 200.
#[test]
fn delay_next_tick_comes_a_full_period_after_a_late_one() {
    paused_loop().block_on(async {
        let ms = |v: u64| Duration::from_millis(v);
        let t0 = now();
        let mut every = interval(ms(100));
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(every.tick().await, t0);
        be_late(ms(190));
        assert_eq!(every.tick().await, t0 + ms(100));
        assert_eq!(now() - t0, ms(190));
        let next = every.tick().await;
        assert_eq!(next - t0, ms(290));
        assert_eq!(now() - t0, ms(290));
        // On time again: back to one period per tick.
        assert_eq!(every.tick().await - t0, ms(390));
    });
}

/// A 1 ms interval on the real clock keeps ticking, each tick no earlier than scheduled.
#[test]
fn real_clock_ticks_never_early() {
    support::real_loop().block_on(async {
        let mut every = interval(Duration::from_millis(1));
        for _ in 0..5 {
            let scheduled = every.tick().await;
            assert!(now() >= scheduled);
        }
    });
}
