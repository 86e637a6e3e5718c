//! hyper's `Timer` on tulip's timer wheel and clock.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::Sleep;

/// hyper's timer on the running loop's wheel: hyper's timeouts (`header_read_timeout`, keep-alive,
/// the pooled client's idle expiry) are tulip timers, and read the loop's clock through
/// [`Timer::now`](hyper::rt::Timer::now), so on a paused clock (`start_paused`) they fire exactly, in
/// no wall time.
///
/// **asyncio:** `loop.call_later` behind aiohttp's timeouts.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// let lp = tulip_core::Loop::builder().start_paused(true).build()?;
/// lp.block_on(async {
///     let timer = tulip_hyper::TulipTimer::new();
///     let start = timer.now();
///     timer.sleep(Duration::from_secs(3600)).await;
///     assert_eq!(timer.now() - start, Duration::from_secs(3600));
/// });
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TulipTimer {
    _private: (),
}

impl TulipTimer {
    /// The timer; it holds nothing, and uses the wheel of whichever loop polls its sleeps.
    ///
    /// **asyncio:** `asyncio.get_running_loop()`, whose `call_later` and `time()` the timeouts use.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::rt::Timer;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build()?;
    /// lp.block_on(async {
    ///     let timer = tulip_hyper::TulipTimer::new();
    ///     let start = timer.now();
    ///     timer.sleep(Duration::from_secs(30)).await;
    ///     assert_eq!(timer.now() - start, Duration::from_secs(30));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> Self {
        TulipTimer { _private: () }
    }
}

impl hyper::rt::Timer for TulipTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(TulipSleep {
            inner: tulip_time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(TulipSleep {
            inner: tulip_time::sleep_until(deadline),
        })
    }

    /// The running loop's clock (paused or not); `Instant::now()` outside a loop.
    fn now(&self) -> Instant {
        tulip_time::now()
    }

    /// Moves the timer in place (no new allocation) when `sleep` is one of ours.
    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<TulipSleep>() {
            Some(mut ours) => ours.as_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The `Sleep` hyper gets from [`TulipTimer`]: a [`tulip_time::Sleep`] (`Send`, `Sync` and `Unpin`).
///
/// **asyncio:** `asyncio.sleep(delay)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// # tulip_core::run(async {
/// let mut sleep = tulip_hyper::TulipTimer::new().sleep(Duration::from_millis(1));
/// sleep.as_mut().await;
/// # });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TulipSleep {
    inner: tulip_time::Sleep,
}

impl TulipSleep {
    /// Moves the deadline; the timer stays registered.
    ///
    /// **asyncio:** `asyncio.Timeout.reschedule(when)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::rt::Timer;
    /// use tulip_hyper::TulipSleep;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build()?;
    /// lp.block_on(async {
    ///     let timer = tulip_hyper::TulipTimer::new();
    ///     let start = timer.now();
    ///     let mut sleep = timer.sleep(Duration::from_secs(60));
    ///     let ours = sleep.as_mut().downcast_mut_pin::<TulipSleep>().unwrap();
    ///     ours.reset(start + Duration::from_secs(5));
    ///     sleep.await;
    ///     assert_eq!(timer.now() - start, Duration::from_secs(5));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().inner.reset(deadline);
    }

    /// The instant this sleep completes at.
    ///
    /// **asyncio:** `asyncio.Timeout.when()`, or `TimerHandle.when()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::rt::Timer;
    /// use tulip_hyper::TulipSleep;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build()?;
    /// lp.block_on(async {
    ///     let timer = tulip_hyper::TulipTimer::new();
    ///     let mut sleep = timer.sleep(Duration::from_secs(5));
    ///     let ours = sleep.as_mut().downcast_mut_pin::<TulipSleep>().unwrap();
    ///     assert_eq!(ours.deadline(), timer.now() + Duration::from_secs(5));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn deadline(&self) -> Instant {
        self.inner.deadline()
    }
}

impl Future for TulipSleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().inner).poll(cx)
    }
}

impl Sleep for TulipSleep {}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    fn paused_loop() -> tulip_core::Loop {
        tulip_core::Loop::builder()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn reset_moves_our_sleep_in_place() {
        paused_loop().block_on(async {
            let timer = TulipTimer::new();
            let start = timer.now();
            let mut sleep = timer.sleep(Duration::from_secs(10));
            let before: *const dyn Sleep = &*sleep;
            timer.reset(&mut sleep, start + Duration::from_secs(20));
            // No new allocation: the same sleep, with a later deadline.
            assert!(std::ptr::addr_eq(before, &*sleep));
            sleep.as_mut().await;
            assert_eq!(timer.now() - start, Duration::from_secs(20));
        });
    }

    #[test]
    fn sleep_until_follows_the_paused_clock() {
        paused_loop().block_on(async {
            let timer = TulipTimer::new();
            let start = timer.now();
            timer.sleep_until(start + Duration::from_secs(90)).await;
            assert_eq!(timer.now() - start, Duration::from_secs(90));
        });
    }
}
