//! One registered descriptor: its readiness word, the waiters of each direction, and its registration.
//!
//! # Two poller models
//!
//! - **Edge-triggered** (the loop's default selector on Linux): the descriptor is added to epoll once,
//!   for both directions, on the first operation that would block, and never re-armed. Readiness lives
//!   in the source ([`Readiness`]): an event sets it, an operation that finds the descriptor drained
//!   (`WouldBlock`, or a short read or write on a stream) clears it. A steady request/response stream
//!   costs no `epoll_ctl` at all.
//! - **Oneshot** (a [`Selector`](crate::selector::Selector) given to the loop builder, `PollSelector`,
//!   the fault injector, kqueue): the contract of the `Selector` trait. The source arms the directions
//!   that have a waiting task and re-arms after each event, emulating the edge model on top.
//!
//! # What is locked, and when
//!
//! The hot path takes no lock: checking and clearing readiness is one atomic word, the waker of each
//! direction is an `AtomicWaker` (a second task waiting on the same direction goes to a locked
//! list, see `waiters.rs`), and on the edge model whether the source is registered with the
//! running loop's poller is one atomic load (`home`). The `Mutex` around the registration (which
//! reactor, which key, what is armed) is taken only to register, to move to another loop, to re-check
//! a level after [`Async::readable`](crate::Async::readable), and on the oneshot model to (re-)arm.
//! Sources may move between loops on different threads, which is why these are atomics and a mutex
//! rather than cells.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::readiness::{self, Dir, Readiness};
use super::waiters::Waiters;
use super::{Interest, Reactor};
use crate::selector::{self, ready as ev};

/// The registration, changed only on the slow paths.
pub(super) struct SourceState {
    /// The reactor the source belongs to (it changes when the source moves to another loop).
    pub(super) reactor: Arc<Reactor>,
    /// The source's key in `reactor`'s table and poller.
    pub(super) key: usize,
    /// Added to the poller yet.
    registered: bool,
    /// Oneshot model: the interest currently armed in the poller (cleared by every event).
    armed_read: bool,
    armed_write: bool,
}

/// A descriptor in a reactor's table.
pub(crate) struct Source {
    pub(super) fd: RawFd,
    readiness: Readiness,
    reader: Waiters,
    writer: Waiters,
    /// Edge model: the address of the reactor whose poller holds the descriptor; 0 when none does
    /// (not registered yet, moving, removed, or the oneshot model, which always takes the lock).
    home: AtomicUsize,
    state: Mutex<SourceState>,
}

/// The address that identifies a reactor in [`Source::home`].
#[inline]
fn addr(reactor: &Arc<Reactor>) -> usize {
    Arc::as_ptr(reactor) as usize
}

/// The address of the reactor of the loop running on this thread, if one runs.
#[inline]
fn here() -> Option<usize> {
    crate::context::with_current(|inner| addr(&inner.shared.reactor))
}

impl Source {
    pub(super) fn new(fd: RawFd, reactor: Arc<Reactor>, key: usize) -> Source {
        Source {
            fd,
            readiness: Readiness::new(),
            reader: Waiters::new(),
            writer: Waiters::new(),
            home: AtomicUsize::new(0),
            state: Mutex::new(SourceState {
                reactor,
                key,
                registered: false,
                armed_read: false,
                armed_write: false,
            }),
        }
    }

    #[inline]
    fn waker(&self, dir: Interest) -> &Waiters {
        match dir {
            Interest::Read => &self.reader,
            Interest::Write => &self.writer,
        }
    }

