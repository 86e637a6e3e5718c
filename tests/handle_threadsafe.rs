//! `Handle`: `call_soon_threadsafe` and `spawn` from several threads at once, nothing lost.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use support::{real_loop, Signal};
use tulip::time::timeout;

const THREADS: usize = 4;
const PER_THREAD: usize = 10_000;
/// A hang guard only: the tests finish in well under a second.
const GUARD: Duration = Duration::from_secs(60);

/// asyncio, `loop.call_soon_threadsafe`: "A thread-safe variant of call_soon(). When scheduling
/// callbacks from another thread, this function must be used". From 4 threads at once, each of the
/// 40 000 callbacks runs exactly once, on the loop's thread, and each thread's callbacks keep their
/// order (call_soon's FIFO).
#[test]
fn call_soon_threadsafe_from_four_threads_loses_nothing() {
    let lp = real_loop();
    let handle = lp.handle();
    let loop_thread = thread::current().id();
    let ran = Arc::new(AtomicUsize::new(0));
    let done = Signal::new();
    // Per source thread: the last sequence number seen, and whether any came out of order.
    let order = Arc::new(Mutex::new((vec![None::<usize>; THREADS], 0usize)));
    let off_thread = Arc::new(AtomicUsize::new(0));

    let (r, d, o, off) = (ran.clone(), done.clone(), order.clone(), off_thread.clone());
    lp.block_on(async move {
        let start = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (handle, start) = (handle.clone(), start.clone());
                let (r, d, o, off) = (r.clone(), d.clone(), o.clone(), off.clone());
                thread::spawn(move || {
                    start.wait();
                    for i in 0..PER_THREAD {
                        let (r, d, o, off) = (r.clone(), d.clone(), o.clone(), off.clone());
                        let accepted = handle.call_soon_threadsafe(move || {
                            if thread::current().id() != loop_thread {
                                off.fetch_add(1, Ordering::SeqCst);
                            }
                            let mut g = o.lock().unwrap();
                            if g.0[t].is_some_and(|prev| prev + 1 != i)
                                || (g.0[t].is_none() && i != 0)
                            {
                                g.1 += 1;
                            }
                            g.0[t] = Some(i);
                            drop(g);
                            if r.fetch_add(1, Ordering::SeqCst) + 1 == THREADS * PER_THREAD {
                                d.notify();
                            }
                        });
                        assert!(accepted);
                    }
                })
            })
            .collect();
        timeout(GUARD, d.wait())
            .await
            .expect("every callback ran before the guard elapsed");
        // The threads are done submitting by now; join them off the loop thread.
        tulip::spawn_blocking(move || threads.into_iter().for_each(|t| t.join().unwrap())).await;
    });
    assert_eq!(ran.load(Ordering::SeqCst), THREADS * PER_THREAD);
    assert_eq!(
        off_thread.load(Ordering::SeqCst),
        0,
        "all ran on the loop thread"
    );
    let order = order.lock().unwrap();
    assert_eq!(order.1, 0, "no thread's callbacks ran out of order");
    assert!(order.0.iter().all(|last| *last == Some(PER_THREAD - 1)));
}

