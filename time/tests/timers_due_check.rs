//! `Timers::may_be_due` / `may_have_pending`: the loop's cheap "is a timer due?" check never misses a
//! due timer, whatever was inserted, cancelled or fired before.

use std::time::Duration;

use tulip_time::{Clock, TimerAction, Timers};

fn call() -> TimerAction {
    TimerAction::Call(Box::new(|| {}))
}

#[test]
fn cancelling_the_earliest_timer_does_not_hide_a_later_one() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    let early = timers.insert(t0 + Duration::from_millis(5), call());
    timers.insert(t0 + Duration::from_millis(10), call());
    assert!(timers.cancel(early).is_some());
    assert!(!timers.may_be_due(t0 + Duration::from_millis(4)));
    // The exact next deadline is the later timer's.
    assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_millis(10)));
    assert!(!timers.may_be_due(t0 + Duration::from_millis(9)));
    assert!(timers.may_be_due(t0 + Duration::from_millis(10)));
    let mut out = Vec::new();
    assert_eq!(timers.fire(t0 + Duration::from_millis(10), &mut out), 1);
    assert!(!timers.may_have_pending());
}

#[test]
fn insert_after_fire_lowers_the_check() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    timers.insert(t0 + Duration::from_millis(50), call());
    let mut out = Vec::new();
    assert_eq!(timers.fire(t0 + Duration::from_millis(1), &mut out), 0);
    assert!(!timers.may_be_due(t0 + Duration::from_millis(2)));
    timers.insert(t0 + Duration::from_millis(2), call());
    assert!(timers.may_be_due(t0 + Duration::from_millis(2)));
    assert_eq!(timers.fire(t0 + Duration::from_millis(2), &mut out), 1);
    assert!(timers.may_have_pending());
    assert!(!timers.may_be_due(t0 + Duration::from_millis(49)));
    assert!(timers.may_be_due(t0 + Duration::from_millis(50)));
}

#[test]
fn a_timer_due_never_does_not_count_and_clear_empties_the_check() {
    let timers = Timers::new(Clock::paused());
    let t0 = timers.now();
    // Past the wheel's last tick (about 584 million years): due "never".
    timers.insert(t0 + Duration::from_secs(u64::MAX / 100), call());
    assert!(!timers.may_have_pending());
    let id = timers.insert(t0 + Duration::from_millis(3), call());
    assert!(timers.may_have_pending());
    timers.cancel(id);
    let mut out = Vec::new();
    assert_eq!(timers.fire(t0 + Duration::from_secs(3600), &mut out), 0);
    assert_eq!(timers.len(), 1);
    timers.insert(t0 + Duration::from_secs(7200), call());
    assert!(timers.may_have_pending());
    timers.clear();
    assert!(!timers.may_have_pending());
}

#[test]
fn a_past_deadline_is_due_at_once() {
    let timers = Timers::new(Clock::paused());
    timers.clock().advance(Duration::from_millis(100));
    let now = timers.now();
    timers.insert(now - Duration::from_millis(50), call());
    assert!(timers.may_be_due(now));
    let mut out = Vec::new();
    assert_eq!(timers.fire(now, &mut out), 1);
}
