//! The latch that coalesces wake-ups of a loop's poller: one eventfd write per wake-up, however many
//! threads notify before the loop drains it.

use super::atomic::{AtomicBool, Ordering};

/// Set while a wake-up is pending in the poller's eventfd; further notifies need no syscall.
///
/// Protocol (every access `SeqCst`): a notifier sets the latch and writes to the eventfd only if the
/// latch was clear ([`WakeLatch::notify`]); the loop, once the poller reported the eventfd readable,
/// drains the eventfd and then clears the latch ([`WakeLatch::drained`]). The invariant: whenever no
/// drain is running, a set latch means the eventfd holds a write (else every later notify would be
/// swallowed and the loop sleep through its work). Clearing before draining breaks it: a notify
/// between the two would set the latch and write, the drain would eat the write, and the latch would
/// stay set over an empty eventfd. `core/tests/loom_wake_latch.rs` checks this order.
///
/// **asyncio:** none: asyncio's `_write_to_self` writes one byte to the self-pipe per
/// `call_soon_threadsafe`.
#[derive(Debug, Default)]
pub struct WakeLatch(AtomicBool);

impl WakeLatch {
    /// A latch with no wake-up pending.
    pub fn new() -> WakeLatch {
        WakeLatch(AtomicBool::new(false))
    }

    /// Another thread wants the poller awake: runs `write` (the eventfd write) unless a wake-up is
    /// already pending.
    #[inline]
    pub fn notify<E>(&self, write: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        // A compare-exchange, not a `swap`: the same on the hardware (one locked instruction), but
        // loom 0.7 lets a store slip between the read and the write of a `swap` (tokio-rs/loom#254:
        // a model of this very latch failed on that impossible history), and models a
        // compare-exchange correctly.
        if self
            .0
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            write()?;
        }
        Ok(())
    }

    /// The poller reported the wake-up: runs `drain` (the eventfd read), then reopens the latch.
    #[inline]
    pub fn drained(&self, drain: impl FnOnce()) {
        drain();
        self.0.store(false, Ordering::SeqCst);
    }

    /// Whether a wake-up is pending (for the loom model).
    #[cfg(tulip_loom)]
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
