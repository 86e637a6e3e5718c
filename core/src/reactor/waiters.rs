//! The tasks waiting on one direction of a source.
//!
//! Usually one task waits per direction (a reader and a writer), and its waker sits in an
//! [`AtomicWaker`]: no lock. When a second task waits on the same direction (`readable()` in one task
//! while another reads, two readers of one socket), the waker it would displace moves to a locked
//! overflow list instead of being dropped, so every waiting task is woken by the next event.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Mutex;
use std::task::Waker;

use atomic_waker::AtomicWaker;

/// The wakers of the tasks waiting on one direction.
pub(super) struct Waiters {
    /// The most recent waiter.
    latest: AtomicWaker,
    /// The data and vtable pointers of the waker last put in `latest` (a hint: the slot may have been
    /// emptied since). A waker equal in both `will_wake`s it, so registering it again displaces no
    /// other task and takes the plain `AtomicWaker` path.
    latest_data: AtomicPtr<()>,
    latest_vtable: AtomicPtr<std::task::RawWakerVTable>,
    /// Whether `others` may hold wakers (checked without the lock on every wake).
    crowded: AtomicBool,
    /// Earlier waiters of other tasks, each once.
    others: Mutex<Vec<Waker>>,
}

impl Waiters {
    pub(super) fn new() -> Waiters {
        Waiters {
            latest: AtomicWaker::new(),
            latest_data: AtomicPtr::new(std::ptr::null_mut()),
            latest_vtable: AtomicPtr::new(std::ptr::null_mut()),
            crowded: AtomicBool::new(false),
            others: Mutex::new(Vec::new()),
        }
    }

    /// Stores `waker` to be woken by the next [`Waiters::take_into`] (or `wake`). A waker of another
    /// task stored before is kept, not replaced.
    #[inline]
    pub(super) fn register(&self, waker: &Waker) {
        let data = waker.data().cast_mut();
        let vtable = std::ptr::from_ref(waker.vtable()).cast_mut();
        if self.latest_data.load(Ordering::Relaxed) == data
            && self.latest_vtable.load(Ordering::Relaxed) == vtable
        {
            // The same task again (the usual case): nothing to move aside.
            self.latest.register(waker);
            return;
        }
        self.register_other(waker, data, vtable);
    }

    /// Another task registers: the waker in the slot, if any, moves to `others`.
    #[cold]
    fn register_other(&self, waker: &Waker, data: *mut (), vtable: *mut std::task::RawWakerVTable) {
        if let Some(prev) = self.latest.take() {
            if !prev.will_wake(waker) {
                self.keep(prev);
            }
        }
        self.latest.register(waker);
        self.latest_data.store(data, Ordering::Relaxed);
        self.latest_vtable.store(vtable, Ordering::Relaxed);
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
