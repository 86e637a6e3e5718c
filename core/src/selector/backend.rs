//! The selector a loop waits on: the platform's default called statically, or any [`Selector`] through
//! the trait.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use super::{DefaultSelector, Interest, NativeSelector, Selector, SelectorEvent};

/// A loop's selector, chosen once when the loop is built. The default is called directly (no trait
/// object, no event copy); a custom [`Selector`] goes through the trait. Each method forwards to the
/// same [`Selector`] method of either variant.
pub(crate) enum Backend {
    Default(DefaultSelector),
    Custom(Box<dyn Selector>),
}

/// The loop-owned buffers a wait fills (one per backend kind; only the one of the loop's backend is
/// ever filled, the other stays empty).
pub(crate) struct EventBuffers {
    default: <DefaultSelector as NativeSelector>::Events,
    custom: Vec<SelectorEvent>,
}

impl EventBuffers {
    pub(crate) fn new() -> Self {
        EventBuffers {
            default: DefaultSelector::new_events(),
            custom: Vec::new(),
        }
    }

    /// Calls `f(key, flags)` (the flags of [`ready`](super::ready)) for each event of the last
    /// [`Backend::wait`].
    #[inline]
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, u8)) {
        DefaultSelector::for_each_ready(&self.default, &mut f);
        for ev in &self.custom {
            f(ev.key, super::ready::from_pair(ev.readable, ev.writable));
        }
    }
}

impl Backend {
    /// The platform's [`DefaultSelector`].
    pub(crate) fn new_default() -> io::Result<Backend> {
        Ok(Backend::Default(DefaultSelector::new()?))
    }

    /// [`Selector::register`].
    ///
    /// # Safety
    ///
    /// As [`Selector::register`]: `fd` stays open until [`Backend::deregister`].
    #[inline]
    pub(crate) unsafe fn register(
        &self,
        fd: RawFd,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        match self {
            // SAFETY: forwarded: the caller keeps `fd` open until `deregister` (this fn's contract).
            Backend::Default(s) => unsafe { s.register(fd, key, interest) },
            // SAFETY: as above.
            Backend::Custom(s) => unsafe { s.register(fd, key, interest) },
        }
    }

    /// Whether sources register once, edge-triggered ([`Backend::register_edge`]), rather than
    /// oneshot and re-armed after each event: the platform's default selector when it can.
    #[inline]
    pub(crate) fn is_edge(&self) -> bool {
        matches!(self, Backend::Default(_)) && DefaultSelector::EDGE
    }

    /// [`NativeSelector::register_edge`]; only called when [`Backend::is_edge`].
    ///
    /// # Safety
    ///
    /// As [`Selector::register`]: `fd` stays open until [`Backend::deregister`].
    #[inline]
    pub(crate) unsafe fn register_edge(&self, fd: RawFd, key: usize) -> io::Result<()> {
        match self {
            // SAFETY: forwarded: the caller keeps `fd` open until `deregister` (this fn's contract).
            Backend::Default(s) => unsafe { s.register_edge(fd, key) },
            // SAFETY: as above.
            Backend::Custom(s) => unsafe { s.register(fd, key, Interest::BOTH) },
        }
    }

    /// [`NativeSelector::reregister_edge`]; only called when [`Backend::is_edge`].
    #[inline]
    pub(crate) fn reregister_edge(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        match self {
            Backend::Default(s) => s.reregister_edge(fd, key),
            Backend::Custom(s) => s.reregister(fd, key, Interest::BOTH),
        }
    }

    /// [`Selector::reregister`].
    #[inline]
    pub(crate) fn reregister(
        &self,
        fd: BorrowedFd<'_>,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        match self {
            Backend::Default(s) => s.reregister(fd, key, interest),
            Backend::Custom(s) => s.reregister(fd, key, interest),
        }
    }

    /// [`Selector::deregister`].
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        match self {
            Backend::Default(s) => s.deregister(fd),
            Backend::Custom(s) => s.deregister(fd),
        }
    }

    /// [`Selector::notify`].
    #[inline]
    pub(crate) fn notify(&self) -> io::Result<()> {
        match self {
            Backend::Default(s) => s.notify(),
            Backend::Custom(s) => s.notify(),
        }
    }

    /// [`Selector::select`] into the loop's buffers (read them with [`EventBuffers::for_each`]);
    /// returns how many events arrived (0: none to read).
    #[inline]
    pub(crate) fn wait(
        &self,
        bufs: &mut EventBuffers,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        match self {
            Backend::Default(s) => s.wait(&mut bufs.default, timeout),
            Backend::Custom(s) => {
                bufs.custom.clear();
                match s.select(&mut bufs.custom, timeout) {
                    Ok(()) => Ok(bufs.custom.len()),
                    // The contract says a selector retries `EINTR` itself; one that returns it anyway
                    // has woken up with nothing to report, which is no failure of the poller.
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        bufs.custom.clear();
                        Ok(0)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}
