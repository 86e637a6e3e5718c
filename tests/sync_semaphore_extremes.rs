//! A `Semaphore` at the ends of its range, and `try_acquire` when no permit is free.
//!
//! - A failed `try_acquire` takes nothing and gives nothing. It used to *add* a permit (the guard was
//!   built eagerly with `bool::then_some` and dropped on failure, and its `Drop` released a permit): a
//!   `Semaphore::new(0)` polled with `try_acquire` let the next `acquire` through, and a
//!   `BoundedSemaphore` went above its bound. asyncio: `if sem.locked(): ...` takes nothing.
//! - asyncio's counter is an unbounded int; tulip's is a `usize`: releasing a semaphore that already
//!   has `usize::MAX` free permits keeps `usize::MAX` (it used to overflow: a panic in debug builds, and
//!   in release builds a wrap to 0 free permits, after which every `acquire` waits forever).

mod support;

use support::paused_loop;
use tulip::sync::{BoundedSemaphore, Semaphore};

#[test]
fn release_past_usize_max_saturates() {
    let sem = Semaphore::new(usize::MAX);
    sem.release();
    assert_eq!(sem.available_permits(), usize::MAX);
    assert!(!sem.locked());
    paused_loop().block_on(async {
        let _p = sem.acquire().await;
        assert_eq!(sem.available_permits(), usize::MAX - 1);
    });
    assert_eq!(sem.available_permits(), usize::MAX);
}

#[test]
fn a_failed_try_acquire_takes_and_gives_nothing() {
    let sem = Semaphore::new(0);
    for _ in 0..3 {
        assert!(sem.try_acquire().is_none());
    }
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.locked());

    let bounded = BoundedSemaphore::new(1);
    let held = bounded.try_acquire().expect("the one permit");
    assert!(bounded.try_acquire().is_none());
    assert_eq!(bounded.available_permits(), 0);
    drop(held);
    assert_eq!(bounded.available_permits(), 1, "above the bound");
    assert!(bounded.release().is_err());
}

#[test]
fn zero_permits_waits_until_a_release() {
    paused_loop().block_on(async {
        let sem = std::rc::Rc::new(Semaphore::new(0));
        assert!(sem.try_acquire().is_none());
        let s = sem.clone();
        let t = tulip::spawn(async move {
            let _p = s.acquire().await;
            1
        });
        support::yield_many(3).await;
        assert!(!t.is_finished());
        sem.release();
        assert_eq!(t.await, 1);
        assert_eq!(sem.available_permits(), 1);
    });
}