    fn lock(&self) -> MutexGuard<'_, SourceState> {
        // A panic while holding the state leaves no broken invariant: each field is whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes the source from its reactor's poller and table. Must run before its descriptor is closed.
    pub(crate) fn remove(&self) {
        let (reactor, key, registered) = {
            let mut st = self.lock();
            self.home.store(0, Ordering::Release);
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
        let (from, key, registered) = {
            let mut st = self.lock();
            if Arc::ptr_eq(&st.reactor, &to) {
                return;
            }
            self.home.store(0, Ordering::Release);
            st.armed_read = false;
            st.armed_write = false;
            let registered = std::mem::replace(&mut st.registered, false);
            (st.reactor.clone(), st.key, registered)
        };
        from.forget(self, key, registered);
        let key = to.adopt(self);
        {
            let mut st = self.lock();
            st.reactor = to;
            st.key = key;
        }
        // Nothing is known about the descriptor on the new poller: operations try again, and waiting
        // registers it there (which reports its current level).
        self.readiness.set(readiness::FRESH);
        self.reader.wake();
        self.writer.wake();
    }

    /// Locks the state, first moving the source to the running loop's reactor if it belongs to another.
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

    /// Readiness arrived for this source (flags of [`selector::ready`]): record it and take the wakers
    /// to wake. `edge`: the reactor's poller is edge-triggered; otherwise the event disarmed the
    /// registration, and directions still waited for are armed again.
    #[inline]
    pub(super) fn dispatch(&self, bits: u8, edge: bool, wakers: &mut Vec<Waker>) {
        self.readiness.deliver(bits);
        let readable = bits & (ev::READABLE | ev::READ_CLOSED) != 0;
        let writable = bits & (ev::WRITABLE | ev::WRITE_CLOSED) != 0;
        if readable {
            self.reader.take_into(wakers);
        }
        if writable {
            self.writer.take_into(wakers);
        }
        if !edge {
            self.rearm_after_event(readable, writable, wakers);
        }
    }

    /// Oneshot model: the event disarmed the whole registration; arm again the direction that was
    /// armed and did not fire.
    #[cold]
    fn rearm_after_event(&self, readable: bool, writable: bool, wakers: &mut Vec<Waker>) {
        let mut st = self.lock();
        let keep_read = st.armed_read && !readable;
        let keep_write = st.armed_write && !writable;
        st.armed_read = false;
        st.armed_write = false;
        if !(keep_read || keep_write) || !st.registered {
            return;
        }
        let interest = selector::Interest {
            readable: keep_read,
            writable: keep_write,
        };
        // SAFETY: the fd is open for as long as the source is in the table (see `Source::remove`).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        if st.reactor.backend.reregister(fd, st.key, interest).is_ok() {
            st.armed_read = keep_read;
            st.armed_write = keep_write;
        } else {
            // Could not re-arm: wake the waiters so they retry their operation and see the error (or
            // arm again) instead of sleeping forever.
            self.reader.take_into(wakers);
            self.writer.take_into(wakers);
        }
    }

    /// For an operation in `dir`: `Ready(word)` when it may try its syscall (pass the word to
    /// [`Source::clear`] if the syscall finds the descriptor drained); otherwise stores the waker,
    /// registers or arms as needed and returns `Pending`.
    #[inline]
    pub(crate) fn poll_ready(
        self: &Arc<Self>,
        dir: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        let w = self.readiness.load();
        if Readiness::may_try(w, dir.flags()) {
            return Poll::Ready(Ok(w));
        }
        self.poll_wait(dir, cx)
    }

    /// The waiting half of [`Source::poll_ready`].
    fn poll_wait(self: &Arc<Self>, dir: Interest, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        self.waker(dir).register(cx.waker());
        if !self.armed(dir.flags()) {
            self.arm(dir)?;
        }
        // An event that arrived since the first check has set the flag after storing it, or will wake
        // the waker just stored.
        let w = self.readiness.load();
        if Readiness::may_try(w, dir.flags()) {
            self.waker(dir).wake_others();
            return Poll::Ready(Ok(w));
        }
        Poll::Pending
    }

    /// The operation that loaded `seen` found `dir` drained: `blocked` when its syscall returned
    /// `WouldBlock`, otherwise it came up short (fewer bytes than asked, on a stream).
    #[inline]
    pub(crate) fn clear(&self, seen: usize, dir: Interest, blocked: bool) {
        self.readiness.clear(seen, dir.flags(), blocked);
    }

