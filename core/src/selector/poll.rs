//! A selector on plain `poll(2)`: works for any descriptor `poll` accepts, on any Unix.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::pipe::PipeFlags;

use super::{Interest, NativeSelector, Selector, SelectorEvent};

#[derive(Debug, Clone, Copy)]
struct Registration {
    fd: RawFd,
    key: usize,
    interest: Interest,
    /// Bumped by every `reregister`, so an event never disarms a newer arming.
    generation: u64,
}

/// A [`Selector`] on `poll(2)`, emulating oneshot interest by disarming a registration once it reports.
///
/// Slower than epoll for many descriptors (each `select` passes every armed descriptor to the kernel), but
/// it accepts descriptors epoll refuses and runs on any Unix. Woken by a self-pipe.
///
/// **asyncio:** `selectors.PollSelector`.
///
/// # Examples
///
/// ```
/// use tulip_core::selector::PollSelector;
/// let lp = tulip_core::Loop::builder()
///     .selector(PollSelector::new().unwrap())
///     .build()
///     .unwrap();
/// lp.block_on(tulip_time::sleep(std::time::Duration::from_millis(1)));
/// ```
pub struct PollSelector {
    regs: Mutex<HashMap<RawFd, Registration>>,
    /// Self-pipe: `notify` writes a byte, `select` drains it.
    wake_read: OwnedFd,
    wake_write: OwnedFd,
    /// A `select` is blocked in `poll(2)`: registration changes must wake it to be seen.
    selecting: AtomicBool,
}

impl fmt::Debug for PollSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollSelector")
            .field("registrations", &self.lock().len())
            .finish()
    }
}

impl PollSelector {
    /// Creates the selector and its wake-up pipe.
    ///
    /// **asyncio:** `selectors.PollSelector()`.
    ///
    /// # Errors
    ///
    /// When the pipe cannot be created (e.g. out of descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_core::selector::{PollSelector, Selector};
    /// let sel = PollSelector::new().unwrap();
    /// sel.notify().unwrap();
    /// let mut events = Vec::new();
    /// sel.select(&mut events, Some(Duration::ZERO)).unwrap();
    /// assert!(events.is_empty()); // a wake-up carries no event
    /// ```
    pub fn new() -> io::Result<PollSelector> {
        let (wake_read, wake_write) =
            rustix::pipe::pipe_with(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC)?;
        Ok(PollSelector {
            regs: Mutex::new(HashMap::new()),
            wake_read,
            wake_write,
            selecting: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RawFd, Registration>> {
        self.regs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) -> io::Result<()> {
        if self.selecting.load(Ordering::SeqCst) {
            self.notify()?;
        }
        Ok(())
    }
}

impl Selector for PollSelector {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        let mut regs = self.lock();
        if regs.contains_key(&fd) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        regs.insert(
            fd,
            Registration {
                fd,
                key,
                interest,
                generation: 0,
            },
        );
        drop(regs);
        self.changed()
    }

    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let mut regs = self.lock();
        match regs.get_mut(&fd.as_raw_fd()) {
            Some(r) => {
                r.key = key;
                r.interest = interest;
                r.generation += 1;
            }
            None => return Err(io::Error::from(io::ErrorKind::NotFound)),
        }
        drop(regs);
        self.changed()
    }

    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        match self.lock().remove(&fd.as_raw_fd()) {
            Some(_) => Ok(()),
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }

    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        // Announce the wait before taking the snapshot: a registration change after this point
        // notifies, so it is never missed until some later wake-up.
        self.selecting.store(true, Ordering::SeqCst);
        let armed: Vec<Registration> = self
            .lock()
            .values()
            .filter(|r| r.interest.readable || r.interest.writable)
            .copied()
            .collect();
        let mut fds = Vec::with_capacity(armed.len() + 1);
        fds.push(PollFd::new(&self.wake_read, PollFlags::IN));
        for r in &armed {
            let mut flags = PollFlags::empty();
            if r.interest.readable {
                flags |= PollFlags::IN;
            }
            if r.interest.writable {
                flags |= PollFlags::OUT;
            }
            // SAFETY: `r.fd` is registered, and `register`'s contract keeps it open until `deregister`;
            // the borrow lives only for this `poll` call.
            let fd = unsafe { BorrowedFd::borrow_raw(r.fd) };
            fds.push(PollFd::from_borrowed_fd(fd, flags));
        }
        let ts = timeout.map(|d| Timespec {
            tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        let res = loop {
            match rustix::event::poll(&mut fds, ts.as_ref()) {
                Err(rustix::io::Errno::INTR) => continue,
                r => break r,
            }
        };
        self.selecting.store(false, Ordering::SeqCst);
        res?;
        if !fds[0].revents().is_empty() {
            let mut buf = [0u8; 64];
            while matches!(rustix::io::read(&self.wake_read, &mut buf), Ok(n) if n > 0) {}
        }
        let mut regs = self.lock();
        for (pfd, r) in fds[1..].iter().zip(&armed) {
            let rev = pfd.revents();
            if rev.is_empty() {
                continue;
            }
            let broken = rev.intersects(PollFlags::ERR | PollFlags::HUP | PollFlags::NVAL);
            let readable = broken || rev.contains(PollFlags::IN);
            let writable = broken || rev.contains(PollFlags::OUT);
            // Oneshot: disarm until re-armed, unless it was re-registered meanwhile.
            if let Some(cur) = regs.get_mut(&r.fd) {
                if cur.generation == r.generation {
                    cur.interest = Interest::NONE;
                }
            }
            events.push(SelectorEvent {
                key: r.key,
                readable: readable && r.interest.readable || broken,
                writable: writable && r.interest.writable || broken,
            });
        }
        Ok(())
    }

    fn notify(&self) -> io::Result<()> {
        match rustix::io::write(&self.wake_write, &[1]) {
            Ok(_) | Err(rustix::io::Errno::AGAIN) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl NativeSelector for PollSelector {
    type Events = Vec<SelectorEvent>;

    fn new_events() -> Vec<SelectorEvent> {
        Vec::new()
    }

    fn wait(
        &self,
        events: &mut Vec<SelectorEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        events.clear();
        self.select(events, timeout)?;
        Ok(events.len())
    }

    #[inline]
    fn for_each(events: &Vec<SelectorEvent>, mut f: impl FnMut(usize, bool, bool)) {
        for ev in events {
            f(ev.key, ev.readable, ev.writable);
        }
    }
}

impl AsFd for PollSelector {
    /// The wake-up pipe's read end (for diagnostics).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.wake_read.as_fd()
    }
}
