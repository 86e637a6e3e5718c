//! The `Selector` trait a loop waits on, and the built-in backends.
//!
//! # What every selector must provide
//!
//! - **Registration by descriptor and key.** [`Selector::register`] adds a descriptor with a `usize` key
//!   and an [`Interest`]; [`Selector::reregister`] replaces the interest; [`Selector::deregister`]
//!   removes it. Each event carries the key it was registered with.
//! - **Oneshot interest.** After [`Selector::select`] reports an event for a registration, that
//!   registration reports nothing more until it is re-armed with `reregister` (epoll's `EPOLLONESHOT`,
//!   kqueue's `EV_ONESHOT`). The reactor re-arms a descriptor when a task waits on it and after each
//!   event for a direction still waited for. (The loop's own default selector on Linux is not driven
//!   through this trait: it registers each descriptor once, edge-triggered, and is never re-armed.)
//! - **Level semantics at arm time.** Arming a descriptor that is already ready must report it on the
//!   next `select` (so no readiness is lost between a `WouldBlock` and the re-arm).
//! - **Errors and hang-ups** are reported as both readable and writable, so the waiting operation runs
//!   and sees the error.
//! - **A thread-safe wake-up.** [`Selector::notify`] makes a `select` blocked on another thread (or the
//!   next one) return promptly, possibly with no events.
//!
//! # Built-in backends
//!
//! tulip targets Linux first: that is where it is tested and measured. The other Unixes build and use
//! the backend below; Windows is not supported (the reactor works on raw file descriptors).
//!
//! | OS | default ([`DefaultSelector`]) | also available |
//! | --- | --- | --- |
//! | Linux, Android | `EpollSelector`: epoll, called directly | [`PollSelector`] |
//! | macOS, iOS, BSDs | `KqueueSelector`: kqueue, through the `polling` crate | [`PollSelector`] |
//! | other Unixes | [`PollSelector`]: poll(2) | |
//!
//! `PollSelector` serves descriptors epoll refuses (regular files, some character devices) and
//! platforms without epoll or kqueue; its `select` is O(registrations). Setting the environment variable
//! `TULIP_SELECTOR=poll` makes loops built without an explicit selector use it (so a whole test suite
//! can run on it).
//!
//! [`FaultInjectingSelector`] wraps any selector and injects spurious readiness, `EINTR`, error events
//! and late events, for tests; `TULIP_SELECTOR=fault` runs a whole test suite on it.
//!
//! A loop built without [`LoopBuilder::selector`](crate::LoopBuilder::selector) calls the default
//! selector statically and reads its native event buffer in place; a selector given to the builder is
//! called through the trait.

mod backend;
mod fault;
mod poll;

// The platform's default selector, chosen once. The kqueue list is also in `core/Cargo.toml` (the
// `polling` dependency).
cfg_if::cfg_if! {
    if #[cfg(any(target_os = "linux", target_os = "android"))] {
        mod epoll;
        mod epoll_wait;
        pub use self::epoll::EpollSelector;
        use self::epoll::EpollSelector as Platform;
    } else if #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
    ))] {
        mod kqueue;
        pub use self::kqueue::KqueueSelector;
        use self::kqueue::KqueueSelector as Platform;
    } else {
        use self::poll::PollSelector as Platform;
    }
}

/// The selector a loop uses unless told otherwise: `EpollSelector` on Linux and Android,
/// `KqueueSelector` on macOS, iOS and the BSDs, [`PollSelector`] on other Unixes.
///
/// **asyncio:** `selectors.DefaultSelector`.
///
/// # Examples
///
/// ```
/// use tulip_core::selector::DefaultSelector;
/// let lp = tulip_core::Loop::builder()
///     .selector(DefaultSelector::new().unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(lp.block_on(async { 2 }), 2);
/// ```
pub type DefaultSelector = Platform;

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

pub(crate) use self::backend::{Backend, EventBuffers};
pub use self::fault::{FaultInjectingSelector, Faults};
pub use self::poll::PollSelector;

/// Which readiness a registration waits for.
///
/// **asyncio:** `selectors.EVENT_READ` / `EVENT_WRITE`.
///
/// # Examples
///
/// ```
/// use tulip_core::selector::Interest;
/// assert!(Interest::READABLE.readable && !Interest::READABLE.writable);
/// assert_eq!(Interest::READABLE | Interest::WRITABLE, Interest::BOTH);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Interest {
    /// Wait for the descriptor to become readable.
    pub readable: bool,
    /// Wait for the descriptor to become writable.
    pub writable: bool,
}

