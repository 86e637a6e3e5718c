//! `Timers` fire at their exact deadline, to the nanosecond, though the wheel keeps whole-millisecond
//! ticks: never before it, in deadline order, first in first out for equal deadlines; a timer held back
//! inside its tick can still be cancelled; `next_deadline` names the exact instant to wake at.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use tulip_time::{Clock, TimerAction, TimerId, Timers};

fn tagged(tag: u32) -> TimerAction {
    TimerAction::Tagged(tag, Box::new(|| {}))
}

/// The tags of fired actions, in order.
fn tags(out: &mut Vec<TimerAction>) -> Vec<u32> {
    out.drain(..)
        .map(|a| match a {
            TimerAction::Tagged(tag, _) => tag,
            other => panic!("unexpected action {other:?}"),
        })
        .collect()
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

#[test]
fn a_timer_inside_a_tick_waits_for_its_exact_deadline() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    timers.insert(t0 + us(1_250), tagged(1));
    let mut out = Vec::new();
    // Its tick (the second millisecond) has begun, its deadline has not passed.
    assert_eq!(timers.fire(t0 + us(1_100), &mut out), 0);
    assert!(!timers.may_be_due(t0 + us(1_249)));
    assert_eq!(timers.next_deadline(), Some(t0 + us(1_250)));
    assert_eq!(
        timers.fire(t0 + us(1_250) - Duration::from_nanos(1), &mut out),
        0
    );
    assert!(timers.may_be_due(t0 + us(1_250)));
    assert_eq!(timers.fire(t0 + us(1_250), &mut out), 1);
    assert_eq!(tags(&mut out), [1]);
    assert!(timers.is_empty());
}

#[test]
fn a_timer_held_back_in_its_tick_can_be_cancelled_and_found() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    let id = timers.insert(t0 + us(2_900), tagged(1));
    let mut out = Vec::new();
    assert_eq!(timers.fire(t0 + us(2_100), &mut out), 0);
    assert!(timers.contains(id));
    assert_eq!(timers.deadline(id), Some(t0 + us(2_900)));
    assert!(timers.cancel(id).is_some());
    assert!(!timers.may_have_pending());
    assert_eq!(timers.fire(t0 + us(3_000), &mut out), 0);
}

#[test]
fn deadlines_inside_one_tick_fire_in_order_and_equal_ones_first_in_first_out() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    // All inside the fourth millisecond, inserted out of order; 2 and 3 share a deadline.
    timers.insert(t0 + us(3_700), tagged(4));
    timers.insert(t0 + us(3_300), tagged(2));
    timers.insert(t0 + us(3_300), tagged(3));
    timers.insert(t0 + us(3_010), tagged(1));
    let mut out = Vec::new();
    assert_eq!(timers.fire(t0 + us(3_300), &mut out), 3);
    assert_eq!(tags(&mut out), [1, 2, 3]);
    // One more at the held timer's deadline, inserted after it: fires after it.
    timers.insert(t0 + us(3_700), tagged(5));
    assert_eq!(timers.next_deadline(), Some(t0 + us(3_700)));
    assert_eq!(timers.fire(t0 + us(3_700), &mut out), 2);
    assert_eq!(tags(&mut out), [4, 5]);
}

#[test]
fn driving_by_next_deadline_fires_each_timer_at_its_deadline() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    // Spread over several wheel levels, sub-millisecond offsets everywhere.
    let mut expected = BTreeMap::new();
    let mut x = 0x9e37_79b9_u64;
    for tag in 0..2_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = t0 + Duration::from_nanos(x % 20_000_000_000);
        timers.insert(at, tagged(tag));
        expected.insert((at, tag), ());
    }
    let mut out = Vec::new();
    let mut seen = 0;
    while let Some(next) = timers.next_deadline() {
        let n = timers.fire(next, &mut out);
        for tag in tags(&mut out) {
            let (&(at, want), ()) = expected.iter().next().expect("a timer fired twice");
            assert_eq!(
                (tag, next),
                (want, at),
                "fired out of order or not at its deadline"
            );
            expected.remove(&(at, want));
        }
        seen += n;
    }
    assert_eq!(seen, 2_000);
    assert!(expected.is_empty());
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Op {
    /// A timer due this many nanoseconds after now (or at an earlier insert's deadline).
    Insert(u64),
    Again(usize),
    Cancel(usize),
    /// Moves the clock on by this many nanoseconds and fires what is due.
    Fire(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3_000_000u64).prop_map(Op::Insert),
        1 => (0..300_000_000_000u64).prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Again),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => (0..1_500_000u64).prop_map(Op::Fire),
        1 => (0..100_000_000_000u64).prop_map(Op::Fire),
    ]
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    let mut now = t0;
    // (deadline, tag) of the live timers; tags grow, so this orders as `fire` must.
    let mut model = BTreeMap::<(Instant, u32), TimerId>::new();
    let mut issued: Vec<(Instant, u32, TimerId)> = Vec::new();
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Insert(_) | Op::Again(_) => {
                let at = match op {
                    Op::Again(i) if !issued.is_empty() => issued[i % issued.len()].0,
                    Op::Insert(ns) => now + Duration::from_nanos(ns),
                    _ => now,
                };
                let tag = issued.len() as u32;
                let id = timers.insert(at, tagged(tag));
                model.insert((at, tag), id);
                issued.push((at, tag, id));
            }
            Op::Cancel(i) => {
                if issued.is_empty() {
                    continue;
                }
                let (at, tag, id) = issued[i % issued.len()];
                let live = model.remove(&(at, tag)).is_some();
                prop_assert_eq!(timers.cancel(id).is_some(), live);
            }
            Op::Fire(ns) => {
                now += Duration::from_nanos(ns);
                let want: Vec<u32> = model
                    .range(..=(now, u32::MAX))
                    .map(|(&(_, tag), _)| tag)
                    .collect();
                model.retain(|&(at, _), _| at > now);
                if !timers.may_be_due(now) {
                    prop_assert!(want.is_empty(), "may_be_due missed {:?}", want);
                }
                timers.fire(now, &mut out);
                prop_assert_eq!(tags(&mut out), want);
            }
        }
        prop_assert_eq!(timers.len(), model.len());
        let earliest = model.keys().next().map(|&(at, _)| at);
        let next = timers.next_deadline();
        prop_assert_eq!(next.is_some(), earliest.is_some());
        if let (Some(next), Some(earliest)) = (next, earliest) {
            prop_assert!(
                next <= earliest,
                "next_deadline {next:?} after the earliest {earliest:?}"
            );
            // Due within the millisecond that has begun (the wheel's current tick): the answer is
            // exact.
            let ms = |at: Instant| at.duration_since(t0).as_millis();
            if ms(earliest) <= ms(now) {
                prop_assert_eq!(next, earliest);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn timers_match_a_model_with_nanosecond_deadlines(ops in prop::collection::vec(op(), 1..200)) {
        check(ops)?;
    }
}
