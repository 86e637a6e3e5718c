//! The parked-flag handshake between a loop about to block in its poller and the threads that hand it
//! work.

use super::atomic::{fence, AtomicBool, Ordering};

/// Set while the loop blocks in its poller; threads that hand it work notify the poller only then.
///
/// Protocol (Dekker-style, every access `SeqCst`): the loop stores `true`, then re-checks for work
/// before waiting ([`ParkFlag::park`]); a remote waker publishes its work, then loads the flag
/// ([`ParkFlag::notify_if_parked`]). One of the two always sees the other's write, so no wake-up is
/// lost.
///
/// **asyncio:** none: asyncio's `call_soon_threadsafe` always writes to the self-pipe; this skips the
/// write while the loop is busy.
#[derive(Debug, Default)]
pub struct ParkFlag(AtomicBool);

impl ParkFlag {
    /// A loop that is not parked.
    pub fn new() -> ParkFlag {
        ParkFlag(AtomicBool::new(false))
    }

    /// The loop, before blocking: announces that it parks, then asks `has_work` (the injector, its wake
    /// flags). True when it may block; it calls [`ParkFlag::unpark`] once the wait ends. False, and
    /// not parked, when there is work.
    #[inline]
    pub fn park(&self, has_work: impl FnOnce() -> bool) -> bool {
        self.0.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if has_work() {
            self.0.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// The loop's wait has ended.
    #[inline]
    pub fn unpark(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    /// A thread that has just published work for the loop: calls `notify` (the poller's wake-up) if
    /// the loop is parked or about to be.
    #[inline]
    pub fn notify_if_parked(&self, notify: impl FnOnce()) {
        fence(Ordering::SeqCst);
        if self.0.load(Ordering::SeqCst) {
            notify();
        }
    }
}
