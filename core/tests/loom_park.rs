//! loom models of the parked-flag handshake (`ParkFlag`, `core/src/sync_shim.rs`): the code the loop
//! runs before blocking in its poller (`poll_io_parked`) and that remote wakers run after pushing to
//! the injector (`Shared::notify_if_parked`). Property: the loop never blocks with work queued unless
//! a notify comes after it, whatever the interleaving and memory order.
//!
//! The injector stands in as a loom counter with `Relaxed` push and `is_empty` (the real one is a
//! `concurrent_queue::ConcurrentQueue`, whose operations are at least that strong): the handshake
//! must not rely on the queue's own ordering, only on its fences.
//!
//! Built only with `RUSTFLAGS="--cfg tulip_loom"` (`scripts/loom.sh`).
#![cfg(tulip_loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use tulip_core::sync_shim::ParkFlag;

/// The injector's count of queued work.
struct Injector(AtomicUsize);

impl Injector {
    fn push(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    /// Takes one item if there is one.
    fn pop(&self) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
    fn len(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the loop and its remote wakers share, as in `Shared`: the injector, the flag, and the
/// poller's wake-up (here a count of notifies instead of an eventfd write).
struct Shared {
    injector: Injector,
    parked: ParkFlag,
    notifies: AtomicUsize,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            injector: Injector(AtomicUsize::new(0)),
            parked: ParkFlag::new(),
            notifies: AtomicUsize::new(0),
        })
    }

    /// `Shared::inject`: publish, then notify if parked.
    fn inject(&self) {
        self.injector.push();
        self.parked.notify_if_parked(|| {
            self.notifies.fetch_add(1, Ordering::SeqCst);
        });
    }

    /// `poll_io_parked`: true when the loop would block in the poller. The notifies it could be woken
    /// by are those counted from here on (an eventfd write stays pending until the loop drains it).
    fn would_block(&self) -> bool {
        self.parked.park(|| !self.injector.is_empty())
    }
}

/// One remote waker against one park: if the loop blocks, a notify follows.
#[test]
fn a_remote_push_racing_the_park_is_never_lost() {
    loom::model(|| {
        let shared = Shared::new();
        let remote = {
            let shared = shared.clone();
            thread::spawn(move || shared.inject())
        };
        let blocked = shared.would_block();
        remote.join().unwrap();
        if blocked {
            assert!(
                shared.notifies.load(Ordering::SeqCst) > 0,
                "the loop blocked with work queued and no notify"
            );
            shared.parked.unpark();
        } else {
            assert!(!shared.injector.is_empty());
        }
    });
}

/// Two remote wakers and a loop that drains, then parks: the same holds, and a loop that does not
/// park is left with work to run.
#[test]
fn two_remote_pushes_against_drain_and_park() {
    loom::model(|| {
        let shared = Shared::new();
        let remotes: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || shared.inject())
            })
            .collect();
        // One loop iteration: drain what is there, then park.
        let mut ran = 0;
        while shared.injector.pop() {
            ran += 1;
        }
        let notifies_before = shared.notifies.load(Ordering::SeqCst);
        let blocked = shared.would_block();
        for r in remotes {
            r.join().unwrap();
        }
        if blocked {
            let queued = shared.injector.len();
            if queued > 0 {
                assert!(
                    shared.notifies.load(Ordering::SeqCst) > notifies_before,
                    "blocked with {queued} queued and no notify"
                );
            }
            shared.parked.unpark();
        } else {
            assert!(ran + shared.injector.len() == 2 && !shared.injector.is_empty());
        }
    });
}
