//! `Condition`: `notify(n)` wakes exactly n waiters, `notify_all` wakes all, `wait_for` re-checks.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::sync::Condition;
use tulip::time::sleep;
use tulip::{spawn, Task};

fn waiters(cond: &Rc<Condition<u32>>, woken: &Rc<Cell<usize>>, n: usize) -> Vec<Task<()>> {
    (0..n)
        .map(|_| {
            let (cond, woken) = (cond.clone(), woken.clone());
            spawn(async move {
                let guard = cond.acquire().await;
                let _guard = cond.wait(guard).await;
                woken.set(woken.get() + 1);
            })
        })
        .collect()
}

/// asyncio: `notify(n=1)` — "Wake up n tasks (1 by default) waiting on this condition."
///
/// ```python
/// async with cond:
///     cond.notify(1)      # exactly one of the three waiters wakes
/// ```
#[test]
fn notify_one_wakes_exactly_one_waiter() {
    paused_loop().block_on(async {
        let cond = Rc::new(Condition::new(0));
        let woken = Rc::new(Cell::new(0));
        let tasks = waiters(&cond, &woken, 3);
        sleep(Duration::from_millis(1)).await;

        assert_eq!(cond.notify(1), 1);
        sleep(Duration::from_millis(10)).await;
        assert_eq!(woken.get(), 1, "one waiter woke, two still wait");

        assert_eq!(cond.notify(1), 1);
        sleep(Duration::from_millis(10)).await;
        assert_eq!(woken.get(), 2);

        assert_eq!(cond.notify_all(), 1);
        for t in tasks {
            t.await;
        }
        assert_eq!(woken.get(), 3);
    });
}

/// asyncio: two `notify(1)` calls in a row wake two waiters (the second skips the one already woken).
#[test]
fn back_to_back_notifies_add_up() {
    paused_loop().block_on(async {
        let cond = Rc::new(Condition::new(0));
        let woken = Rc::new(Cell::new(0));
        let tasks = waiters(&cond, &woken, 3);
        sleep(Duration::from_millis(1)).await;
        cond.notify(1);
        cond.notify(1);
        sleep(Duration::from_millis(10)).await;
        assert_eq!(woken.get(), 2);
        assert_eq!(cond.notify(5), 1, "only one waiter was left");
        for t in tasks {
            t.await;
        }
    });
}

/// asyncio: `notify_all()` — "Wake up all tasks waiting on this condition."
#[test]
fn notify_all_wakes_everyone() {
    paused_loop().block_on(async {
        let cond = Rc::new(Condition::new(0));
        let woken = Rc::new(Cell::new(0));
        let tasks = waiters(&cond, &woken, 4);
        sleep(Duration::from_millis(1)).await;
        assert_eq!(cond.notify_all(), 4);
        for t in tasks {
            t.await;
        }
        assert_eq!(woken.get(), 4);
    });
}

/// asyncio: `wait_for(predicate)` — "Wait until a predicate becomes true. ... The predicate must be
/// a callable which result will be interpreted as a boolean value."
///
/// ```python
/// async with cond:
///     await cond.wait_for(lambda: stock >= 3)
/// ```
#[test]
fn wait_for_rechecks_the_predicate_after_each_notify() {
    paused_loop().block_on(async {
        let cond = Rc::new(Condition::new(0u32));
        let checks = Rc::new(Cell::new(0));
        let (c, k) = (cond.clone(), checks.clone());
        let consumer = spawn(async move {
            let guard = c.acquire().await;
            let mut guard = c
                .wait_for(guard, |stock| {
                    k.set(k.get() + 1);
                    *stock >= 3
                })
                .await;
            *guard -= 3;
        });
        for _ in 0..3 {
            sleep(Duration::from_millis(1)).await;
            *cond.acquire().await += 1;
            cond.notify_all();
        }
        consumer.await;
        assert_eq!(*cond.acquire().await, 0);
        assert_eq!(
            checks.get(),
            4,
            "checked once at first, then after each of 3 notifies"
        );
    });
}

/// asyncio: `wait()` — "This method releases the underlying lock, and then blocks until it is awakened
/// ... Once awakened, the Condition re-acquires its lock."
#[test]
fn wait_releases_the_lock_and_takes_it_back() {
    paused_loop().block_on(async {
        let cond = Rc::new(Condition::new(()));
        let c = cond.clone();
        let waiter = spawn(async move {
            let guard = c.acquire().await;
            let _guard = c.wait(guard).await;
            assert!(c.locked(), "holding the lock again after wait");
        });
        sleep(Duration::from_millis(1)).await;
        assert!(!cond.locked(), "released while waiting");
        let guard = cond.acquire().await;
        cond.notify(1);
        sleep(Duration::from_millis(1)).await;
        assert!(!waiter.is_finished(), "woken, but the lock is still ours");
        drop(guard);
        waiter.await;
    });
}

/// Rust only: passing another lock's guard is a bug and panics (asyncio raises `RuntimeError` for a
/// `wait()` without the lock).
#[test]
fn waiting_with_a_foreign_guard_panics() {
    paused_loop().block_on(async {
        let t = spawn(async {
            let (a, b) = (Condition::new(()), Condition::new(()));
            let guard = b.acquire().await;
            let _ = a.wait(guard).await;
        });
        assert!(t.join().await.unwrap_err().is_panic());
    });
}
