#![doc = include_str!("../README.md")]
//!
//! # Crate layout
//!
//! `tulip` only re-exports, each item under one path: the loop, tasks, reactor, selectors, sync
//! primitives, files, signals and subprocesses live in `tulip-core`, the timer wheel and timer futures in
//! `tulip-time`, sockets and the asyncio-style streams and protocols in `tulip-net`.
//!
//! # Platforms
//!
//! tulip targets Linux first: it is tested and measured there, and its default selector calls epoll
//! directly. macOS and the BSDs use kqueue (through the `polling` crate) and other Unixes poll(2); the
//! rest of the API is the same there but not covered by CI. Windows is not supported (the reactor works
//! on Unix file descriptors). See [`selector`] for the backends.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

// The Rust side of docs/PORTING.md's side-by-side examples is compiled by `cargo test --doc`, as the
// README is.
#[cfg(doctest)]
#[doc = include_str!("../docs/PORTING.md")]
struct PortingDoctests;

#[cfg(feature = "macros")]
pub use tulip_macros::{main, test};

#[cfg(feature = "macros")]
#[doc(hidden)]
pub mod __macro_support;

pub use tulip_core::sync;
pub use tulip_core::WeakLoop;
pub use tulip_core::{
    all_tasks, block_on, call_at, call_later, call_soon, current_task, default_exception_handler,
    get_running_loop, run, spawn, spawn_blocking, try_get_running_loop, yield_now, AlreadyDone,
    Async, CallbackHandle, DoneCallbackId, ExceptionContext, ExceptionHandler, ExceptionKind,
    Handle, Join, Loop, LoopBuilder, LoopStats, Promise, PromiseError, Readable, Runtime,
    SpawnBlocking, Task, TaskError, TaskId, TaskInfo, TaskOutcome, TimerHandle, Writable, YieldNow,
};
pub use tulip_core::{
    as_completed, gather, gather_all, shield, try_gather, wait, wait_for, ReturnWhen, TaskGroup,
};

/// HTTP with hyper 1.x (feature `hyper`): hyper's executor, timer and I/O traits implemented on the
/// loop, a connector for hyper-util's pooled client, and the crates themselves (`hyper`, `hyper_util`,
/// `http_body_util`) at the versions these are for. See `examples/http_server.rs` and
/// `examples/http_client.rs`.
///
/// **asyncio:** none in the standard library; what aiohttp is to asyncio.
#[cfg(feature = "hyper")]
pub mod hyper {
    pub use tulip_hyper::*;
}

/// TLS on rustls (feature `tls`): `start_tls` on a connected stream, `open_connection` and
/// `start_server` with a TLS config, asyncio-style reader and writer over the encrypted stream. See
/// `examples/tls_echo.rs`.
///
/// **asyncio:** `ssl=` / `server_hostname=` on `open_connection` / `start_server`, `loop.start_tls()`.
#[cfg(feature = "tls")]
pub mod tls {
    pub use tulip_tls::*;
}

/// Observability: the loop's counters ([`LoopStats`], read with [`Loop::stats`]) and, with the cargo
/// feature `tracing`, a `tracing` span per task entered on every poll and events for slow polls and for
/// panics reaching the exception handler. The span and event fields, and how this compares with
/// tokio-console, are in [`tulip_core::trace`].
///
/// **asyncio:** debug mode's slow-callback log lines and the `asyncio` logger.
///
/// # Examples
///
/// ```
/// let lp = tulip::Loop::new().unwrap();
/// lp.block_on(async { tulip::spawn(async {}).await });
/// let stats: tulip::trace::LoopStats = lp.stats();
/// assert_eq!(stats.task_polls, 1);
/// ```
pub mod trace {
    pub use tulip_core::trace::*;
}

/// Tasks: spawn options ([`task::Builder`]), cancellation, and the futures and errors of the task
/// combinators. The task handle itself and the combinators are at the crate root ([`Task`],
/// [`spawn`], [`gather()`], [`wait`], …).
///
/// **asyncio:** `asyncio.Task`, `asyncio.create_task`.
pub mod task {
    pub use tulip_core::task::{
        cancellation, AsCompleted, Builder, ChildFailure, ContextVar, Gather, GatherAll, Shield,
        TaskContext, TaskFactory, TaskGroupError, TryGather,
    };
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

/// The thread-per-core runtime around [`Runtime`]: its builder, its `Send` handle, task placement,
/// the current worker's index and shutdown hooks.
///
/// **asyncio:** none (one loop per process); each worker runs one loop.
pub mod runtime {
    pub use tulip_core::runtime::{
        current_worker, on_shutdown, Placement, RuntimeBuilder, RuntimeHandle,
    };
}

/// The future of [`Promise::wait`]: waiting for a promise without reading it.
///
/// **asyncio:** `asyncio.Future`.
pub mod promise {
    pub use tulip_core::promise::Wait;
}

/// The cooperative budget that keeps an always-ready task from starving timers and I/O.
pub mod coop {
    pub use tulip_core::coop::{has_budget_remaining, poll_proceed};
}

/// Networking: TCP sockets, asyncio streams, Protocol/Transport.
///
/// **asyncio:** `loop.create_server`, `open_connection`, `start_server`, `sock_*`, `getnameinfo`.
pub mod net {
    pub use tulip_core::{getnameinfo, NameInfoFlags};
    pub use tulip_net::*;
}

/// Selectors: the trait a loop waits on ([`LoopBuilder::selector`]), the platform's default (epoll on
/// Linux, kqueue on macOS and the BSDs) and a `poll(2)` one; implement it to wait on another library's poller too (`examples/zmq_selector.rs`).
///
/// **asyncio:** the `selectors` module (`BaseSelector`, `DefaultSelector`, `PollSelector`) and
/// `asyncio.SelectorEventLoop(selector)`.
pub mod selector {
    pub use tulip_core::selector::*;
}

/// Unix signals delivered through the loop: `ctrl_c`, a `Signal` stream per signal, `shutdown_signal`.
///
/// **asyncio:** `loop.add_signal_handler` / `loop.remove_signal_handler` (also on [`Loop`]).
pub mod signal {
    pub use tulip_core::signal::*;
}

/// Subprocesses: `Command`, `Child` with async pipes, `create_subprocess_exec` / `_shell`.
///
/// **asyncio:** `asyncio.create_subprocess_exec`, `asyncio.create_subprocess_shell`,
/// `asyncio.subprocess.Process`.
pub mod process {
    pub use tulip_core::process::*;
}

/// Files without stalling the loop: `File` (chunked reads and writes on the blocking pool, with
/// `futures_io` traits), `OpenOptions`, `read_dir`, and one-shot helpers (`read`, `write`, `copy`…).
///
/// **asyncio:** none in asyncio itself: `loop.run_in_executor(None, f.read, n)`, the chunked reader
/// recipe, or the third-party `aiofiles`.
pub mod fs {
    pub use tulip_core::fs::*;
}
