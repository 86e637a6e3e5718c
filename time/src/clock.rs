//! The loop's monotonic clock, which tests can pause and advance by hand.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The monotonic clock a loop reads its time from.
///
/// A real clock reads [`Instant::now`]. A paused clock stands still until it is advanced, either by hand
/// ([`Clock::advance`]) or by the loop, which, when it has nothing ready to run and no work in flight on
/// the blocking pool, jumps the paused clock straight to the next timer's deadline. Timer tests on a
/// paused clock are exact and take no wall time (tokio's `start_paused`). A resumed clock runs on from
/// its paused reading, so no timer fires early.
///
/// **asyncio:** `loop.time()` reads this clock. asyncio has no paused clock; its tests mock `time()`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_time::Clock;
///
/// let clock = Clock::paused();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(clock.now() - t0, Duration::from_secs(5));
/// ```
#[derive(Debug)]
pub struct Clock {
    mode: Cell<Mode>,
}

/// How a [`Clock`] reads the time.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Follows [`Instant::now`].
    Real,
    /// Stands still at this reading.
    Paused(Instant),
    /// Resumed after a pause: reads `reading` plus the real time passed since `since`, so the clock goes
    /// on from where it stood and never jumps (forward or back) when it resumes.
    Resumed { reading: Instant, since: Instant },
}

/// How far ahead "never" lies: past the wheel's last tick (`u64::MAX` milliseconds, about 584 million
/// years), so a deadline this far away never comes due, however far a paused clock is advanced.
const NEVER: Duration = Duration::from_secs(u64::MAX / 1000 + 1);

/// `at + by`, or, when that is past what an [`Instant`] can hold, the furthest instant up to
/// `at + NEVER` that it can: "never". Never panics.
pub(crate) fn saturating_add(at: Instant, by: Duration) -> Instant {
    match at.checked_add(by) {
        Some(t) => t,
        None => furthest(at, by),
    }
}

/// The largest `at + d` with `d <= min(by, NEVER)` that an [`Instant`] can hold (a binary search over
/// whole seconds; only on the overflow path).
#[cold]
fn furthest(at: Instant, by: Duration) -> Instant {
    let cap = by.min(NEVER);
    if let Some(t) = at.checked_add(cap) {
        return t;
    }
    let (mut lo, mut hi) = (0u64, cap.as_secs());
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if at.checked_add(Duration::from_secs(mid)).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    at + Duration::from_secs(lo)
}

impl Clock {
    /// A clock that follows the system's monotonic time.
    ///
    /// **asyncio:** `time.monotonic()`, the clock asyncio's loop reads.
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = tulip_time::Clock::real();
    /// assert!(!clock.is_paused());
    /// assert!(clock.now() <= std::time::Instant::now());
    /// ```
    pub fn real() -> Self {
        Clock {
            mode: Cell::new(Mode::Real),
        }
    }

    /// A clock paused at the current instant.
    ///
    /// **asyncio:** none (asyncio has no paused clock; its tests mock `loop.time()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = tulip_time::Clock::paused();
    /// let t0 = clock.now();
    /// std::thread::sleep(Duration::from_millis(1));
    /// assert_eq!(clock.now(), t0);
    /// ```
    pub fn paused() -> Self {
        Clock {
            mode: Cell::new(Mode::Paused(Instant::now())),
        }
    }

    /// The current instant on this clock.
    ///
    /// **asyncio:** `loop.time()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// assert_eq!(lp.clock().now(), lp.time());
    /// ```
    #[inline]
    pub fn now(&self) -> Instant {
        match self.mode.get() {
            Mode::Real => Instant::now(),
            Mode::Paused(now) => now,
            Mode::Resumed { reading, since } => saturating_add(reading, since.elapsed()),
        }
    }

    /// The instant `delay` after [`Clock::now`]. Any `delay` is accepted: one too long for an
    /// [`Instant`] (such as [`Duration::MAX`]) gives an instant so far ahead that a timer due then
    /// never fires.
    ///
    /// **asyncio:** none (asyncio has no paused clock); `loop.time() + delay`, which cannot overflow a
    /// float.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::Clock;
    ///
    /// let clock = Clock::paused();
    /// assert!(clock.deadline_after(Duration::MAX) > clock.now() + Duration::from_secs(86_400 * 365_000));
    /// ```
    #[inline]
    pub fn deadline_after(&self, delay: Duration) -> Instant {
        saturating_add(self.now(), delay)
    }

    /// Whether the clock is paused.
    ///
    /// **asyncio:** none (asyncio has no paused clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// assert!(lp.clock().is_paused());
    /// ```
    #[inline]
    pub fn is_paused(&self) -> bool {
        matches!(self.mode.get(), Mode::Paused(_))
    }

    /// Pauses the clock at its current reading. Pausing a paused clock does nothing.
    ///
    /// **asyncio:** none (asyncio has no paused clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = tulip_time::Clock::real();
    /// clock.pause();
    /// assert!(clock.is_paused());
    /// assert_eq!(clock.now(), clock.now());
    /// ```
    pub fn pause(&self) {
        if !self.is_paused() {
            self.mode.set(Mode::Paused(self.now()));
        }
    }

    /// Lets a paused clock run again, from the reading it stood at: time goes on at the real rate from
    /// there, so it neither jumps ahead (a timer due later would fire early) nor goes back. Resuming a
    /// running clock does nothing.
    ///
    /// **asyncio:** none (asyncio has no paused clock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::Clock;
    ///
    /// let clock = Clock::paused();
    /// clock.advance(Duration::from_secs(3600));
    /// let before = clock.now();
    /// clock.resume();
    /// assert!(clock.now() >= before);
    /// assert!(clock.now() - before < Duration::from_secs(3600));
    /// ```
    pub fn resume(&self) {
        if let Mode::Paused(reading) = self.mode.get() {
            self.mode.set(Mode::Resumed {
                reading,
                since: Instant::now(),
            });
        }
    }

    /// Moves a paused clock forward by `by`. Any `by` is accepted: one past what an [`Instant`] can
    /// hold moves the clock as far as it can go.
    ///
    /// **asyncio:** none (asyncio has no paused clock; its tests advance a mocked `loop.time()`).
    ///
    /// # Panics
    ///
    /// If the clock is not paused: a real clock cannot be moved.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = tulip_time::Clock::paused();
    /// let t0 = clock.now();
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(clock.now() - t0, Duration::from_secs(2));
    /// ```
    #[track_caller]
    pub fn advance(&self, by: Duration) {
        let Mode::Paused(now) = self.mode.get() else {
            not_paused("Clock::advance")
        };
        self.mode.set(Mode::Paused(saturating_add(now, by)));
    }

    /// Moves a paused clock forward to `to`; an instant in the past leaves it where it is.
    ///
    /// **asyncio:** none (asyncio has no paused clock; its tests set a mocked `loop.time()`).
    ///
    /// # Panics
    ///
    /// If the clock is not paused.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = tulip_time::Clock::paused();
    /// let later = clock.now() + Duration::from_secs(2);
    /// clock.advance_to(later);
    /// assert_eq!(clock.now(), later);
    /// clock.advance_to(later - Duration::from_secs(1)); // the past: stays
    /// assert_eq!(clock.now(), later);
    /// ```
    #[track_caller]
    pub fn advance_to(&self, to: Instant) {
        let Mode::Paused(now) = self.mode.get() else {
            not_paused("Clock::advance_to")
        };
        if to > now {
            self.mode.set(Mode::Paused(to));
        }
    }
}

#[cold]
#[track_caller]
fn not_paused(what: &str) -> ! {
    panic!("{what} called on a clock that is not paused")
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}
