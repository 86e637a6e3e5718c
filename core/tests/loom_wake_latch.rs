//! loom model of the poller's wake-up latch (`WakeLatch`, `core/src/sync_shim/wake_latch.rs`): threads
//! notifying the loop (`EpollSelector::notify`) against the loop draining the eventfd after the poller
//! reported it (`EpollSelector::wait`). Property: once everyone is done, a set latch always has a
//! write pending in the eventfd; otherwise every later notify is swallowed and the loop sleeps through
//! the work handed to it.
//!
//! The eventfd stands in as a loom counter: a write adds one, a read takes everything, and the poller
//! reports it readable while it is above zero.
//!
//! Built only with `RUSTFLAGS="--cfg tulip_loom"` (`scripts/loom.sh`).
#![cfg(tulip_loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use tulip_core::sync_shim::WakeLatch;

struct Poller {
    latch: WakeLatch,
    eventfd: AtomicUsize,
}

impl Poller {
    fn new() -> Arc<Poller> {
        Arc::new(Poller {
            latch: WakeLatch::new(),
            eventfd: AtomicUsize::new(0),
        })
    }

    /// `EpollSelector::notify`.
    fn notify(&self) {
        self.latch
            .notify(|| {
                self.eventfd.fetch_add(1, Ordering::SeqCst);
                Ok::<(), ()>(())
            })
            .unwrap();
    }

    /// One return of `EpollSelector::wait`: if the poller reports the eventfd, drain it and reopen.
    fn wait_once(&self) {
        if self.eventfd.load(Ordering::SeqCst) > 0 {
            self.latch.drained(|| {
                self.eventfd.swap(0, Ordering::SeqCst);
            });
        }
    }

    fn check_quiescent(&self) {
        assert!(
            !self.latch.is_set() || self.eventfd.load(Ordering::SeqCst) > 0,
            "the latch is set over an empty eventfd: every later notify would be swallowed (eventfd count {})",
            self.eventfd.load(Ordering::SeqCst)
        );
    }
}

/// Two notifiers against one loop that drains twice: the invariant holds at the end, and a notify
/// after the end still reaches the eventfd or finds a write pending.
#[test]
fn notifies_racing_the_drain_are_never_swallowed() {
    loom::model(|| {
        let poller = Poller::new();
        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let poller = poller.clone();
                thread::spawn(move || poller.notify())
            })
            .collect();
        poller.wait_once();
        poller.wait_once();
        for n in notifiers {
            n.join().unwrap();
        }
        poller.check_quiescent();
        poller.notify();
        assert!(
            poller.eventfd.load(Ordering::SeqCst) > 0,
            "a notify after the race found no write pending and wrote none"
        );
    });
}
