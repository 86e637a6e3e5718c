//! The timer wheel checked against a `BTreeMap` model: random inserts, cancels and advances.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tulip_time::wheel::{TimerKey, Wheel};

const DAY: u64 = 86_400_000;
/// The wheel's top-level range, `64^6` ticks.
const EPOCH: u64 = 1 << 36;

/// How an insert picks its deadline.
#[derive(Debug, Clone)]
enum When {
    /// `elapsed + delta`: near, hours or days ahead, or beyond the top level.
    Ahead(u64),
    /// `elapsed - delta`, saturating: already due.
    Past(u64),
    /// The deadline of an earlier insert (picked by index), to cluster equal deadlines that
    /// entered the wheel at different levels.
    Again(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Insert(When),
    /// Cancels the key of an earlier insert (picked by index): live, fired or cancelled.
    Cancel(usize),
    /// Advances by `delta` ticks past `elapsed` (a delta of 0 re-advances to `elapsed`).
    Advance(u64),
    /// Advances to a tick before `elapsed`, which counts as `elapsed`.
    AdvanceBack(u64),
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        3 => (0..70u64).prop_map(When::Ahead),
        3 => (0..300_000u64).prop_map(When::Ahead),
        2 => (0..20 * DAY).prop_map(When::Ahead),
        1 => (EPOCH - 1_000..3 * EPOCH).prop_map(When::Ahead),
        1 => any::<u64>().prop_map(When::Ahead),
        1 => (0..1_000u64).prop_map(When::Past),
        3 => any::<usize>().prop_map(When::Again),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => when().prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Cancel),
        2 => (0..100u64).prop_map(Op::Advance),
        1 => (0..100_000u64).prop_map(Op::Advance),
        1 => (0..30 * DAY).prop_map(Op::Advance),
        1 => (0..4 * EPOCH).prop_map(Op::Advance),
        1 => (0..10u64).prop_map(Op::AdvanceBack),
    ]
}

/// What the test knows about one insert.
struct Issued {
    key: TimerKey,
    deadline: u64,
    seq: u64,
}

/// Runs `ops` against the wheel and the model, checking after every step.
fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut wheel = Wheel::new();
    // (deadline, insertion sequence) -> value; the value is the sequence number itself.
    let mut model = BTreeMap::<(u64, u64), u64>::new();
    let mut issued: Vec<Issued> = Vec::new();
    let mut now = 0u64;
    let mut fired = Vec::new();

    for op in ops {
        match op {
            Op::Insert(when) => {
                let deadline = match when {
                    When::Ahead(delta) => now.saturating_add(delta),
                    When::Past(delta) => now.saturating_sub(delta),
                    When::Again(i) if !issued.is_empty() => issued[i % issued.len()].deadline,
                    When::Again(_) => now,
                };
                let seq = issued.len() as u64;
                let key = wheel.insert(deadline, seq);
                prop_assert_eq!(wheel.deadline(key), Some(deadline));
                model.insert((deadline, seq), seq);
                issued.push(Issued { key, deadline, seq });
            }
            Op::Cancel(i) => {
                if issued.is_empty() {
                    continue;
                }
                let Issued { key, deadline, seq } = issued[i % issued.len()];
                let expected = model.remove(&(deadline, seq));
                prop_assert_eq!(wheel.cancel(key), expected);
                prop_assert_eq!(wheel.deadline(key), None);
                prop_assert_eq!(wheel.get_mut(key), None);
            }
            Op::Advance(_) | Op::AdvanceBack(_) => {
                let target = match op {
                    Op::Advance(delta) => now.saturating_add(delta),
                    Op::AdvanceBack(delta) => now.saturating_sub(delta),
                    _ => unreachable!(),
                };
                now = now.max(target);
                fired.clear();
                let n = wheel.advance(target, &mut fired);
                prop_assert_eq!(n, fired.len());
                prop_assert_eq!(wheel.elapsed(), now);
                let mut expected = Vec::new();
                while let Some(entry) = model.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    expected.push(entry.remove());
                }
                prop_assert_eq!(&fired, &expected, "advance to {}", now);
            }
        }

        prop_assert_eq!(wheel.len(), model.len());
        prop_assert_eq!(wheel.is_empty(), model.is_empty());
        let earliest = model.keys().next().map(|&(deadline, _)| deadline);
        match (wheel.next_deadline(), earliest) {
            (None, None) => {}
            (Some(next), Some(earliest)) => prop_assert!(
                next <= earliest,
                "next_deadline {} after the earliest deadline {}",
                next,
                earliest
            ),
            (next, earliest) => {
                prop_assert!(false, "next_deadline {next:?}, earliest {earliest:?}")
            }
        }
    }

    // Drain: everything left fires, in order.
    fired.clear();
    wheel.advance(u64::MAX, &mut fired);
    let expected: Vec<u64> = model.into_values().collect();
    prop_assert_eq!(fired, expected);
    prop_assert!(wheel.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wheel_matches_model(ops in prop::collection::vec(op(), 1..200)) {
        check(ops)?;
    }
}

/// Equal deadlines inserted from many elapsed ticks come out in insertion order.
#[test]
fn clustered_deadlines_keep_insertion_order() {
    let deadline = 5 * DAY + 123;
    let mut ops = vec![Op::Insert(When::Ahead(deadline))];
    for step in [DAY, 3_600_000, 60_000, 5_000, 300, 50, 1] {
        ops.push(Op::Advance(step));
        // Same absolute deadline as the first insert, now on a finer level.
        ops.push(Op::Insert(When::Again(0)));
    }
    ops.push(Op::Advance(10 * DAY));
    check(ops).unwrap();
}

/// xorshift64: a small deterministic generator, enough for test data.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 100 000 random deadlines, advanced over in random steps: each advance returns exactly the
/// timers due by then, in (deadline, insertion) order.
#[test]
fn hundred_thousand_timers_fire_in_order() {
    const N: usize = 100_000;
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut wheel = Wheel::with_capacity(N);
    let mut expected: Vec<(u64, usize)> = (0..N)
        .map(|i| {
            let r = rng.next();
            let deadline = match r % 10 {
                0 => r % 1_000,                // clustered near the start
                1 => EPOCH + (r >> 8) % EPOCH, // beyond the top level
                _ => (r >> 8) % (10 * DAY),
            };
            (deadline, i)
        })
        .collect();
    for &(deadline, i) in &expected {
        wheel.insert(deadline, (deadline, i));
    }
    assert_eq!(wheel.len(), N);
    expected.sort_unstable();

    let last = expected.last().unwrap().0;
    let mut now = 0u64;
    let mut next = 0usize;
    let mut fired = Vec::new();
    while now < last {
        let r = rng.next();
        now += match r % 4 {
            0 => r % 16,
            1 => r % 10_000,
            2 => r % DAY,
            _ => r % EPOCH,
        };
        fired.clear();
        wheel.advance(now, &mut fired);
        let end = expected.partition_point(|&(deadline, _)| deadline <= now);
        assert_eq!(fired, expected[next..end], "advance to {now}");
        next = end;
        assert_eq!(wheel.len(), N - next);
    }
    assert!(wheel.is_empty());
    assert_eq!(next, N);
}
