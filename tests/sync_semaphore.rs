//! `Semaphore` and `BoundedSemaphore`: concurrency limit, `locked`, release, over-release errors.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::spawn;
use tulip::sync::{BoundedSemaphore, ReleaseError, Semaphore};
use tulip::time::{now, sleep};

/// asyncio: "A semaphore manages an internal counter which is decremented by each acquire() call and
/// incremented by each release() call."
///
/// ```python
/// sem = asyncio.Semaphore(2)
/// async with sem:          # at most two tasks in here at once
///     await work()
/// ```
#[test]
fn at_most_value_tasks_hold_a_permit() {
    paused_loop().block_on(async {
        let sem = Rc::new(Semaphore::new(2));
        let running = Rc::new(Cell::new(0));
        let peak = Rc::new(Cell::new(0));
        let t0 = now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (sem, running, peak) = (sem.clone(), running.clone(), peak.clone());
                spawn(async move {
                    let _permit = sem.acquire().await;
                    running.set(running.get() + 1);
                    peak.set(peak.get().max(running.get()));
                    sleep(Duration::from_millis(10)).await;
                    running.set(running.get() - 1);
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        assert_eq!(peak.get(), 2);
        assert_eq!(now() - t0, Duration::from_millis(30), "three rounds of two");
        assert_eq!(sem.available_permits(), 2);
    });
}

/// asyncio: `locked()` — "Returns True if semaphore can not be acquired immediately."
#[test]
fn locked_when_no_permit_is_left() {
    paused_loop().block_on(async {
        let sem = Semaphore::new(1);
        assert!(!sem.locked());
        let permit = sem.acquire().await;
        assert!(sem.locked());
        assert!(sem.try_acquire().is_none());
        drop(permit);
        assert!(!sem.locked());
    });
}

/// asyncio: `Semaphore.release()` — "Unlike BoundedSemaphore, Semaphore allows making more release()
/// calls than acquire() calls."
#[test]
fn a_plain_semaphore_may_be_released_past_its_initial_value() {
    let sem = Semaphore::new(1);
    sem.release();
    sem.release();
    assert_eq!(sem.available_permits(), 3);
}

/// asyncio: a release wakes a waiting acquirer.
///
/// ```python
/// sem = asyncio.Semaphore(0)
/// waiter = asyncio.create_task(sem.acquire())
/// sem.release()
/// await waiter
/// ```
#[test]
fn release_wakes_a_waiter() {
    paused_loop().block_on(async {
        let sem = Rc::new(Semaphore::new(0));
        let s = sem.clone();
        let waiter = spawn(async move { s.acquire().await.forget() });
        sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        sem.release();
        waiter.await;
        assert_eq!(sem.available_permits(), 0);
    });
}

/// asyncio: `BoundedSemaphore` — "raises a ValueError in release() if it increases the internal counter
/// above the initial value."
///
/// ```python
/// sem = asyncio.BoundedSemaphore(1)
/// await sem.acquire()
/// sem.release()
/// sem.release()      # ValueError: BoundedSemaphore released too many times
/// ```
#[test]
fn a_bounded_semaphore_refuses_over_release() {
    paused_loop().block_on(async {
        let sem = BoundedSemaphore::new(1);
        assert_eq!(sem.release(), Err(ReleaseError), "nothing was acquired");
        sem.acquire().await.forget();
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(ReleaseError));
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(
            ReleaseError.to_string(),
            "BoundedSemaphore released too many times"
        );
    });
}

/// A permit held by a guard returns by dropping the guard; a manual `release()` on top of it would be
/// the over-release, so it errs and the count stays within the bound.
#[test]
fn a_guard_and_a_manual_release_do_not_add_up() {
    paused_loop().block_on(async {
        let sem = BoundedSemaphore::new(2);
        let permit = sem.acquire().await;
        assert_eq!(sem.release(), Err(ReleaseError));
        drop(permit);
        assert_eq!(sem.available_permits(), 2);
        assert!(sem.available_permits() <= sem.bound());
    });
}

/// asyncio: a task cancelled while waiting for a permit takes none, and the permit goes to the next.
#[test]
fn a_cancelled_acquirer_passes_the_permit_on() {
    paused_loop().block_on(async {
        let sem = Rc::new(BoundedSemaphore::new(1));
        let held = sem.acquire().await;
        let (s1, s2) = (sem.clone(), sem.clone());
        let first = spawn(async move {
            let _p = s1.acquire().await;
        });
        let second = spawn(async move {
            let _p = s2.acquire().await;
            "second"
        });
        tulip::yield_now().await;
        drop(held); // wakes `first`...
        assert_eq!(first.cancel().await, None); // ...cancelled before it runs
        assert_eq!(second.await, "second");
        assert_eq!(sem.available_permits(), 1);
    });
}
