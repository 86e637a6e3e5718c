//! The loop's monotonic clock, which tests can pause and advance by hand.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The monotonic clock a loop reads its time from.
///
/// A real clock reads [`Instant::now`]. A paused clock stands still until it is advanced, either by hand
/// ([`Clock::advance`]) or by the loop, which, when it has nothing ready to run, jumps the paused clock
/// straight to the next timer's deadline. Timer tests on a paused clock are exact and take no wall time
/// (tokio's `start_paused`).
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
    /// `Some(now)` while paused: the instant the clock reads.
    paused: Cell<Option<Instant>>,
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
            paused: Cell::new(None),
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
            paused: Cell::new(Some(Instant::now())),
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
        match self.paused.get() {
            None => Instant::now(),
            Some(now) => now,
        }
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
        self.paused.get().is_some()
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
        if self.paused.get().is_none() {
            self.paused.set(Some(Instant::now()));
        }
    }

    /// Lets the clock run again from its current reading... which is real time: a resumed clock reads
    /// [`Instant::now`], so time spent paused past the real instant is not kept.
    ///
    /// **asyncio:** none (asyncio has no paused clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = tulip_time::Clock::paused();
    /// clock.resume();
    /// assert!(!clock.is_paused());
    /// ```
    pub fn resume(&self) {
        self.paused.set(None);
    }

    /// Moves a paused clock forward by `by`.
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
        let now = self
            .paused
            .get()
            .expect("Clock::advance called on a clock that is not paused");
        self.paused.set(Some(now + by));
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
        let now = self
            .paused
            .get()
            .expect("Clock::advance_to called on a clock that is not paused");
        if to > now {
            self.paused.set(Some(to));
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}
