//! `sleep` and `sleep_until`: futures that complete at a deadline on the loop's timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::clock::saturating_add;
use crate::timers::{self, TimerAction, TimerId};

/// Waits until `duration` has passed on the running loop's clock.
///
/// The timer is registered in the loop's wheel on first poll (O(1)) and cancelled when the future is dropped
/// early (O(1)). It never completes early, and the loop wakes at its exact deadline (to the nanosecond
/// where the poller takes such a timeout: `epoll_pwait2` on Linux 5.11+, ppoll, kqueue; elsewhere up to
/// a millisecond late).
/// Any `duration` is accepted: one too long for an [`Instant`] (such as [`Duration::MAX`]) means "never",
/// a sleep that stays pending however far a paused clock is advanced.
///
/// **asyncio:** `asyncio.sleep(delay)`. Differences: `delay` is a [`Duration`]; `sleep(0)` completes
/// without yielding (use `tulip::yield_now()` to yield).
///
/// # Cancel safety
///
/// Dropping the future cancels the timer; nothing else is left behind.
///
/// # Panics
///
/// When polled outside a running tulip loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// # lp.block_on(async {
/// tulip_time::sleep(Duration::from_millis(5)).await;
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    match timers::with_current(|t| t.now()) {
        Some(now) => Sleep::new(saturating_add(now, duration)),
        // Made outside a loop (`lp.block_on(sleep(d))`): the deadline is fixed at the first poll, on the
        // clock of the loop polling it, which may be paused and far from `Instant::now()`.
        None => {
            let now = Instant::now();
            Sleep {
                delay: Some(duration),
                ..Sleep::new(saturating_add(now, duration))
            }
        }
    }
}

/// Waits until `deadline` on the running loop's clock.
///
/// **asyncio:** `loop.call_at(when, ...)` for futures; asyncio has no `sleep_until`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// # lp.block_on(async {
/// let deadline = tulip_time::now() + Duration::from_millis(5);
/// tulip_time::sleep_until(deadline).await;
/// # });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// **asyncio:** the coroutine `asyncio.sleep(delay)` returns.
///
/// `Send` and `Unpin`: it holds only its deadline and the key of its timer.
///
/// A `sleep(duration)` made outside a running loop measures `duration` from its first poll, on the
/// polling loop's clock; until then [`Sleep::deadline`] counts from when it was made.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// lp.block_on(async {
///     let s: tulip_time::Sleep = tulip_time::sleep(Duration::from_secs(1));
///     let t0 = tulip_time::now();
///     s.await;
///     assert_eq!(tulip_time::now() - t0, Duration::from_secs(1));
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    timer: Option<TimerId>,
    /// `Some` for a `sleep(duration)` made outside a loop, until its first poll fixes `deadline`.
    delay: Option<Duration>,
}

impl Sleep {
    fn new(deadline: Instant) -> Self {
        Sleep {
            deadline,
            timer: None,
            delay: None,
        }
    }

    /// The instant this sleep completes at.
    ///
    /// **asyncio:** `loop.time() + delay`, the instant `asyncio.sleep(delay)` waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let s = tulip_time::sleep(Duration::from_secs(5));
    ///     assert_eq!(s.deadline(), tulip_time::now() + Duration::from_secs(5));
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed on the running loop's clock.
    ///
    /// **asyncio:** `loop.time() >= deadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let s = tulip_time::sleep(Duration::from_secs(5));
    ///     assert!(!s.is_elapsed());
    ///     tulip_time::sleep(Duration::from_secs(5)).await;
    ///     assert!(s.is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        timers::now() >= self.deadline
    }

    /// Moves the deadline (asyncio `Timeout.reschedule`). The next poll registers the new one.
    ///
    /// **asyncio:** `Timeout.reschedule(when)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let mut s = tulip_time::sleep(Duration::from_secs(3600));
    ///     let soon = tulip_time::now() + Duration::from_secs(1);
    ///     s.reset(soon);
    ///     s.await;
    ///     assert_eq!(tulip_time::now(), soon);
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel_timer();
        self.deadline = deadline;
        self.delay = None;
    }

    fn cancel_timer(&mut self) {
        if let Some(id) = self.timer.take() {
            timers::with_current(|t| t.cancel(id));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let ready = timers::expect_current(|t| {
            if let Some(d) = this.delay.take() {
                let now = t.now();
                this.deadline = saturating_add(now, d);
            }
            if let Some(id) = this.timer {
                // Registered here: pending means not due yet (the wheel never fires early); gone means
                // the wheel fired it, so the deadline has passed. No clock read either way.
                if t.update_waker(id, cx.waker()) {
                    return false;
                }
                if id.belongs_to(t) {
                    this.timer = None;
                    return true;
                }
            }
            if t.now() >= this.deadline {
                this.timer = None;
                return true;
            }
            this.timer = Some(t.insert(this.deadline, TimerAction::Wake(cx.waker().clone())));
            false
        });
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}
