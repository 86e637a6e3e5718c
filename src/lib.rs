#![doc = include_str!("../README.md")]
//!
//! # Crate layout
//!
//! `tulip` only re-exports: the loop, tasks and reactor live in `tulip-core`, the timer wheel and timer
//! futures in `tulip-time`, sockets and the asyncio-style streams and protocols in `tulip-net`.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

pub use tulip_core::{
    all_tasks, block_on, call_at, call_later, call_soon, current_task, default_exception_handler,
    get_running_loop, run, spawn, spawn_blocking, time, try_get_running_loop, yield_now, Async,
    Builder, CallbackHandle, ExceptionContext, ExceptionKind, Handle, Join, Loop, Readable,
    SpawnBlocking, Task, TaskError, TaskId, TaskInfo, TaskOutcome, TimerHandle, Writable, YieldNow,
};

/// Tasks: the [`Task`] handle, spawn options, outcomes.
///
/// **asyncio:** `asyncio.Task`, `asyncio.create_task`.
pub mod task {
    pub use tulip_core::task::{Builder, Join, Task, TaskError, TaskId, TaskInfo, TaskOutcome};
}

/// Timers: `sleep`, `timeout`, `interval`, the loop's clock.
///
/// **asyncio:** `asyncio.sleep`, `asyncio.wait_for`, `asyncio.timeout`, `loop.time()`.
pub mod time {
    pub use tulip_time::{
        interval, interval_at, now, sleep, sleep_until, timeout, timeout_at, Clock, Elapsed,
        Interval, MissedTickBehavior, Sleep, Timeout, RESOLUTION,
    };
}

/// The cooperative budget that keeps an always-ready task from starving timers and I/O.
pub mod coop {
    pub use tulip_core::coop::{has_budget_remaining, poll_proceed};
}

/// Networking: TCP sockets, asyncio streams, Protocol/Transport.
///
/// **asyncio:** `loop.create_server`, `open_connection`, `start_server`, `sock_*`.
pub mod net {
    pub use tulip_net::*;
}
