//! loom models of remote spawn and wake: two other threads hand a running loop work (a spawned task,
//! a wake-up of a parked task) through the real `Injector` and `ParkFlag` (`core/src/sync_shim/`), the
//! way `schedule_remote` → `Shared::inject` does, while the loop runs its iterations (drain what is
//! queued, run it, park if nothing is left: `run_iterations` → `drain_injector` → `park`).
//!
//! Property: every piece of work is run exactly once, and whenever the loop blocks in its poller with
//! work queued, a notify comes after it (a blocked poller with work and no wake-up is a lost wake).
//!
//! Built only with `RUSTFLAGS="--cfg tulip_loom"` (`scripts/loom.sh`).
#![cfg(tulip_loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use tulip_core::sync_shim::{Injector, ParkFlag};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Spawned,
    Woken,
}

struct Shared {
    injector: Injector<Work>,
    parked: ParkFlag,
    /// Pending poller wake-ups (an eventfd write stays pending until the loop's wait consumes it).
    notifies: AtomicUsize,
}

impl Shared {
    /// `Shared::inject`.
    fn inject(&self, work: Work) -> bool {
        if self.injector.push(work).is_err() {
            return false;
        }
        self.parked.notify_if_parked(|| {
            self.notifies.fetch_add(1, Ordering::SeqCst);
        });
        true
    }
}

#[test]
fn remote_spawn_and_wake_are_never_lost() {
    loom::model(|| {
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            parked: ParkFlag::new(),
            notifies: AtomicUsize::new(0),
        });
        let remotes: Vec<_> = [Work::Spawned, Work::Woken]
            .into_iter()
            .map(|work| {
                let shared = shared.clone();
                thread::spawn(move || assert!(shared.inject(work)))
            })
            .collect();
        let mut ran = Vec::new();
        // Up to two loop iterations: drain and run what is queued, then park if nothing is left.
        let mut blocked = false;
        for _ in 0..2 {
            for _ in 0..shared.injector.len() {
                if let Some(w) = shared.injector.pop() {
                    ran.push(w);
                }
            }
            if shared.parked.park(|| !shared.injector.is_empty()) {
                blocked = true;
                break;
            }
        }
        for r in remotes {
            r.join().unwrap();
        }
        if blocked {
            // Blocked in the poller: with work queued, only a notify ends the wait. The flag is set
            // only during this one park, so any notify counted came after it.
            let queued = shared.injector.len();
            if queued > 0 {
                assert!(
                    shared.notifies.load(Ordering::SeqCst) > 0,
                    "blocked with {queued} queued and no notify"
                );
            }
            shared.parked.unpark();
        }
        // The next iterations run the rest: each piece of work exactly once.
        while let Some(w) = shared.injector.pop() {
            ran.push(w);
        }
        ran.sort_by_key(|w| *w as u8);
        assert_eq!(ran, [Work::Spawned, Work::Woken]);
    });
}