impl Interest {
    /// Readable only.
    pub const READABLE: Interest = Interest {
        readable: true,
        writable: false,
    };
    /// Writable only.
    pub const WRITABLE: Interest = Interest {
        readable: false,
        writable: true,
    };
    /// Both directions.
    pub const BOTH: Interest = Interest {
        readable: true,
        writable: true,
    };
    /// Neither (registered but disarmed).
    pub const NONE: Interest = Interest {
        readable: false,
        writable: false,
    };
}

impl std::ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, rhs: Interest) -> Interest {
        Interest {
            readable: self.readable || rhs.readable,
            writable: self.writable || rhs.writable,
        }
    }
}

/// One readiness event reported by [`Selector::select`].
///
/// **asyncio:** one `(key, events)` pair of `selector.select()`.
///
/// # Examples
///
/// ```
/// let ev = tulip_core::selector::SelectorEvent { key: 3, readable: true, writable: false };
/// assert_eq!(ev.key, 3);
/// ```
#[doc(alias = "Event")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectorEvent {
    /// The key the descriptor was registered with.
    pub key: usize,
    /// Readable (or error / hang-up).
    pub readable: bool,
    /// Writable (or error / hang-up).
    pub writable: bool,
}

/// What a loop waits on: registers descriptors and reports which are ready.
///
/// A loop owns one selector (chosen with [`LoopBuilder::selector`](crate::LoopBuilder::selector); the
/// default is [`DefaultSelector`]). Implement it to let one loop wait on another library's poller, e.g. ZeroMQ's, so
/// that its sockets and ordinary descriptors share a loop. The contract is in the
/// [module docs](self): oneshot interest, level semantics at arm time, errors as readiness, a
/// thread-safe [`notify`](Selector::notify).
///
/// **asyncio:** `selectors.BaseSelector` (`register`, `modify`, `unregister`, `select`), plus
/// the self-pipe asyncio writes to in `call_soon_threadsafe`.
///
/// # Examples
///
/// A selector that delegates to the default one and counts waits:
///
/// ```
/// use std::io;
/// use std::os::fd::{BorrowedFd, RawFd};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use tulip_core::selector::{DefaultSelector, Interest, Selector, SelectorEvent};
///
/// struct Counting { inner: DefaultSelector, waits: AtomicUsize }
///
/// impl Selector for Counting {
///     unsafe fn register(&self, fd: RawFd, key: usize, i: Interest) -> io::Result<()> {
///         // SAFETY: forwarded contract: the caller keeps `fd` open until `deregister`.
///         unsafe { self.inner.register(fd, key, i) }
///     }
///     fn reregister(&self, fd: BorrowedFd<'_>, key: usize, i: Interest) -> io::Result<()> {
///         self.inner.reregister(fd, key, i)
///     }
///     fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
///         self.inner.deregister(fd)
///     }
///     fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
///         self.waits.fetch_add(1, Ordering::Relaxed);
///         self.inner.select(events, timeout)
///     }
///     fn notify(&self) -> io::Result<()> {
///         self.inner.notify()
///     }
/// }
///
/// let sel = Counting { inner: DefaultSelector::new().unwrap(), waits: AtomicUsize::new(0) };
/// let lp = tulip_core::Loop::builder().selector(sel).build().unwrap();
/// lp.block_on(tulip_time::sleep(Duration::from_millis(1)));
/// ```
pub trait Selector: Send + Sync + 'static {
    /// Adds `fd` with `key`, armed for `interest`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`Selector::deregister`] is called for it.
    ///
    /// # Errors
    ///
    /// As the OS call (e.g. `EPERM` for a regular file under epoll, `ENOMEM`).
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()>;

    /// Re-arms a registered descriptor with a new interest.
    ///
    /// # Errors
    ///
    /// As the OS call (e.g. `ENOENT` when `fd` is not registered).
    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()>;

    /// Removes a registered descriptor.
    ///
    /// # Errors
    ///
    /// As the OS call.
    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()>;

    /// Waits up to `timeout` (`None`: until an event or a [`notify`](Selector::notify)) and appends the
    /// events to `events` (the caller clears it first). Returning early with no events is allowed.
    ///
    /// The loop passes the exact time left until its next timer, to the nanosecond. A selector that
    /// waits in coarser units must round up: a timeout rounded down to zero makes the loop poll again
    /// and again until the deadline.
    ///
    /// # Errors
    ///
    /// As the OS call; `Interrupted` is retried by the selector, not returned.
    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()>;

    /// Wakes a `select` in progress on another thread, or makes the next one return at once.
    ///
    /// # Errors
    ///
    /// As the OS call (writing to an eventfd or pipe).
    fn notify(&self) -> io::Result<()>;
}

