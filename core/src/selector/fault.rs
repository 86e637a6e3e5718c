//! A selector that wraps another and injects the faults a real poller may show: spurious readiness,
//! `EINTR`, errors reported as events, and events delivered one wait late.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

use super::{DefaultSelector, Interest, Selector, SelectorEvent};

/// How often a [`FaultInjectingSelector`] injects each fault, in events per thousand `select` calls.
///
/// A rate of 0 turns a fault off, 1000 injects it on every call. The same `seed` gives the same
/// sequence of decisions for the same sequence of calls.
///
/// **asyncio:** none (a testing tool; asyncio's own test suite mocks its selectors instead).
///
/// # Examples
///
/// ```
/// use tulip_core::selector::Faults;
/// let faults = Faults { interrupted: 0, ..Faults::default() };
/// assert_eq!(faults.interrupted, 0);
/// assert!(faults.spurious > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faults {
    /// Seed of the pseudo-random decisions.
    pub seed: u64,
    /// Per mille of `select` calls that also report one registered descriptor ready in one direction
    /// although the OS did not say so.
    pub spurious: u16,
    /// Per mille of `select` calls that return `Interrupted` at once, without waiting.
    pub interrupted: u16,
    /// Per mille of `select` calls that report one registered descriptor readable and writable, as the
    /// OS reports an error or a hang-up.
    pub error_events: u16,
    /// Per mille of `select` calls whose real events are held back and reported by the next call.
    pub delayed: u16,
}

impl Default for Faults {
    /// Every fault on, each in about one `select` call in ten; seed 1.
    fn default() -> Self {
        Faults {
            seed: 1,
            spurious: 100,
            interrupted: 100,
            error_events: 100,
            delayed: 100,
        }
    }
}

/// A [`Selector`] wrapping another (by default the platform's [`DefaultSelector`]) that injects
/// faults: spurious readiness, `Interrupted` from `select`, error-style events (readable and writable at
/// once), and real events delivered one `select` late. The network code must survive all of them with
/// nothing lost: a spurious wake-up retries the syscall, which returns `WouldBlock` and re-arms.
///
/// `TULIP_SELECTOR=fault` makes every loop built without an explicit selector use one with
/// [`Faults::default`] (seed from `TULIP_FAULT_SEED`, default 1), so a whole test suite can run on it.
///
/// **asyncio:** none (a testing tool, as tokio's `test-util` features are).
///
/// # Examples
///
/// ```
/// use tulip_core::selector::{FaultInjectingSelector, Faults};
/// let sel = FaultInjectingSelector::new(Faults::default()).unwrap();
/// let lp = tulip_core::Loop::builder().selector(sel).build().unwrap();
/// let n = lp.block_on(async {
///     tulip_time::sleep(std::time::Duration::from_millis(2)).await;
///     7
/// });
/// assert_eq!(n, 7);
/// ```
pub struct FaultInjectingSelector<S = DefaultSelector> {
    inner: S,
    faults: Faults,
    state: Mutex<FaultState>,
}

struct FaultState {
    rng: u64,
    /// Every registered descriptor, with its key and last armed interest.
    registered: HashMap<RawFd, (usize, Interest)>,
    /// Real events held back by a delay, reported by the next `select`.
    held: Vec<SelectorEvent>,
    /// How many faults of each kind were injected: spurious, interrupted, error, delayed.
    injected: [u64; 4],
}

impl FaultState {
    /// xorshift64*: enough for fault decisions, no dependency.
    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn hit(&mut self, per_mille: u16) -> bool {
        per_mille > 0 && self.next() % 1000 < u64::from(per_mille)
    }

    /// A registered descriptor chosen at random, if any.
    fn pick(&mut self) -> Option<(usize, Interest)> {
        if self.registered.is_empty() {
            return None;
        }
        let i = (self.next() % self.registered.len() as u64) as usize;
        self.registered.values().nth(i).copied()
    }
}

impl FaultInjectingSelector<DefaultSelector> {
    /// Wraps a new [`DefaultSelector`].
    ///
    /// **asyncio:** none (a testing tool; asyncio's own test suite mocks its selectors instead).
    ///
    /// # Errors
    ///
    /// As [`DefaultSelector::new`] (e.g. `EMFILE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::selector::{FaultInjectingSelector, Faults};
    /// let sel = FaultInjectingSelector::new(Faults { seed: 42, ..Faults::default() }).unwrap();
    /// assert_eq!(sel.injected(), [0; 4]);
    /// ```
    pub fn new(faults: Faults) -> io::Result<Self> {
        Ok(Self::wrap(DefaultSelector::new()?, faults))
    }

