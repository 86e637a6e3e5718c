//! The loop's reactor: its [`Selector`](crate::selector::Selector) (by default the platform's
//! [`DefaultSelector`](crate::selector::DefaultSelector)) and the table of registered I/O sources.
//!
//! A source is added to the poller only the first time an operation on it would block, and re-armed
//! (oneshot) only when an operation would block again, so an operation whose data is already there costs
//! one syscall and no poller call.
//!
//! A source follows the loop that uses it: on that same slow path (an operation would block), a source
//! registered with another loop's reactor (made on loop A, moved to a thread running loop B) leaves A's
//! poller and table and joins B's. The check costs one thread-local read, only on `WouldBlock`; it works
//! whether A still runs, is idle, or is closed and dropped (a source keeps its reactor alive).

mod async_io;

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use slab::Slab;

use crate::selector;

pub(crate) use crate::selector::{Backend, EventBuffers};
pub use async_io::{Async, Readable, Writable};

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

    /// Adds a source for `fd` to the table (not yet to the poller).
    pub(crate) fn insert(self: &Arc<Self>, fd: RawFd) -> Arc<Source> {
        let mut sources = self.lock_sources();
        let entry = sources.vacant_entry();
        let source = Arc::new(Source {
            fd,
            state: Mutex::new(SourceState::new(self.clone(), entry.key())),
        });
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
        let sources = self.lock_sources();
        bufs.for_each(|key, readable, writable| {
            if let Some(source) = sources.get(key) {
                source.dispatch(readable, writable, wakers);
            }
        });
        Ok(n)
    }
}

/// Readiness bookkeeping for one direction of a source.
#[derive(Default)]
struct Direction {
    /// The task waiting for this direction.
    waker: Option<Waker>,
    /// An event arrived since the last `poll_ready` consumed one.
    ready: bool,
}

struct SourceState {
    /// The reactor the source belongs to (it changes when the source moves to another loop).
    reactor: Arc<Reactor>,
    /// The source's key in `reactor`'s table and poller.
    key: usize,
    /// Added to the poller yet.
    registered: bool,
    /// The interest currently armed in the poller (oneshot: cleared by every event).
    armed_read: bool,
    armed_write: bool,
    read: Direction,
    write: Direction,
}

impl SourceState {
    fn new(reactor: Arc<Reactor>, key: usize) -> Self {
        SourceState {
            reactor,
            key,
            registered: false,
            armed_read: false,
            armed_write: false,
            read: Direction::default(),
            write: Direction::default(),
        }
    }
}

/// A descriptor in a reactor's table.
pub(crate) struct Source {
    fd: RawFd,
    state: Mutex<SourceState>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

impl Source {
    fn lock(&self) -> MutexGuard<'_, SourceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes the source from its reactor's poller and table. Must run before its descriptor is closed.
    pub(crate) fn remove(&self) {
        let (reactor, key, registered) = {
            let mut st = self.lock();
            let registered = std::mem::replace(&mut st.registered, false);
            (st.reactor.clone(), st.key, registered)
        };
        reactor.forget(self, key, registered);
    }

    /// The reactor of the loop running on this thread, when it is not the one `st` belongs to: the
    /// source must move there before it waits. `None` when it is already home or no loop runs here.
    #[inline]
    fn elsewhere(st: &SourceState) -> Option<Arc<Reactor>> {
        crate::context::with_current(|inner| {
            let here = &inner.shared.reactor;
            (!Arc::ptr_eq(here, &st.reactor)).then(|| here.clone())
        })
        .flatten()
    }

    /// Moves the source from its reactor to `to` (the running loop's): out of the old poller and table,
    /// into the new table (the poller follows when the caller arms it). Wakers stored through the old
    /// loop are woken, so whoever waited there polls again and re-registers wherever it runs now.
    #[cold]
    fn move_to(self: &Arc<Self>, to: Arc<Reactor>) {
        let (from, key, registered, wakers) = {
            let mut st = self.lock();
            if Arc::ptr_eq(&st.reactor, &to) {
                return;
            }
            st.armed_read = false;
            st.armed_write = false;
            let wakers = [st.read.waker.take(), st.write.waker.take()];
            let registered = std::mem::replace(&mut st.registered, false);
            (st.reactor.clone(), st.key, registered, wakers)
        };
        from.forget(self, key, registered);
        let key = to.adopt(self);
        {
            let mut st = self.lock();
            st.reactor = to;
            st.key = key;
        }
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }

