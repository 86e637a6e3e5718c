//! Wakers that outlive their loop: a task's waker (or the waker of the future given to `block_on`)
//! kept by some other object and used after the loop closed or was dropped, on the loop's thread or on
//! another one, is harmless: no panic, no abort, nothing runs, and the task's future is not polled again.
//! asyncio has no wakers; its nearest idea, `call_soon_threadsafe` on a closed loop, raises
//! `RuntimeError` to the caller, whereas a waker has no way to report: it does nothing.

mod support;

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;

use support::{paused_loop, real_loop, yield_many};

type Slot = Arc<Mutex<Option<Waker>>>;

/// A future that stores its waker in `slot`, counts its polls, and never completes.
fn parked(slot: Slot, polls: Arc<AtomicUsize>) -> impl std::future::Future<Output = ()> {
    poll_fn(move |cx| {
        polls.fetch_add(1, Ordering::SeqCst);
        *slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    })
}

fn take(slot: &Slot) -> Waker {
    slot.lock().unwrap().take().expect("the task parked")
}

/// Every way of using a waker: by reference, by value, clones, and dropping them.
fn use_waker(w: Waker) {
    w.wake_by_ref();
    let c = w.clone();
    c.wake();
    let d = w.clone();
    drop(w);
    d.wake_by_ref();
    drop(d);
}

#[test]
fn task_waker_used_after_close_on_the_loop_thread_does_nothing() {
    let lp = paused_loop();
    let slot: Slot = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    lp.spawn(parked(slot.clone(), polls.clone())).detach();
    lp.block_on(yield_many(2));
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    let w = take(&slot);
    lp.close();
    use_waker(w);
    assert_eq!(polls.load(Ordering::SeqCst), 1, "polled after close");
}

#[test]
fn task_waker_used_after_the_loop_was_dropped_does_nothing() {
    let lp = paused_loop();
    let slot: Slot = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    lp.spawn(parked(slot.clone(), polls.clone())).detach();
    lp.block_on(yield_many(2));
    let w = take(&slot);
    drop(lp);
    use_waker(w);
    assert_eq!(polls.load(Ordering::SeqCst), 1);
}

#[test]
fn task_waker_used_from_another_thread_after_the_loop_was_dropped_does_nothing() {
    let lp = real_loop();
    let slot: Slot = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    lp.spawn(parked(slot.clone(), polls.clone())).detach();
    lp.block_on(yield_many(2));
    let w = take(&slot);
    let w2 = w.clone();
    drop(lp);
    thread::spawn(move || use_waker(w)).join().unwrap();
    // The last reference dropped on another thread too.
    thread::spawn(move || drop(w2)).join().unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 1);
}

#[test]
fn task_waker_used_from_another_thread_after_close_does_nothing() {
    let lp = real_loop();
    let slot: Slot = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    lp.spawn(parked(slot.clone(), polls.clone())).detach();
    lp.block_on(yield_many(2));
    let w = take(&slot);
    lp.close();
    thread::spawn(move || use_waker(w)).join().unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    drop(lp);
}

/// The waker of the future given to `block_on`, kept after `block_on` returned (the future was
/// dropped), used while the loop is idle, then after the loop is gone.
#[test]
fn block_on_waker_kept_after_block_on_returned_does_nothing() {
    let lp = real_loop();
    let slot: Slot = Arc::default();
    let s = slot.clone();
    lp.block_on(async move {
        let mut first = true;
        poll_fn(|cx| {
            if first {
                first = false;
                *s.lock().unwrap() = Some(cx.waker().clone());
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    });
    let w = take(&slot);
    w.wake_by_ref();
    // A stale wake-up must not make the next block_on misbehave.
    assert_eq!(lp.block_on(async { 9 }), 9);
    let w2 = w.clone();
    thread::spawn(move || w2.wake()).join().unwrap();
    assert_eq!(lp.block_on(async { 10 }), 10);
    drop(lp);
    use_waker(w);
}

/// A waker of loop A's task woken while loop B runs on the same thread (A idle, not running): B is not
/// disturbed, and A polls the task the next time it runs.
#[test]
fn waker_of_an_idle_loop_woken_from_another_loop_on_the_same_thread() {
    let a = paused_loop();
    let b = paused_loop();
    let slot: Slot = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    a.spawn(parked(slot.clone(), polls.clone())).detach();
    a.block_on(yield_many(2));
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    let w = take(&slot);
    let out = b.block_on(async move {
        w.wake();
        yield_many(3).await;
        tulip::spawn(async { 11 }).await
    });
    assert_eq!(out, 11);
    assert_eq!(polls.load(Ordering::SeqCst), 1, "B polled A's task");
    a.block_on(yield_many(2));
    assert_eq!(polls.load(Ordering::SeqCst), 2, "A lost the wake-up");
}
