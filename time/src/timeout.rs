//! `timeout` and `timeout_at`: run a future against a deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::sleep::{sleep, sleep_until, Sleep};
use crate::Elapsed;

/// Runs `future` for at most `duration`; past that it is dropped and the result is [`Elapsed`].
///
/// On the first poll the future is polled before the deadline is checked, so a future that is ready
/// at once always wins, even against a zero deadline. After that the deadline is checked first: a
/// future whose result arrives at the very instant the deadline passes (both woken in the same loop
/// iteration) is dropped and the result is `Elapsed`, as asyncio's deadline cancels the task before
/// it resumes with the result. Any `duration` is accepted: `Duration::MAX` is no deadline at all.
///
/// **asyncio:** `asyncio.wait_for(aw, timeout)` (3.12, which runs it as `async with timeout()`) and
/// `async with asyncio.timeout(delay)`. Differences: the inner future is dropped (Rust's cancellation)
/// instead of receiving `CancelledError`; a future ready on its first poll wins against a zero or past
/// deadline (asyncio's `wait_for(coro, 0)` raises `TimeoutError` without starting the coroutine).
///
/// # Cancel safety
///
/// Dropping the `Timeout` drops the inner future and cancels the timer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// # lp.block_on(async {
/// let slow = tulip_time::sleep(Duration::from_secs(10));
/// let res = tulip_time::timeout(Duration::from_millis(5), slow).await;
/// assert!(res.is_err());
/// # });
/// ```
#[doc(alias = "wait_for")]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
        polled: false,
    }
}

/// Runs `future` until `deadline`; past that it is dropped and the result is [`Elapsed`]. The
/// deadline is checked as [`timeout`]'s: after the future on the first poll, before it afterwards.
///
/// **asyncio:** `asyncio.timeout_at(when)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// # lp.block_on(async {
/// let deadline = tulip_time::now() + Duration::from_millis(50);
/// let v = tulip_time::timeout_at(deadline, async { 7 }).await;
/// assert_eq!(v, Ok(7));
/// # });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
        polled: false,
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// **asyncio:** the awaitable `asyncio.wait_for(aw, timeout)` returns; the `asyncio.Timeout` of
    /// `async with asyncio.timeout(delay)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let t: tulip_time::Timeout<_> = tulip_time::timeout(Duration::from_secs(1), async { 7 });
    ///     assert_eq!(t.await, Ok(7));
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
        // Whether the future was polled once: from then on the deadline is checked first.
        polled: bool,
    }
}

impl<F> Timeout<F> {
    /// The deadline.
    ///
    /// **asyncio:** `Timeout.when()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let t = tulip_time::timeout(Duration::from_secs(5), async {});
    ///     assert_eq!(t.deadline(), tulip_time::now() + Duration::from_secs(5));
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.sleep.deadline()
    }

    /// Moves the deadline (asyncio `Timeout.reschedule(when)`).
    ///
    /// **asyncio:** `Timeout.reschedule(when)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let slow = tulip_time::sleep(Duration::from_secs(2));
    ///     let t = tulip_time::timeout(Duration::from_secs(1), slow);
    ///     let mut t = std::pin::pin!(t);
    ///     let later = tulip_time::now() + Duration::from_secs(3);
    ///     t.as_mut().reschedule(later);
    ///     assert_eq!(t.deadline(), later);
    ///     assert!(t.await.is_ok()); // the 2 s sleep now fits
    /// });
    /// ```
    pub fn reschedule(self: Pin<&mut Self>, deadline: Instant) {
        self.project().sleep.reset(deadline);
    }

    /// The inner future.
    ///
    /// **asyncio:** none (`asyncio.wait_for` does not expose the awaitable it wraps).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let t = tulip_time::timeout(Duration::from_secs(1), std::future::ready(3));
    ///     assert!(format!("{:?}", t.get_ref()).contains("Ready"));
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Gives the inner future back, dropping the deadline.
    ///
    /// **asyncio:** none (`asyncio.wait_for` does not give back the awaitable it wraps).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let t = tulip_time::timeout(Duration::from_secs(1), async { 9 });
    ///     assert_eq!(t.into_inner().await, 9); // no deadline any more
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // asyncio's order: a deadline that has passed by the time the waiting task runs again wins,
        // even if the result arrived in the same iteration (the deadline's handler cancels the task
        // before its step runs). Only a future ready on its very first poll beats the deadline.
        if *this.polled && Pin::new(&mut *this.sleep).poll(cx).is_ready() {
            return Poll::Ready(Err(Elapsed::new()));
        }
        let first = !std::mem::replace(this.polled, true);
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if !first {
            return Poll::Pending; // the deadline was checked above, and its waker registered
        }
        match Pin::new(this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        }
    }
}
