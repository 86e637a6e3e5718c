//! loom models of the blocking pool's hand-off (`spawn_blocking`): the real `Handoff` and
//! `InFlightCount` (`core/src/sync_shim/handoff.rs`), with the pool thread doing what the job closure
//! does (`Handoff::complete`) and the loop doing what it does with a paused clock: poll the awaiting
//! task, then `park` (read the in-flight count, look for work, then jump the clock or block).
//!
//! Properties: the awaiting task gets the result exactly once; it is never left waiting with the result
//! in the slot and no wake-up; and a loop with a paused clock never jumps the clock while the job is in
//! flight or its wake-up is not yet visible (it would fire a timeout early).
//!
//! Built only with `RUSTFLAGS="--cfg tulip_loom"` (`scripts/loom.sh`).
#![cfg(tulip_loom)]

use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use tulip_core::sync_shim::{Handoff, InFlightCount, Injector, ParkFlag};

/// What the loop and other threads share: the injector, the parked flag, and the poller's wake-ups.
struct Shared {
    injector: Injector<&'static str>,
    parked: ParkFlag,
    notifies: AtomicUsize,
}

impl Shared {
    /// `Shared::inject`.
    fn inject(&self, work: &'static str) {
        if self.injector.push(work).is_ok() {
            self.parked.notify_if_parked(|| {
                self.notifies.fetch_add(1, Ordering::SeqCst);
            });
        }
    }
}

/// The awaiting task's waker: waking from the pool thread schedules the task remotely.
struct TaskWaker(Arc<Shared>);

impl Wake for TaskWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.inject("task");
    }
}

/// `InFlight`: one unit of the count; the last one out wakes the loop through the injector.
struct InFlight {
    count: InFlightCount,
    shared: Arc<Shared>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.count.leave() {
            self.shared.inject("last job ended");
        }
    }
}

#[test]
fn a_paused_loop_never_jumps_its_clock_over_a_job_in_flight() {
    loom::model(|| {
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            parked: ParkFlag::new(),
            notifies: AtomicUsize::new(0),
        });
        let count = InFlightCount::new();
        // `spawn_blocking` on the loop: count the job, then hand it to the pool.
        count.enter();
        let slot = Arc::new(Handoff::<u32, InFlight>::new(Some(InFlight {
            count: count.clone(),
            shared: shared.clone(),
        })));
        let pool = {
            let slot = slot.clone();
            thread::spawn(move || slot.complete(42))
        };
        let waker = Waker::from(std::sync::Arc::new(TaskWaker(shared.clone())));

        // The task polls `SpawnBlocking` once.
        let mut got = slot.poll(&waker, || None);
        if got.is_none() {
            // `park` with a paused clock: read the count first, then look for work.
            let blocking = !count.is_idle();
            let has_work = !shared.injector.is_empty();
            if !has_work {
                assert!(
                    blocking,
                    "the loop would jump its paused clock: no job counted and no wake-up queued"
                );
                // Block until woken (the job is in flight): the wake must come.
                if shared.parked.park(|| !shared.injector.is_empty()) {
                    pool.join().unwrap();
                    assert!(
                        shared.notifies.load(Ordering::SeqCst) > 0,
                        "blocked for a job in flight and never notified"
                    );
                    shared.parked.unpark();
                } else {
                    pool.join().unwrap();
                }
            } else {
                pool.join().unwrap();
            }
            // Woken (or work was there): the task runs again and finds the result.
            assert!(!shared.injector.is_empty(), "the task was never scheduled");
            got = slot.poll(&waker, || None);
        } else {
            pool.join().unwrap();
        }
        assert_eq!(got, Some(42));
        assert!(count.is_idle());
        assert_eq!(
            slot.poll(&waker, || None),
            None,
            "the result was handed out twice"
        );
    });
}