    /// [`Faults::default`] seeded from `TULIP_FAULT_SEED` (default 1).
    pub(crate) fn from_env() -> io::Result<Self> {
        let seed = std::env::var("TULIP_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        Self::new(Faults {
            seed,
            ..Faults::default()
        })
    }
}

impl<S: Selector> FaultInjectingSelector<S> {
    /// Wraps `inner`.
    ///
    /// **asyncio:** none (a testing tool; asyncio's own test suite mocks its selectors instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::selector::{FaultInjectingSelector, Faults, PollSelector};
    /// let sel = FaultInjectingSelector::wrap(PollSelector::new().unwrap(), Faults::default());
    /// let lp = tulip_core::Loop::builder().selector(sel).build().unwrap();
    /// assert_eq!(lp.block_on(async { 1 }), 1);
    /// ```
    pub fn wrap(inner: S, faults: Faults) -> Self {
        FaultInjectingSelector {
            inner,
            faults,
            state: Mutex::new(FaultState {
                // xorshift needs a non-zero state.
                rng: faults.seed | 1,
                registered: HashMap::new(),
                held: Vec::new(),
                injected: [0; 4],
            }),
        }
    }

    /// How many faults were injected so far: `[spurious, interrupted, error_events, delayed]`.
    ///
    /// **asyncio:** none (a testing tool; asyncio's own test suite mocks its selectors instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::selector::{FaultInjectingSelector, Faults, Selector};
    /// let always = Faults { interrupted: 1000, ..Faults::default() };
    /// let sel = FaultInjectingSelector::new(always).unwrap();
    /// let mut events = Vec::new();
    /// let err = sel.select(&mut events, Some(std::time::Duration::ZERO)).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
    /// assert_eq!(sel.injected()[1], 1);
    /// ```
    pub fn injected(&self) -> [u64; 4] {
        self.lock().injected
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<S> fmt::Debug for FaultInjectingSelector<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultInjectingSelector")
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl<S: Selector> Selector for FaultInjectingSelector<S> {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        // SAFETY: forwarded contract: the caller keeps `fd` open until `deregister`.
        unsafe { self.inner.register(fd, key, interest) }?;
        self.lock().registered.insert(fd, (key, interest));
        Ok(())
    }

    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.inner.reregister(fd, key, interest)?;
        self.lock()
            .registered
            .insert(fd.as_raw_fd(), (key, interest));
        Ok(())
    }

    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let mut state = self.lock();
        if let Some((key, _)) = state.registered.remove(&fd.as_raw_fd()) {
            // A held event must not outlive its registration (the key may be reused).
            state.held.retain(|ev| ev.key != key);
        }
        drop(state);
        self.inner.deregister(fd)
    }

    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        let f = self.faults;
        let (interrupt, has_held) = {
            let mut state = self.lock();
            let interrupt = state.hit(f.interrupted);
            if interrupt {
                state.injected[1] += 1;
            }
            (interrupt, !state.held.is_empty())
        };
        if interrupt {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        // Events held back by the previous call are due now: do not sleep past them.
        let timeout = if has_held {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let start = events.len();
        self.inner.select(events, timeout)?;
        let mut state = self.lock();
        let held = std::mem::take(&mut state.held);
        if start < events.len() && state.hit(f.delayed) {
            state.injected[3] += 1;
            state.held.extend(events.drain(start..));
        }
        events.extend(held);
        if state.hit(f.spurious) {
            if let Some((key, interest)) = state.pick() {
                state.injected[0] += 1;
                // One direction it was armed for (or reading, when disarmed).
                let writable = interest.writable && (!interest.readable || state.next() % 2 == 0);
                events.push(SelectorEvent {
                    key,
                    readable: !writable,
                    writable,
                });
            }
        }
        if state.hit(f.error_events) {
            if let Some((key, _)) = state.pick() {
                state.injected[2] += 1;
                events.push(SelectorEvent {
                    key,
                    readable: true,
                    writable: true,
                });
            }
        }
        Ok(())
    }

    fn notify(&self) -> io::Result<()> {
        self.inner.notify()
    }
}
