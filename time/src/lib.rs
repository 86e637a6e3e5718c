//! tulip's timers: a hierarchical timer wheel and the `sleep`, `timeout` and `interval` futures built on it.
//!
//! **asyncio:** `asyncio.sleep`, `asyncio.wait_for`, `asyncio.timeout` / `timeout_at`, and the loop's
//! timer heap behind `loop.call_later` / `loop.call_at`.
//!
//! # Implementation
//!
//! The timer wheel is a plain data structure (levels of 64 slots, 1 ms per tick, O(1) insert and cancel)
//! that knows nothing of any loop. The ticks are bookkeeping only: each timer keeps its exact deadline,
//! the loop's poller wait ends at the earliest one (to the nanosecond where the OS allows), and a timer
//! fires once its own deadline has passed, in deadline order. A loop owns one set of timers (a wheel plus a [`Clock`]) and makes it
//! current on its thread while it runs; [`sleep`] and friends reach it through that scoped slot. No
//! thread is started: the loop sleeps in its poller until the next deadline, then fires what is due.
//!
//! These futures must be polled by a running tulip loop; use them through the `tulip` crate, which
//! re-exports them as `tulip::time`.
//!
//! The modules `timers`, `wheel` and `scoped` and the types re-exported from `timers` are
//! plumbing for `tulip-core` (the loop owns the timers and sets the scoped slots); they are public only
//! because that crate needs them, hidden from the docs, and not part of tulip's API.
#![forbid(unsafe_code)]

mod clock;
mod error;
mod interval;
mod sleep;
mod timeout;

#[doc(hidden)]
pub mod scoped;
#[doc(hidden)]
pub mod timers;
#[doc(hidden)]
pub mod wheel;

pub use clock::Clock;
pub use error::Elapsed;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout};
pub use timers::{now, RESOLUTION};

#[doc(hidden)]
pub use timers::{TimerAction, TimerId, Timers};