    /// For [`Async::readable`](crate::Async::readable) / `writable`: `Ready` once a poller has reported
    /// `dir` since the last time this returned `Ready` (which consumes the report); otherwise stores
    /// the waker, arms and returns `Pending`.
    pub(crate) fn poll_reported(
        self: &Arc<Self>,
        dir: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        if self.readiness.consume(dir.flags()) {
            return Poll::Ready(Ok(()));
        }
        self.waker(dir).register(cx.waker());
        if !self.armed(dir.flags()) {
            self.arm(dir)?;
        }
        if self.readiness.consume(dir.flags()) {
            self.waker(dir).wake_others();
            return Poll::Ready(Ok(()));
        }
        Poll::Pending
    }

    /// Edge model, lock-free: is the descriptor in the running loop's poller with nothing to re-check
    /// for `dir`? `false` sends the caller to [`Source::arm`].
    #[inline]
    fn armed(&self, dir: Dir) -> bool {
        let home = self.home.load(Ordering::Acquire);
        home != 0
            && self.readiness.load() & (dir.recheck | readiness::UNREGISTERED) == 0
            && here().is_none_or(|h| h == home)
    }

    /// Makes sure an event will report `dir` (moving the source to the running loop first if needed):
    /// on the edge model registers the descriptor once, or re-checks its level after a report was
    /// consumed without draining it; on the oneshot model arms `dir` unless it is armed.
    #[cold]
    fn arm(self: &Arc<Self>, dir: Interest) -> io::Result<()> {
        let mut st = self.lock_here();
        let flags = dir.flags();
        // SAFETY: the fd is open for as long as the source is in the table (see `Source::remove`).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let key = st.key;
        let backend = &st.reactor.backend;
        if backend.is_edge() {
            if !st.registered {
                // The poller reports the current level of both directions when the descriptor is
                // added: forget the guesses the source started with.
                let guesses = readiness::READABLE
                    | readiness::WRITABLE
                    | readiness::READ_RECHECK
                    | readiness::WRITE_RECHECK
                    | readiness::UNREGISTERED;
                self.readiness.unset(guesses);
                // SAFETY: the source is deleted from the poller (`Source::remove`, and `move_to` when
                // it changes reactor) before the descriptor is closed: `Async<T>` removes its source
                // in `drop` and `into_inner` before releasing `T`.
                if let Err(e) = unsafe { backend.register_edge(self.fd, key) } {
                    self.readiness.set(readiness::FRESH);
                    return Err(e);
                }
                st.registered = true;
                self.home.store(addr(&st.reactor), Ordering::Release);
            } else if self.readiness.load() & flags.recheck != 0 {
                // Modifying the registration makes epoll look at the level again and queue an event
                // if the descriptor is ready.
                self.readiness.unset(flags.ready | flags.recheck);
                backend.reregister_edge(fd, key)?;
            }
            return Ok(());
        }
        let (armed, other) = match dir {
            Interest::Read => (st.armed_read, st.armed_write),
            Interest::Write => (st.armed_write, st.armed_read),
        };
        if armed {
            return Ok(());
        }
        // Arming reports the level: a guess or a consumed report of `dir` is replaced by it.
        self.readiness.unset(flags.ready | flags.recheck);
        let interest = match dir {
            Interest::Read => selector::Interest {
                readable: true,
                writable: other,
            },
            Interest::Write => selector::Interest {
                readable: other,
                writable: true,
            },
        };
        if st.registered {
            backend.reregister(fd, key, interest)?;
        } else {
            // SAFETY: as for `register_edge` above.
            unsafe { backend.register(self.fd, key, interest)? };
            st.registered = true;
            self.readiness.unset(readiness::UNREGISTERED);
        }
        match dir {
            Interest::Read => st.armed_read = true,
            Interest::Write => st.armed_write = true,
        }
        Ok(())
    }
}