    /// Locks the state, first moving the source to the running loop's reactor if it belongs to another.
    #[inline]
    fn lock_here(self: &Arc<Self>) -> MutexGuard<'_, SourceState> {
        let st = self.lock();
        match Self::elsewhere(&st) {
            None => st,
            Some(to) => {
                drop(st);
                self.move_to(to);
                self.lock()
            }
        }
    }

    /// Readiness arrived for this source: mark it and take the wakers to wake.
    #[inline]
    fn dispatch(&self, readable: bool, writable: bool, wakers: &mut Vec<Waker>) {
        let mut st = self.lock();
        st.armed_read = false;
        st.armed_write = false;
        if readable {
            st.read.ready = true;
            if let Some(w) = st.read.waker.take() {
                wakers.push(w);
            }
        }
        if writable {
            st.write.ready = true;
            if let Some(w) = st.write.waker.take() {
                wakers.push(w);
            }
        }
        // Oneshot disarmed everything: re-arm a direction still waited for.
        if (st.read.waker.is_some() || st.write.waker.is_some()) && self.arm(&mut st).is_err() {
            // Could not re-arm: wake the waiters so they retry their operation and see the error
            // (or arm again) instead of sleeping forever.
            wakers.extend(st.read.waker.take());
            wakers.extend(st.write.waker.take());
        }
    }

    /// Ready when an event arrived for `dir` since the last call; otherwise stores the waker, arms the
    /// poller and returns `Pending`. Called after an operation returned `WouldBlock`.
    pub(crate) fn poll_ready(
        self: &Arc<Self>,
        dir: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut st = self.lock_here();
        let d = match dir {
            Interest::Read => &mut st.read,
            Interest::Write => &mut st.write,
        };
        if d.ready {
            d.ready = false;
            return Poll::Ready(Ok(()));
        }
        self.store_and_arm(&mut st, dir, cx)
    }

    fn store_and_arm(
        &self,
        st: &mut SourceState,
        dir: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let d = match dir {
            Interest::Read => &mut st.read,
            Interest::Write => &mut st.write,
        };
        match &mut d.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        let already = match dir {
            Interest::Read => st.armed_read,
            Interest::Write => st.armed_write,
        };
        if !already {
            if let Err(e) = self.arm(st) {
                match dir {
                    Interest::Read => st.read.waker = None,
                    Interest::Write => st.write.waker = None,
                }
                return Poll::Ready(Err(e));
            }
        }
        Poll::Pending
    }

    /// An operation on the source just returned `WouldBlock`: forget any earlier readiness mark, store
    /// the waker and arm the poller (if not armed already). Always `Pending` unless arming fails. No
    /// wakeup is lost: epoll and kqueue report a descriptor that is already ready when it is armed.
    pub(crate) fn register(
        self: &Arc<Self>,
        dir: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut st = self.lock_here();
        match dir {
            Interest::Read => st.read.ready = false,
            Interest::Write => st.write.ready = false,
        }
        self.store_and_arm(&mut st, dir, cx)
    }

    /// Arms the poller for every direction that has a waiting task.
    #[inline]
    fn arm(&self, st: &mut SourceState) -> io::Result<()> {
        let read = st.read.waker.is_some();
        let write = st.write.waker.is_some();
        let interest = selector::Interest {
            readable: read,
            writable: write,
        };
        // SAFETY: the fd is open for as long as the source is in the table (see `Source::remove`).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let key = st.key;
        if st.registered {
            st.reactor.backend.reregister(fd, key, interest)?;
        } else {
            // SAFETY: the source is deleted from the poller (`Source::remove`, and `move_to` when it
            // changes reactor) before the descriptor is closed: `Async<T>` removes its source in `drop`
            // and `into_inner` before releasing `T`.
            unsafe { st.reactor.backend.register(self.fd, key, interest)? };
            st.registered = true;
        }
        st.armed_read = read;
        st.armed_write = write;
        Ok(())
    }
}
