//! The default selector on macOS, iOS and the BSDs: kqueue, through the `polling` crate.

use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

use polling::{Events, Poller};

use super::{Interest, NativeSelector, Selector, SelectorEvent};

/// How many events one wait collects at most.
const EVENTS_CAPACITY: usize = 1024;

/// Converts an interest for the `polling` crate.
fn to_polling(key: usize, i: Interest) -> polling::Event {
    polling::Event::new(key, i.readable, i.writable)
}

/// A [`Selector`] on kqueue (through the `polling` crate), in oneshot mode. The loop's default on
/// macOS, iOS and the BSDs.
///
/// **asyncio:** `selectors.KqueueSelector` (what `selectors.DefaultSelector` is on macOS and the BSDs).
///
/// # Examples
///
/// ```
/// use tulip_core::selector::KqueueSelector;
/// let lp = tulip_core::Loop::builder()
///     .selector(KqueueSelector::new().unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(lp.block_on(async { 1 }), 1);
/// ```
#[doc(alias = "PollingSelector")]
pub struct KqueueSelector {
    poller: Poller,
    /// The buffer [`Selector::select`] waits into; only the loop thread selects, so this lock is
    /// uncontended. The loop's own default path brings its buffer ([`NativeSelector::wait`]).
    events: Mutex<Events>,
}

impl fmt::Debug for KqueueSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KqueueSelector").finish_non_exhaustive()
    }
}

impl KqueueSelector {
    /// Opens a kqueue descriptor.
    ///
    /// **asyncio:** `selectors.KqueueSelector()`.
    ///
    /// # Errors
    ///
    /// When the OS refuses (e.g. out of file descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_core::selector::{KqueueSelector, Selector};
    /// let sel = KqueueSelector::new().unwrap();
    /// sel.notify().unwrap();
    /// let mut events = Vec::new();
    /// sel.select(&mut events, Some(Duration::ZERO)).unwrap();
    /// assert!(events.is_empty()); // a wake-up carries no event
    /// ```
    pub fn new() -> io::Result<KqueueSelector> {
        Ok(KqueueSelector {
            poller: Poller::new()?,
            events: Mutex::new(<Self as NativeSelector>::new_events()),
        })
    }
}

impl Selector for KqueueSelector {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        // SAFETY: the caller keeps `fd` open until `deregister` (this method's contract), which is what
        // `Poller::add` requires.
        unsafe { self.poller.add(fd, to_polling(key, interest)) }
    }

    #[inline]
    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.poller.modify(fd, to_polling(key, interest))
    }

    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    fn select(&self, out: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        self.select_with(&self.events, out, timeout)
    }

    #[inline]
    fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}

impl NativeSelector for KqueueSelector {
    type Events = Events;

    fn new_events() -> Events {
        Events::with_capacity(NonZeroUsize::new(EVENTS_CAPACITY).expect("non-zero"))
    }

    fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        events.clear();
        self.poller.wait(events, timeout)
    }

    #[inline]
    fn for_each(events: &Events, mut f: impl FnMut(usize, bool, bool)) {
        for ev in events.iter() {
            f(ev.key, ev.readable, ev.writable);
        }
    }
}
