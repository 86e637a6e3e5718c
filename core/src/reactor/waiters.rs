//! The tasks waiting on one direction of a source.
//!
//! Usually one task waits per direction (a reader and a writer), and its waker sits in an
//! [`AtomicWaker`]: no lock. When a second task waits on the same direction (`readable()` in one task
//! while another reads, two readers of one socket), the waker it would displace moves to a locked
//! overflow list instead of being dropped, so every waiting task is woken by the next event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::Waker;

use atomic_waker::AtomicWaker;

/// The wakers of the tasks waiting on one direction.
pub(super) struct Waiters {
    /// The most recent waiter.
    latest: AtomicWaker,
    /// Whether `others` may hold wakers (checked without the lock on every wake).
    crowded: AtomicBool,
    /// Earlier waiters of other tasks, each once.
    others: Mutex<Vec<Waker>>,
}

impl Waiters {
    pub(super) fn new() -> Waiters {
        Waiters {
            latest: AtomicWaker::new(),
            crowded: AtomicBool::new(false),
            others: Mutex::new(Vec::new()),
        }
    }

    /// Stores `waker` to be woken by the next [`Waiters::take_into`] (or `wake`). A waker of another
    /// task stored before is kept, not replaced.
    #[inline]
    pub(super) fn register(&self, waker: &Waker) {
        if let Some(prev) = self.latest.take() {
            if !prev.will_wake(waker) {
                self.keep(prev);
            }
        }
        self.latest.register(waker);
    }

    #[cold]
    fn keep(&self, prev: Waker) {
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        if !others.iter().any(|w| w.will_wake(&prev)) {
            others.push(prev);
        }
        self.crowded.store(true, Ordering::Release);
    }

    /// Moves every stored waker into `wakers`.
    #[inline]
    pub(super) fn take_into(&self, wakers: &mut Vec<Waker>) {
        wakers.extend(self.latest.take());
        if self.crowded.load(Ordering::Acquire) {
            self.take_others(wakers);
        }
    }

    #[cold]
    fn take_others(&self, wakers: &mut Vec<Waker>) {
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        self.crowded.store(false, Ordering::Release);
        wakers.append(&mut others);
    }

    /// Wakes the earlier waiters of other tasks (not the latest): the caller found the direction
    /// ready after registering and goes on itself, while an event may have come before they were
    /// moved aside.
    #[inline]
    pub(super) fn wake_others(&self) {
        if self.crowded.load(Ordering::Acquire) {
            let mut wakers = Vec::new();
            self.take_others(&mut wakers);
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    /// Wakes every stored waker.
    pub(super) fn wake(&self) {
        let mut wakers = Vec::new();
        self.take_into(&mut wakers);
        wakers.into_iter().for_each(Waker::wake);
    }
}
