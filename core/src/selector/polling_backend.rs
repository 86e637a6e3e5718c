//! The default selector: the `polling` crate (epoll on Linux, kqueue on the BSDs and macOS).

use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

use polling::{Events, Poller};

use super::{to_polling, Event, Interest, Selector};

/// How many events one `select` collects at most.
const EVENTS_CAPACITY: usize = 1024;

/// The default [`Selector`]: epoll on Linux and Android, kqueue on macOS, iOS and the BSDs, through the
/// `polling` crate, in oneshot mode.
///
/// **asyncio / selectors:** `selectors.DefaultSelector` (`EpollSelector` / `KqueueSelector`).
///
/// # Examples
///
/// ```
/// use tulip_core::selector::PollingSelector;
/// let lp = tulip_core::Loop::builder()
///     .selector(PollingSelector::new().unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(lp.block_on(async { 1 }), 1);
/// ```
pub struct PollingSelector {
    poller: Poller,
    /// The event buffer `polling` fills; only the loop thread selects, so this lock is uncontended.
    events: Mutex<Events>,
}

impl fmt::Debug for PollingSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollingSelector").finish_non_exhaustive()
    }
}

impl PollingSelector {
    /// Opens the OS poller (an epoll or kqueue descriptor).
    ///
    /// # Errors
    ///
    /// When the OS refuses (e.g. out of file descriptors).
    pub fn new() -> io::Result<PollingSelector> {
        Ok(PollingSelector {
            poller: Poller::new()?,
            events: Mutex::new(Events::with_capacity(
                NonZeroUsize::new(EVENTS_CAPACITY).expect("non-zero"),
            )),
        })
    }
}

impl Selector for PollingSelector {
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

    fn select(&self, out: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.clear();
        self.poller.wait(&mut events, timeout)?;
        out.extend(events.iter().map(|ev| Event {
            key: ev.key,
            readable: ev.readable,
            writable: ev.writable,
        }));
        Ok(())
    }

    #[inline]
    fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}
