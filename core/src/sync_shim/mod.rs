//! The pieces of a loop that other threads touch, on atomics and locks that switch to loom's under
//! `cfg(tulip_loom)`, so that the models in `tests/loom_*.rs` drive this very code
//! (`scripts/loom.sh`): the parked-flag handshake ([`ParkFlag`]), the injector with its closed flag
//! ([`Injector`]), the blocking pool's result hand-off ([`Handoff`]) and its in-flight count
//! ([`InFlightCount`]), the poller's wake-up latch ([`WakeLatch`]).
//!
//! Public only under `cfg(tulip_loom)`, for those models; otherwise crate-private.
#![allow(unreachable_pub)]

mod handoff;
mod injector;
mod park;
#[cfg(all(test, tulip_loom))]
mod task_model;
mod wake_latch;

pub use self::handoff::{Handoff, InFlightCount};
pub use self::injector::Injector;
pub use self::park::ParkFlag;
pub use self::wake_latch::WakeLatch;

/// Atomics: loom's in a model build, std's otherwise.
pub mod atomic {
    #[cfg(tulip_loom)]
    pub use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    #[cfg(not(tulip_loom))]
    pub use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
}

#[cfg(tulip_loom)]
use loom::sync::{Mutex, MutexGuard};
#[cfg(not(tulip_loom))]
use std::sync::{Mutex, MutexGuard};

/// Locks `m`, going on past a poisoned lock (nothing that panics holds these locks mid-update).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
