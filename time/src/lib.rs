//! tulip's timers: a hierarchical timer wheel and the `sleep`, `timeout` and `interval` futures built on it.
//!
//! **asyncio:** `asyncio.sleep`, `asyncio.wait_for`, `asyncio.timeout` / `timeout_at`, and the loop's
//! timer heap behind `loop.call_later` / `loop.call_at`.
//!
//! # Implementation
//!
//! The [`wheel`] is a plain data structure (levels of 64 slots, 1 ms per tick, O(1) insert and cancel) that
//! knows nothing of any loop. A loop owns one [`Timers`] (a wheel plus a [`Clock`]) and makes it current on its
//! thread while it runs ([`timers::enter`]); [`sleep`] and friends reach it through that scoped slot. No thread
//! is started: the loop sleeps in its poller until the next deadline, then fires what is due.
//!
//! These futures must be polled by a running tulip loop; use them through the `tulip` crate, which
//! re-exports them as `tulip::time`.
#![forbid(unsafe_code)]

mod clock;
mod error;
mod interval;
mod sleep;
mod timeout;
pub mod timers;
pub mod wheel;

pub use clock::Clock;
pub use error::Elapsed;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout};
pub use timers::{now, TimerAction, TimerId, Timers, RESOLUTION};
