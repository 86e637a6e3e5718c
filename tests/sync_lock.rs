//! `Lock`: mutual exclusion across awaits, `locked`, `try_acquire`, order of waiters, cancellation.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::spawn;
use tulip::sync::Lock;
use tulip::time::sleep;

/// asyncio: "Implements a mutex lock for asyncio tasks." Only one task at a time is inside, even
/// across awaits.
///
/// ```python
/// async with lock:
///     seen = counter
///     await asyncio.sleep(0.001)
///     counter = seen + 1
/// ```
#[test]
fn one_task_at_a_time_even_across_awaits() {
    paused_loop().block_on(async {
        let counter = Rc::new(Lock::new(0u32));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let counter = counter.clone();
                spawn(async move {
                    let mut n = counter.acquire().await;
                    let seen = *n;
                    sleep(Duration::from_millis(1)).await;
                    *n = seen + 1;
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        assert_eq!(*counter.acquire().await, 20, "no update was lost");
    });
}

/// asyncio: `locked()` — "Return True if the lock is locked"; `release()` is dropping the guard.
///
/// ```python
/// await lock.acquire()
/// assert lock.locked()
/// lock.release()
/// assert not lock.locked()
/// ```
#[test]
fn locked_follows_the_guard() {
    paused_loop().block_on(async {
        let lock = Lock::new(());
        assert!(!lock.locked());
        let guard = lock.acquire().await;
        assert!(lock.locked());
        assert!(lock.try_acquire().is_none());
        drop(guard);
        assert!(!lock.locked());
        assert!(lock.try_acquire().is_some());
    });
}

/// asyncio: "The lock is fair: ... the first coroutine that started waiting on the lock proceeds."
#[test]
fn waiters_get_the_lock_in_the_order_they_came() {
    paused_loop().block_on(async {
        let lock = Rc::new(Lock::new(()));
        let order = Rc::new(RefCell::new(Vec::new()));
        let guard = lock.acquire().await;
        let waiters: Vec<_> = (0..5)
            .map(|id| {
                let (lock, order) = (lock.clone(), order.clone());
                spawn(async move {
                    let _g = lock.acquire().await;
                    order.borrow_mut().push(id);
                    tulip::yield_now().await;
                })
            })
            .collect();
        tulip::yield_now().await;
        drop(guard);
        for w in waiters {
            w.await;
        }
        assert_eq!(*order.borrow(), [0, 1, 2, 3, 4]);
    });
}

/// asyncio: a task cancelled while waiting for the lock does not take it, and the next waiter gets it.
#[test]
fn a_cancelled_waiter_does_not_block_the_others() {
    paused_loop().block_on(async {
        let lock = Rc::new(Lock::new(()));
        let guard = lock.acquire().await;
        let (l1, l2) = (lock.clone(), lock.clone());
        let first = spawn(async move {
            let _g = l1.acquire().await;
        });
        let second = spawn(async move {
            let _g = l2.acquire().await;
            "second got it"
        });
        tulip::yield_now().await;
        assert_eq!(first.cancel().await, None);
        drop(guard);
        assert_eq!(second.await, "second got it");
        assert!(!lock.locked());
    });
}

/// Rust only: a guard is released when a task holding it is cancelled (its future is dropped).
#[test]
fn cancelling_the_holder_releases_the_lock() {
    paused_loop().block_on(async {
        let lock = Rc::new(Lock::new(()));
        let l = lock.clone();
        let holder = spawn(async move {
            let _g = l.acquire().await;
            sleep(Duration::from_secs(3600)).await;
        });
        tulip::yield_now().await;
        assert!(lock.locked());
        holder.cancel().await;
        assert!(!lock.locked());
    });
}
