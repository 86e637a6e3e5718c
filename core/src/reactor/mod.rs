//! The loop's reactor: its [`Selector`](crate::selector::Selector) (by default the platform's
//! [`DefaultSelector`](crate::selector::DefaultSelector)) and the table of registered I/O sources.
//!
//! A source is added to the poller only the first time an operation on it would block, so an operation
//! whose data is already there costs one syscall and no poller call. With the loop's default selector on
//! Linux it is added edge-triggered, for both directions, and never re-armed: its readiness lives in the
//! source (see `source.rs`), an event sets it and an operation that finds the descriptor drained clears
//! it. Other selectors are oneshot (the [`Selector`](crate::selector::Selector) contract), and the
//! source re-arms them, emulating the same model.
//!
//! A source follows the loop that uses it: on that same slow path (an operation would block), a source
//! registered with another loop's reactor (made on loop A, moved to a thread running loop B) leaves A's
//! poller and table and joins B's. The check costs one thread-local read, only on `WouldBlock`; it works
//! whether A still runs, is idle, or is closed and dropped (a source keeps its reactor alive).

mod async_io;
mod readiness;
mod source;
mod waiters;

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;

use slab::Slab;

pub(crate) use crate::selector::{Backend, EventBuffers};
pub use async_io::{Async, Readable, Writable};
pub(crate) use source::Source;

/// One loop's poller and its sources. Shared (`Arc`) because sources and the loop's handle live on
/// other threads too; the source table is locked once per poller wait, not per event.
pub(crate) struct Reactor {
    backend: Backend,
    sources: Mutex<Slab<Arc<Source>>>,
}

impl Reactor {
    pub(crate) fn new(backend: Backend) -> Arc<Reactor> {
        Arc::new(Reactor {
            backend,
            sources: Mutex::new(Slab::new()),
        })
    }

    /// Wakes a loop blocked in [`Reactor::wait`] (or makes its next wait return at once).
    pub(crate) fn notify(&self) -> io::Result<()> {
        self.backend.notify()
    }

    fn lock_sources(&self) -> MutexGuard<'_, Slab<Arc<Source>>> {
        // A panic while holding the table leaves no broken invariant: entries are whole `Arc`s.
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the table holds any source. Without one, a poller wait can bring nothing but a
    /// notification from another thread, whose work the loop finds in its injector anyway.
    pub(crate) fn has_sources(&self) -> bool {
        !self.lock_sources().is_empty()
    }

    /// Adds a source for `fd` to the table (not yet to the poller).
    pub(crate) fn insert(self: &Arc<Self>, fd: RawFd) -> Arc<Source> {
        let mut sources = self.lock_sources();
        let entry = sources.vacant_entry();
        let source = Arc::new(Source::new(fd, self.clone(), entry.key()));
        entry.insert(source.clone());
        source
    }

    /// Adds an existing source (moving in from another reactor) to the table; returns its key here.
    fn adopt(&self, source: &Arc<Source>) -> usize {
        self.lock_sources().insert(source.clone())
    }

    /// Takes `source`'s descriptor out of this poller (when `registered`) and its entry `key` out of the
    /// table. The descriptor must still be open.
    fn forget(&self, source: &Source, key: usize, registered: bool) {
        if registered {
            // SAFETY: the fd is still open: the owner of the descriptor removes its source before
            // closing it (`Async::drop` and `Async::into_inner` do), and a moving source is open too.
            let fd = unsafe { BorrowedFd::borrow_raw(source.fd) };
            // The fd may already be gone from the poller (e.g. the peer reset it); nothing to do then.
            let _ = self.backend.deregister(fd);
        }
        let mut sources = self.lock_sources();
        if sources.get(key).is_some_and(|s| std::ptr::eq(&**s, source)) {
            sources.remove(key);
        }
    }

    /// Waits for readiness (at most `timeout`; `None` waits until notified) and collects the wakers of
    /// every task whose source became ready into `wakers`. Returns how many events arrived.
    pub(crate) fn wait(
        &self,
        bufs: &mut EventBuffers,
        timeout: Option<Duration>,
        wakers: &mut Vec<Waker>,
    ) -> io::Result<usize> {
        let n = self.backend.wait(bufs, timeout)?;
        if n == 0 {
            return Ok(0);
        }
        let edge = self.backend.is_edge();
        let sources = self.lock_sources();
        bufs.for_each(|key, ready| {
            if let Some(source) = sources.get(key) {
                source.dispatch(ready, edge, wakers);
            }
        });
        Ok(n)
    }
}

/// A direction of a source.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Interest {
    Read,
    Write,
}
