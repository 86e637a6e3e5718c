//! `Barrier` (asyncio 3.11): arrival indices, cyclic rounds, abort, reset, withdrawn parties.

mod support;

use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::spawn;
use tulip::sync::{Barrier, BrokenBarrierError};
use tulip::time::{now, sleep};

/// asyncio: `wait()` — "When all the tasks party to the barrier have called this function, they are
/// all unblocked simultaneously. ... returns an integer in the range of 0 to parties-1".
///
/// ```python
/// barrier = asyncio.Barrier(3)
/// async def party(delay):
///     await asyncio.sleep(delay)
///     return await barrier.wait()
/// await asyncio.gather(party(0.03), party(0.01), party(0.02))   # [2, 0, 1]
/// ```
#[test]
fn all_parties_are_released_together_with_arrival_indices() {
    paused_loop().block_on(async {
        let barrier = Rc::new(Barrier::new(3));
        let t0 = now();
        let tasks: Vec<_> = [30u64, 10, 20]
            .map(|ms| {
                let b = barrier.clone();
                spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    let index = b.wait().await.unwrap();
                    (index, now())
                })
            })
            .into_iter()
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await);
        }
        let indices: Vec<_> = out.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, [2, 0, 1], "index = arrival order");
        assert!(out
            .iter()
            .all(|(_, at)| *at - t0 == Duration::from_millis(30)));
    });
}

/// asyncio: the barrier "can be reused any number of times".
#[test]
fn the_barrier_is_cyclic() {
    paused_loop().block_on(async {
        let barrier = Rc::new(Barrier::new(2));
        let b = barrier.clone();
        let other = spawn(async move {
            for _ in 0..3 {
                b.wait().await.unwrap();
            }
        });
        for _ in 0..3 {
            barrier.wait().await.unwrap();
        }
        other.await;
        assert_eq!(barrier.n_waiting(), 0);
    });
}

/// asyncio: `abort()` — "Put the barrier into a broken state. This causes any active or future calls
/// to wait() to fail with the BrokenBarrierError."
#[test]
fn abort_breaks_current_and_future_waits() {
    paused_loop().block_on(async {
        let barrier = Rc::new(Barrier::new(3));
        let b = barrier.clone();
        let waiter = spawn(async move { b.wait().await });
        sleep(Duration::from_millis(1)).await;
        assert_eq!(barrier.n_waiting(), 1);
        barrier.abort();
        assert_eq!(waiter.await, Err(BrokenBarrierError));
        assert!(barrier.broken());
        assert_eq!(barrier.wait().await, Err(BrokenBarrierError));
    });
}

/// asyncio: `reset()` — "Return the barrier to the default, empty state. Any tasks waiting on it will
/// receive the BrokenBarrierError exception."
#[test]
fn reset_breaks_the_waiters_and_empties_the_barrier() {
    paused_loop().block_on(async {
        let barrier = Rc::new(Barrier::new(2));
        let b = barrier.clone();
        let waiter = spawn(async move { b.wait().await });
        sleep(Duration::from_millis(1)).await;
        barrier.reset();
        assert_eq!(waiter.await, Err(BrokenBarrierError));
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);

        let b = barrier.clone();
        let again = spawn(async move { b.wait().await });
        sleep(Duration::from_millis(1)).await;
        assert_eq!(barrier.wait().await, Ok(1));
        assert_eq!(again.await, Ok(0), "usable again after reset");
    });
}

/// asyncio: a party cancelled while waiting leaves the barrier ("the count of waiting tasks is
/// decremented"), so the round needs one more arrival.
#[test]
fn a_cancelled_party_is_withdrawn() {
    paused_loop().block_on(async {
        let barrier = Rc::new(Barrier::new(2));
        let b = barrier.clone();
        let quitter = spawn(async move { b.wait().await });
        sleep(Duration::from_millis(1)).await;
        assert_eq!(barrier.n_waiting(), 1);
        quitter.cancel().await;
        assert_eq!(barrier.n_waiting(), 0);

        let b = barrier.clone();
        let stayer = spawn(async move { b.wait().await });
        sleep(Duration::from_millis(1)).await;
        assert!(!stayer.is_finished(), "one party is not enough");
        assert_eq!(barrier.wait().await, Ok(1));
        assert_eq!(stayer.await, Ok(0));
    });
}

/// `Barrier::new(0)`: asyncio raises `ValueError('parties must be > 0')`
/// (`scripts/asyncio_ref/bad_sizes.py`); tulip never panics on it and follows
/// `std::sync::Barrier::new(0)`, which behaves as a barrier for one party (each `wait` is released
/// at once).
#[test]
fn a_barrier_for_zero_parties_behaves_as_one_for_one_party() {
    paused_loop().block_on(async {
        let barrier = Barrier::new(0);
        assert_eq!(barrier.parties(), 1);
        assert_eq!(barrier.wait().await, Ok(0));
        assert_eq!(barrier.wait().await, Ok(0));
        assert_eq!(barrier.n_waiting(), 0);
    });
}
