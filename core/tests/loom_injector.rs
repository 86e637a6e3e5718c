//! loom models of `call_soon_threadsafe` (and any remote hand-off through the injector) racing the
//! loop's shutdown: the real `Injector` and `ParkFlag` (`core/src/sync_shim/`), driven the way
//! `Shared::inject` and `LoopInner::shutdown` drive them.
//!
//! Property: each callback another thread sends is either refused (the sender gets it back: `false`
//! from `call_soon_threadsafe`) or run exactly once by the loop; never accepted and then lost, never
//! run twice.
//!
//! Built only with `RUSTFLAGS="--cfg tulip_loom"` (`scripts/loom.sh`).
#![cfg(tulip_loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use tulip_core::sync_shim::{Injector, ParkFlag};

/// A callback: which sender sent it.
struct Callback(usize);

/// What `Shared` holds for other threads.
struct Shared {
    injector: Injector<Callback>,
    parked: ParkFlag,
    notifies: AtomicUsize,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            injector: Injector::new(),
            parked: ParkFlag::new(),
            notifies: AtomicUsize::new(0),
        })
    }

    /// `Shared::inject`: push unless closed, then notify a parked loop.
    fn inject(&self, cb: Callback) -> Result<(), Callback> {
        self.injector.push(cb)?;
        self.parked.notify_if_parked(|| {
            self.notifies.fetch_add(1, Ordering::SeqCst);
        });
        Ok(())
    }

    /// `LoopInner::shutdown`'s end: close, then drain until empty; returns what it ran.
    fn shutdown(&self) -> Vec<usize> {
        let mut ran = Vec::new();
        self.injector.close();
        while !self.injector.is_empty() {
            // `drain_injector`: only what is queued now.
            for _ in 0..self.injector.len() {
                match self.injector.pop() {
                    Some(Callback(who)) => ran.push(who),
                    None => break,
                }
            }
        }
        ran
    }
}

/// Two senders against a loop that runs one iteration (drain) and then shuts down.
#[test]
fn call_soon_threadsafe_racing_shutdown_loses_nothing() {
    loom::model(|| {
        let shared = Shared::new();
        let senders: Vec<_> = (0..2)
            .map(|who| {
                let shared = shared.clone();
                thread::spawn(move || shared.inject(Callback(who)).is_ok())
            })
            .collect();
        // One loop iteration's drain, then shutdown.
        let mut ran: Vec<usize> = Vec::new();
        while let Some(Callback(who)) = shared.injector.pop() {
            ran.push(who);
        }
        ran.extend(shared.shutdown());
        let accepted: Vec<bool> = senders.into_iter().map(|s| s.join().unwrap()).collect();
        for (who, &ok) in accepted.iter().enumerate() {
            let times = ran.iter().filter(|&&w| w == who).count();
            assert_eq!(
                times,
                usize::from(ok),
                "sender {who}: accepted={ok}, run {times} times"
            );
        }
        // After shutdown every send is refused.
        assert!(shared.inject(Callback(9)).is_err());
        assert!(shared.injector.is_closed() && shared.injector.is_empty());
    });
}

/// A sender racing a loop that parks (and is woken) before it shuts down: an accepted callback
/// queued while the loop blocks comes with a notify, and shutdown runs it.
#[test]
fn call_soon_threadsafe_racing_park_then_shutdown() {
    loom::model(|| {
        let shared = Shared::new();
        let sender = {
            let shared = shared.clone();
            thread::spawn(move || shared.inject(Callback(0)).is_ok())
        };
        let blocked = shared.parked.park(|| !shared.injector.is_empty());
        let notified_before_join = shared.notifies.load(Ordering::SeqCst);
        let accepted = sender.join().unwrap();
        if blocked {
            // The loop blocked: the callback (accepted: the loop was open) must wake it.
            assert!(accepted);
            assert!(
                shared.notifies.load(Ordering::SeqCst) > 0,
                "blocked with a callback queued and no notify (saw {notified_before_join} before the join)"
            );
            shared.parked.unpark();
        }
        let ran = shared.shutdown();
        assert_eq!(ran, [0]);
    });
}