/// The readiness flags of one event as the reactor receives it.
pub(crate) mod ready {
    /// The descriptor is readable (or has an error to report).
    pub(crate) const READABLE: u8 = 1 << 0;
    /// The descriptor is writable (or has an error to report).
    pub(crate) const WRITABLE: u8 = 1 << 1;
    /// The peer closed its side, or the descriptor hung up: reads will not block again.
    pub(crate) const READ_CLOSED: u8 = 1 << 2;
    /// The descriptor hung up: writes will not block again.
    pub(crate) const WRITE_CLOSED: u8 = 1 << 3;
    /// TCP urgent data is queued (`EPOLLPRI`): a read stops short at its mark with data behind it.
    pub(crate) const URGENT: u8 = 1 << 4;

    /// The flags of a [`SelectorEvent`](super::SelectorEvent)-style `(readable, writable)` pair.
    #[inline]
    pub(crate) fn from_pair(readable: bool, writable: bool) -> u8 {
        (if readable { READABLE } else { 0 }) | (if writable { WRITABLE } else { 0 })
    }
}

/// The static fast path of a built-in selector, used when it is a loop's default: it waits into its
/// own native event buffer, which the reactor reads in place instead of copying it into
/// [`SelectorEvent`]s. Every built-in selector implements it, so whichever [`DefaultSelector`] a platform
/// picks offers the same surface.
pub(crate) trait NativeSelector: Selector + Sized {
    /// The native event buffer, reused across waits.
    type Events;

    /// An empty buffer.
    fn new_events() -> Self::Events;

    /// [`Selector::select`] into `events` (cleared first); returns how many native events arrived
    /// (including wake-ups that carry no key).
    fn wait(&self, events: &mut Self::Events, timeout: Option<Duration>) -> io::Result<usize>;

    /// Calls `f(key, readable, writable)` for each event in `events` (wake-ups left out).
    fn for_each(events: &Self::Events, f: impl FnMut(usize, bool, bool));

    /// Whether [`NativeSelector::register_edge`] registers edge-triggered. When it does, the reactor
    /// registers each descriptor once with it and never re-arms; otherwise it follows the oneshot
    /// contract of [`Selector`].
    const EDGE: bool = false;

    /// Adds `fd` for both directions, edge-triggered (only called when [`NativeSelector::EDGE`]).
    ///
    /// # Safety
    ///
    /// As [`Selector::register`]: `fd` stays open until [`Selector::deregister`].
    unsafe fn register_edge(&self, fd: RawFd, key: usize) -> io::Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.register(fd, key, Interest::BOTH) }
    }

    /// Makes the poller look at the level of an edge-registered `fd` again and report it if ready.
    fn reregister_edge(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        self.reregister(fd, key, Interest::BOTH)
    }

    /// Calls `f(key, flags)` for each event in `events`, with the flags of [`ready`].
    #[inline]
    fn for_each_ready(events: &Self::Events, mut f: impl FnMut(usize, u8)) {
        Self::for_each(events, |key, r, w| f(key, ready::from_pair(r, w)));
    }

    /// [`Selector::select`] through the native path: waits into `buf` (the selector's own buffer,
    /// locked only by the loop thread that selects) and copies the events to `out`.
    fn select_with(
        &self,
        buf: &Mutex<Self::Events>,
        out: &mut Vec<SelectorEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let mut events = buf.lock().unwrap_or_else(|e| e.into_inner());
        self.wait(&mut events, timeout)?;
        Self::for_each(&events, |key, readable, writable| {
            out.push(SelectorEvent {
                key,
                readable,
                writable,
            })
        });
        Ok(())
    }
}
