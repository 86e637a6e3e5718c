//! Observability: the loop's counters (always on: a few `Cell` increments outside the per-poll path's
//! branches), and, with the cargo feature `tracing`, a [`tracing`](https://docs.rs/tracing) span per
//! task and events for slow polls and for panics that reach the exception handler.
//!
//! **asyncio:** debug mode's "Executing <Task ...> took 0.153 seconds" log lines and the `asyncio`
//! logger; asyncio keeps no counters.
//!
//! # What the `tracing` feature emits
//!
//! - A span named `task` (target `tulip::task`, level `DEBUG`) per task, made when the task is spawned
//!   and entered on every poll of its future (and while the future is dropped), with the fields
//!   `task.id` ([`TaskId`](crate::TaskId) as a number), `task.name` (absent for an unnamed task),
//!   `spawn.location` (`file:line:column` of the `spawn` call) and `loop.id`. Events a task's code emits
//!   are inside its span, so a log line says which task wrote it. The span is made by the thread that
//!   spawns (with that thread's subscriber: install a global one, `tracing::subscriber::set_global_default`,
//!   when tasks are spawned from other threads or on a [`Runtime`](crate::Runtime)'s workers).
//! - An event at `WARN` (target `tulip::slow_poll`) for each task poll or callback that held the loop
//!   longer than [`Loop::slow_callback_duration`](crate::Loop::slow_callback_duration), with the fields
//!   `elapsed_us` and, for a task, `task.id`, `task.name` and `spawn.location`. Polls are timed in debug
//!   mode only ([`LoopBuilder::debug`](crate::LoopBuilder::debug), `TULIP_DEBUG=1`,
//!   `#[tulip::main(debug = true)]`), the same reports the exception handler gets there; outside debug
//!   mode no clock is read per poll.
//! - An event at `ERROR` (target `tulip::exception`) for every other report reaching the exception
//!   handler: a panic nobody observed (a detached task's, a callback's, one in a future's `Drop`), a
//!   poller failure, a user's [`Loop::call_exception_handler`](crate::Loop::call_exception_handler), with
//!   the fields `kind`, `panic` (the panic message, when there is one) and the task's fields.
//!
//! # Cost
//!
//! Measured with `scripts/instructions.sh 10000` (callgrind, instructions per operation, 2026-11-29):
//! the counters, always on, add 0-4 instructions (yield 346 → 347, spawn + await 978 → 981, ping-pong
//! 2 933 → 2 937, timer fired 1 241 → 1 244, `call_soon` 543 → 543). The `tracing` feature with no
//! subscriber installed adds about 23 instructions per poll (yield 347 → 370: entering and leaving a
//! disabled span) and 130 per spawned task (spawn + await 981 → 1 112: the span's callsite check), and
//! one `tracing::Span` to each task's allocation; with a subscriber, whatever that subscriber costs.
//!
//! # Compared with tokio-console
//!
//! tokio-console is a live, interactive view: tokio (built with `--cfg tokio_unstable`) emits spans and
//! events for every task, waker and resource, and the `console-subscriber` layer aggregates them and
//! serves them over gRPC to the `tokio-console` TUI (poll counts and busy/idle time per task, wakers
//! dropped without a wake, resources such as timers and semaphores). tulip's `tracing` output is plainer:
//! one span per task and the events above, meant for the subscriber an application already has
//! (`tracing-subscriber`'s `fmt`, OpenTelemetry, ...), so logs carry task context and slow polls and
//! lost panics show up in them. There is no waker or resource instrumentation, no console protocol, and
//! `console-subscriber` shows no tulip tasks (it looks for tokio's own span names and fields). Busy
//! time per task can still be had from any subscriber that times spans (the task span is entered
//! exactly while the task runs), and [`Loop::stats`](crate::Loop::stats) gives the loop-wide counts.
//!
//! # Examples
//!
//! ```
//! let lp = tulip_core::Loop::new().unwrap();
//! lp.block_on(async {
//!     tulip_core::spawn(async {}).await;
//! });
//! let stats = lp.stats();
//! assert!(stats.task_polls >= 1);
//! assert!(stats.iterations >= 1);
//! ```