/// asyncio, `asyncio.run_coroutine_threadsafe(coro, loop)`: "Submit a coroutine to the given event loop.
/// Thread-safe." 4 threads spawn 10 000 tasks each on a running loop; every one runs once and its
/// output comes back through its `Task`.
#[test]
fn handle_spawn_from_four_threads_loses_nothing() {
    let lp = real_loop();
    let handle = lp.handle();
    let ran = Arc::new(AtomicUsize::new(0));
    let done = Signal::new();
    let (r, d) = (ran.clone(), done.clone());
    let sum = lp.block_on(async move {
        let start = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (handle, start, r, d) = (handle.clone(), start.clone(), r.clone(), d.clone());
                thread::spawn(move || {
                    start.wait();
                    (0..PER_THREAD)
                        .map(|i| {
                            let (r, d) = (r.clone(), d.clone());
                            handle.spawn(async move {
                                tulip::yield_now().await;
                                if r.fetch_add(1, Ordering::SeqCst) + 1 == THREADS * PER_THREAD {
                                    d.notify();
                                }
                                t * PER_THREAD + i
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        timeout(GUARD, d.wait())
            .await
            .expect("every task ran before the guard elapsed");
        let tasks = tulip::spawn_blocking(move || {
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect::<Vec<_>>()
        })
        .await;
        let mut sum = 0;
        for t in tasks {
            sum += t.await;
        }
        sum
    });
    let n = THREADS * PER_THREAD;
    assert_eq!(ran.load(Ordering::SeqCst), n);
    assert_eq!(sum, n * (n - 1) / 2);
}

/// asyncio: `call_soon_threadsafe` wakes a loop that is blocked waiting for I/O ("wake up the event
/// loop"). Round after round the loop goes idle (no timers, nothing ready) and a thread must wake it.
#[test]
fn threadsafe_calls_wake_an_idle_loop() {
    let lp = real_loop();
    let handle = lp.handle();
    lp.block_on(async move {
        for round in 0..200 {
            let signal = Signal::new();
            let (s, h) = (signal.clone(), handle.clone());
            let t = thread::spawn(move || {
                if round % 2 == 0 {
                    assert!(h.call_soon_threadsafe(move || s.notify()));
                } else {
                    h.spawn(async move { s.notify() }).detach();
                }
            });
            timeout(GUARD, signal.wait())
                .await
                .expect("the loop was woken");
            let _ = tulip::spawn_blocking(move || t.join()).await;
        }
    });
}

/// asyncio: a coroutine submitted with `run_coroutine_threadsafe` runs on the target loop, and its result
/// can be awaited elsewhere; tulip's `Task` is `Send`, so another thread's loop can await it.
#[test]
fn task_spawned_through_a_handle_can_be_awaited_on_another_loop() {
    let lp = real_loop();
    let handle = lp.handle();
    let loop_thread = thread::current().id();
    let release = Signal::new();
    let r = release.clone();
    let other = thread::spawn(move || {
        let ran_on = tulip::run(async move {
            handle
                .spawn(async {
                    tulip::time::sleep(Duration::from_millis(1)).await;
                    thread::current().id()
                })
                .await
        });
        r.notify();
        ran_on
    });
    lp.block_on(async {
        timeout(GUARD, release.wait())
            .await
            .expect("the other loop finished");
    });
    assert_eq!(other.join().unwrap(), loop_thread);
}

/// asyncio raises `RuntimeError('Event loop is closed')` for `call_soon_threadsafe` on a closed loop;
/// tulip returns `false` and drops the closure, and `Handle::spawn` gives an already-cancelled task.
#[test]
fn closed_loop_refuses_work() {
    let lp = real_loop();
    let handle = lp.handle();
    assert!(!handle.is_closed());
    lp.close();
    assert!(handle.is_closed());
    let drops = support::DropCount::new();
    let token = drops.token();
    let accepted = thread::spawn(move || {
        handle.call_soon_threadsafe(move || drop(token)) && !handle.spawn(async {}).is_finished()
    })
    .join()
    .unwrap();
    assert!(!accepted);
    assert_eq!(drops.get(), 1, "the refused closure was dropped");
}

/// asyncio, `asyncio.get_running_loop()`; tulip's `Handle::current()` inside a loop and
/// `Handle::try_current()` outside one.
#[test]
fn handle_current_and_try_current() {
    assert!(tulip::Handle::try_current().is_none());
    tulip::run(async {
        let h = tulip::Handle::current();
        assert!(tulip::Handle::try_current().is_some());
        assert!(!h.is_closed());
        let out = thread::spawn(move || h.spawn(async { 9 }))
            .join()
            .unwrap()
            .await;
        assert_eq!(out, 9);
    });
}

/// Stress: many rounds of a thread spawning into a loop that keeps parking and waking; every task
/// must run. (The default poller once cleared its "notified" flag before draining its eventfd and so
/// could lose a wake-up; this test exercises that path but does not hit that race reliably in a debug
/// build — the benchmark `cross_thread` in release did.)
#[test]
fn remote_spawn_bursts_never_lose_a_wakeup() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    for _ in 0..40 {
        tulip::run(async {
            const N: usize = 2_000;
            let handle = tulip::Handle::current();
            let count = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(tulip::sync::Event::new());
            let (c, d) = (count.clone(), done.clone());
            let t = std::thread::spawn(move || {
                for _ in 0..N {
                    let (c, d) = (c.clone(), d.clone());
                    handle
                        .spawn(async move {
                            if c.fetch_add(1, Ordering::SeqCst) + 1 == N {
                                d.set();
                            }
                        })
                        .detach();
                }
            });
            tulip::time::timeout(std::time::Duration::from_secs(20), done.wait())
                .await
                .expect("every remote spawn ran (no lost wake-up)");
            t.join().unwrap();
            assert_eq!(count.load(Ordering::SeqCst), N);
        });
    }
}
