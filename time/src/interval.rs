//! `interval`: a stream of evenly spaced instants, with a policy for ticks it missed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::clock::saturating_add;
use crate::sleep::{sleep_until, Sleep};
use crate::{timers, RESOLUTION};

/// What an [`Interval`] does when ticks were missed because its owner was late.
///
/// **asyncio:** no counterpart; asyncio code writes `while True: await asyncio.sleep(period)`, which is
/// [`MissedTickBehavior::Delay`].
///
/// # Examples
///
/// ```
/// use tulip_time::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one per `tick()`, until caught up (the schedule stays on the grid).
    #[default]
    Burst,
    /// Restart the schedule from the late tick: the next tick is one full period after the late one was
    /// taken, however late it was.
    Delay,
    /// Skip the missed ticks: the next tick is the next point on the original grid.
    Skip,
}

/// Ticks every `period`, starting now (the first tick completes at once).
///
/// Any `period` is accepted: a zero period ticks every [`RESOLUTION`](crate::RESOLUTION) (a tick that
/// never waited would keep its owner from ever yielding), and one too long for an [`Instant`] ticks once,
/// then never again.
///
/// **asyncio:** `while True: await asyncio.sleep(period)`, without the drift.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// # lp.block_on(async {
/// let mut every = tulip_time::interval(Duration::from_millis(10));
/// every.tick().await; // at once
/// every.tick().await; // 10 ms later
/// # });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(timers::now(), period)
}

/// Ticks every `period`, the first tick at `start`. Any `start` and `period` are accepted, as for
/// [`interval`].
///
/// **asyncio:** `await asyncio.sleep(start - loop.time())` and then a periodic loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let start = tulip_time::now() + Duration::from_millis(5);
/// let every = tulip_time::interval_at(start, Duration::from_millis(10));
/// assert_eq!(every.period(), Duration::from_millis(10));
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval {
        next: start,
        period: period.max(RESOLUTION),
        behavior: MissedTickBehavior::default(),
        sleep: None,
    }
}

/// A periodic timer; see [`interval`].
///
/// **asyncio:** a `while True: await asyncio.sleep(period)` loop, with a choice of drift behaviour.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// lp.block_on(async {
///     let mut every = tulip_time::interval(Duration::from_secs(10));
///     let first = every.tick().await; // at once
///     let second = every.tick().await;
///     assert_eq!(second - first, Duration::from_secs(10));
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    next: Instant,
    period: Duration,
    behavior: MissedTickBehavior,
    sleep: Option<Sleep>,
}

impl Interval {
    /// The period (at least [`RESOLUTION`]).
    ///
    /// **asyncio:** the `period` of the `asyncio.sleep(period)` loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let every = tulip_time::interval(Duration::from_secs(10));
    ///     assert_eq!(every.period(), Duration::from_secs(10));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The missed-tick policy.
    ///
    /// **asyncio:** the drift of a `while True: await asyncio.sleep(period)` loop, which is always
    /// [`MissedTickBehavior::Delay`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let every = tulip_time::interval(Duration::from_secs(1));
    ///     assert_eq!(every.missed_tick_behavior(), tulip_time::MissedTickBehavior::Burst);
    /// });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    /// Sets the missed-tick policy.
    ///
    /// **asyncio:** the drift of a `while True: await asyncio.sleep(period)` loop, which is always
    /// [`MissedTickBehavior::Delay`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     use tulip_time::MissedTickBehavior;
    ///     let mut every = tulip_time::interval(Duration::from_secs(1));
    ///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
    ///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.behavior = behavior;
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// **asyncio:** restarting the `asyncio.sleep(period)` loop from now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let mut every = tulip_time::interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     tulip_time::sleep(Duration::from_secs(3)).await;
    ///     every.reset();
    ///     let next = every.tick().await;
    ///     assert_eq!(next, tulip_time::now()); // 10 s after the reset, not after the first tick
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.next = saturating_add(timers::now(), self.period);
        self.sleep = None;
    }

    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// **asyncio:** one `await asyncio.sleep(period)` of the loop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the returned future before it completes loses no tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let mut every = tulip_time::interval(Duration::from_secs(10));
    ///     let t0 = every.tick().await;
    ///     assert_eq!(every.tick().await, t0 + Duration::from_secs(10));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`Interval::tick`].
    ///
    /// **asyncio:** one `await asyncio.sleep(period)` of the loop, as a poll function for hand-written
    /// futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// lp.block_on(async {
    ///     let mut every = tulip_time::interval(Duration::from_secs(10));
    ///     let t0 = std::future::poll_fn(|cx| every.poll_tick(cx)).await;
    ///     let t1 = std::future::poll_fn(|cx| every.poll_tick(cx)).await;
    ///     assert_eq!(t1 - t0, Duration::from_secs(10));
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(self.next));
        if Pin::new(&mut *sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.sleep = None;
        let scheduled = self.next;
        let now = timers::now();
        let on_grid = saturating_add(scheduled, self.period);
        self.next = match self.behavior {
            MissedTickBehavior::Burst => on_grid,
            // Late (by any amount): the next tick is a full period after this one was taken.
            MissedTickBehavior::Delay if now > scheduled => saturating_add(now, self.period),
            MissedTickBehavior::Delay => on_grid,
            MissedTickBehavior::Skip if on_grid <= now => {
                let behind = now.duration_since(scheduled).as_nanos();
                let periods = behind / self.period.as_nanos() + 1;
                let ahead = self.period.as_nanos().saturating_mul(periods);
                // Past `u64::MAX` seconds the tick is "never" anyway.
                let ahead = Duration::new(
                    u64::try_from(ahead / 1_000_000_000).unwrap_or(u64::MAX),
                    (ahead % 1_000_000_000) as u32,
                );
                saturating_add(scheduled, ahead)
            }
            MissedTickBehavior::Skip => on_grid,
        };
        Poll::Ready(scheduled)
    }
}

impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