use std::cell::Cell;

use crate::event_loop::ExceptionContext;
use crate::task::TaskMeta;

/// A loop's counters since it was made: what [`Loop::stats`](crate::Loop::stats) reads.
///
/// **asyncio:** none (asyncio keeps no counters).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// let before = lp.stats();
/// lp.block_on(async {
///     tulip_time::sleep(Duration::from_secs(1)).await;
/// });
/// let after = lp.stats();
/// assert_eq!(after.timers_fired - before.timers_fired, 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoopStats {
    /// Loop iterations (each one fires due timers or waits in the poller, then runs what was ready).
    pub iterations: u64,
    /// Task polls (one per step of a task; the main future of `block_on` is not a task).
    pub task_polls: u64,
    /// Wake-ups delivered by the poller: one per waker it woke for I/O readiness.
    pub io_events: u64,
    /// Timers that fired: sleeps and timeouts that ended, `call_later` / `call_at` callbacks queued.
    pub timers_fired: u64,
}

/// The counters inside a loop; only the loop's thread touches them.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    iterations: Cell<u64>,
    task_polls: Cell<u64>,
    io_events: Cell<u64>,
    timers_fired: Cell<u64>,
}

impl Counters {
    #[inline(always)]
    pub(crate) fn iteration(&self) {
        self.iterations.set(self.iterations.get().wrapping_add(1));
    }

    #[inline(always)]
    pub(crate) fn task_poll(&self) {
        self.task_polls.set(self.task_polls.get().wrapping_add(1));
    }

    #[inline(always)]
    pub(crate) fn io_events(&self, n: usize) {
        self.io_events
            .set(self.io_events.get().wrapping_add(n as u64));
    }

    #[inline(always)]
    pub(crate) fn timers_fired(&self, n: usize) {
        self.timers_fired
            .set(self.timers_fired.get().wrapping_add(n as u64));
    }

    pub(crate) fn snapshot(&self) -> LoopStats {
        LoopStats {
            iterations: self.iterations.get(),
            task_polls: self.task_polls.get(),
            io_events: self.io_events.get(),
            timers_fired: self.timers_fired.get(),
        }
    }
}

/// Wraps a task's future in its span (feature `tracing`); without the feature, the future itself.
#[cfg(feature = "tracing")]
#[inline]
pub(crate) fn instrument<F>(future: F, meta: &TaskMeta) -> tracing::instrument::Instrumented<F> {
    use tracing::Instrument;
    let span = tracing::debug_span!(
        target: "tulip::task",
        "task",
        task.id = meta.id().as_u64(),
        task.name = meta.name().map(|n| &**n),
        spawn.location = %meta.location(),
        loop.id = meta.loop_id(),
    );
    future.instrument(span)
}

/// Wraps a task's future in its span (feature `tracing`); without the feature, the future itself.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn instrument<F>(future: F, _meta: &TaskMeta) -> F {
    future
}

/// A report on its way to the exception handler, as a `tracing` event (feature `tracing`).
#[cfg(feature = "tracing")]
#[cold]
pub(crate) fn exception_event(ctx: &ExceptionContext<'_>) {
    use crate::event_loop::ExceptionKind;
    let task = ctx.task();
    let id = task.map(|t| t.id().as_u64());
    let name = task.and_then(|t| t.name());
    let location = task.map(|t| tracing::field::display(t.location()));
    match ctx.kind() {
        ExceptionKind::SlowCallback { elapsed } => tracing::warn!(
            target: "tulip::slow_poll",
            elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            task.id = id,
            task.name = name,
            spawn.location = location,
            "{}",
            ctx.message(),
        ),
        kind => tracing::error!(
            target: "tulip::exception",
            kind = ?kind,
            panic = ctx.panic_message(),
            task.id = id,
            task.name = name,
            spawn.location = location,
            "{}",
            ctx.message(),
        ),
    }
}

/// A report on its way to the exception handler, as a `tracing` event (feature `tracing`).
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn exception_event(_ctx: &ExceptionContext<'_>) {}
