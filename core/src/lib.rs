//! tulip's core: the event loop, its executor, tasks and reactor, and what runs on them without the
//! network: synchronisation primitives, files, signals and subprocesses.
//!
//! **asyncio:** the event loop (`asyncio.run`, `new_event_loop`, `run_until_complete`, `call_soon`,
//! `call_later`, `call_at`, `call_soon_threadsafe`, `run_in_executor`, exception handler, debug mode) and
//! tasks (`create_task`, `Task`, `add_done_callback`, `all_tasks`, `current_task`).
//!
//! # Implementation
//!
//! One loop per thread, as in asyncio. A [`Loop`] owns its run queue (tasks are `async-task` runnables
//! in a plain `VecDeque`), its reactor (one [`selector::DefaultSelector`]: epoll called directly on
//! Linux, kqueue through the `polling` crate on macOS and the BSDs, poll(2) on other Unixes) and its
//! timers (a hierarchical wheel from `tulip-time`). Each iteration runs what is ready, fires
//! due timers and waits once in the poller with the next deadline as timeout. Other threads reach a loop
//! through its [`Handle`]: a lock-free injector queue plus a poller notification. No helper thread does
//! I/O; [`spawn_blocking`] uses a thread pool for blocking work only.
//!
//! There is no global loop: a loop is current on its thread only while it runs ([`run`], [`block_on`],
//! [`Loop::block_on`]), so N loops can run on N threads at once.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! let out = tulip_core::run(async {
//!     let task = tulip_core::spawn(async {
//!         tulip_time::sleep(Duration::from_millis(1)).await;
//!         "slept"
//!     });
//!     task.await
//! });
//! assert_eq!(out, "slept");
//! ```

mod blocking;
mod callback;
mod context;
pub mod coop;
mod event_loop;
mod executor;
pub mod fs;
mod handle;
mod nameinfo;
pub mod process;
pub mod promise;
mod reactor;
pub mod runtime;
pub mod selector;
pub mod signal;
pub mod sync;
// Public only for the loom models (`tests/loom_*.rs`, built with `--cfg tulip_loom`).
#[cfg(tulip_loom)]
#[doc(hidden)]
pub mod sync_shim;
#[cfg(not(tulip_loom))]
mod sync_shim;
pub mod task;
pub mod trace;
#[doc(hidden)]
pub mod write_limits;
mod yield_now;

use std::cell::RefCell;
use std::future::Future;
use std::panic::Location;
use std::time::{Duration, Instant};

pub use blocking::{spawn_blocking, SpawnBlocking};
pub use callback::{CallbackHandle, TimerHandle};
pub use event_loop::{
    default_exception_handler, ExceptionContext, ExceptionHandler, ExceptionKind, Loop,
    LoopBuilder, WeakLoop,
};
pub use handle::Handle;
pub use nameinfo::{getnameinfo, NameInfoFlags};
pub use promise::{AlreadyDone, DoneCallbackId, Promise, PromiseError};
pub use reactor::{Async, Readable, Writable};
pub use runtime::Runtime;
pub use task::{
    as_completed, gather, gather_all, shield, try_gather, wait, wait_for, ReturnWhen, TaskGroup,
};
pub use task::{Join, Task, TaskError, TaskId, TaskInfo, TaskOutcome};
pub use trace::LoopStats;
pub use yield_now::{yield_now, YieldNow};

/// Runs `future` on a new loop on this thread, then cancels every task still pending (each future is
/// dropped exactly once), closes the loop and returns the output.
///
/// **asyncio:** `asyncio.run(main())`.
///
/// # Panics
///
/// When a loop is already running on this thread, when the OS refuses a poller (out of file
/// descriptors), or when `future` panics.
///
/// # Examples
///
/// ```
/// let n = tulip_core::run(async { 6 * 7 });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let lp = Loop::new().unwrap_or_else(|e| panic!("tulip::run could not create a loop: {e}"));
    run_then_close(&lp, future)
}

/// Runs `future` on `lp`, then closes `lp`. When `future` panics, the loop is closed before that panic
/// resumes, not by `Drop` while it unwinds: a user `Drop` that panics during the shutdown (a task's
/// future, a pending timer's closure) is then contained here, where during unwinding it would abort
/// the process. The default panic hook has printed that second panic already; the first one reaches
/// the caller.
#[doc(hidden)]
pub fn run_then_close<F: Future>(lp: &Loop, future: F) -> F::Output {
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    match catch_unwind(AssertUnwindSafe(|| lp.block_on(future))) {
        Ok(out) => {
            lp.close();
            out
        }
        Err(panic) => {
            let _ = catch_unwind(AssertUnwindSafe(|| lp.close()));
            resume_unwind(panic)
        }
    }
}

thread_local! {
    /// The loop `block_on` uses on this thread, made on first use and kept until the thread exits.
    static THREAD_LOOP: RefCell<Option<Loop>> = const { RefCell::new(None) };
}

/// Runs `future` on this thread's loop until it completes. The loop is made on first use and kept, so
/// tasks spawned during one call keep running in the next.
///
/// **asyncio:** `asyncio.get_event_loop().run_until_complete(future)`.
///
/// # Panics
///
/// When called inside a running loop (it would deadlock: spawn the future and await the task instead),
/// or when the OS refuses a poller.
///
/// # Examples
///
/// ```
/// let t = tulip_core::block_on(async { tulip_core::spawn(async { 2 }) });
/// assert_eq!(tulip_core::block_on(t), 2);
/// ```
#[doc(alias = "run_until_complete")]
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    if context::current().is_some() {
        panic!(
            "tulip::block_on called from inside a running tulip loop; this would deadlock: \
             spawn the future and await its Task instead"
        );
    }
    let lp = THREAD_LOOP.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| {
                Loop::new()
                    .unwrap_or_else(|e| panic!("tulip::block_on could not create a loop: {e}"))
            })
            .clone()
    });
    lp.block_on(future)
}

/// Spawns a task on the loop running on this thread. The future need not be `Send`.
///
/// **asyncio:** `asyncio.create_task(coro)`.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let t = tulip_core::spawn(async { "hi" });
///     assert_eq!(t.await, "hi");
/// });
/// ```
#[doc(alias = "create_task")]
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    event_loop::expect_current("spawn").spawn_local(None, Location::caller(), future)
}

/// The loop running on this thread.
///
/// **asyncio:** `asyncio.get_running_loop()`.
///
/// # Panics
///
/// When no tulip loop runs on this thread; see [`try_get_running_loop`].
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     assert!(tulip_core::get_running_loop().is_running());
/// });
/// ```
#[track_caller]
pub fn get_running_loop() -> Loop {
    match try_get_running_loop() {
        Some(l) => l,
        None => panic!("tulip::get_running_loop called with no running tulip loop on this thread"),
    }
}

/// The loop running on this thread, if any.
///
/// **asyncio:** `asyncio.get_running_loop()`, with `None` where asyncio raises `RuntimeError` (asyncio's
/// private `events._get_running_loop()`).
///
/// # Examples
///
/// ```
/// assert!(tulip_core::try_get_running_loop().is_none());
/// ```
pub fn try_get_running_loop() -> Option<Loop> {
    context::with_current(|l| l.get_loop()).flatten()
}

/// Schedules `f` on the running loop's next iteration; see [`Loop::call_soon`].
///
/// **asyncio:** `loop.call_soon(callback)`.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     tulip_core::call_soon(move || tx.send(1).unwrap());
///     tulip_core::yield_now().await;
///     assert_eq!(rx.try_recv(), Ok(1));
/// });
/// ```
#[track_caller]
pub fn call_soon(f: impl FnOnce() + 'static) -> CallbackHandle {
    event_loop::expect_current("call_soon").call_soon(Box::new(f))
}

/// Schedules `f` on the running loop after `delay`; see [`Loop::call_later`].
///
/// **asyncio:** `loop.call_later(delay, callback)`.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let h = tulip_core::call_later(Duration::from_secs(60), || unreachable!());
///     h.cancel();
/// });
/// ```
#[track_caller]
pub fn call_later(delay: Duration, f: impl FnOnce() + 'static) -> TimerHandle {
    let inner = event_loop::expect_current("call_later");
    let when = inner.timers.clock().deadline_after(delay);
    inner.call_at(when, f)
}

/// Schedules `f` on the running loop at `when`; see [`Loop::call_at`].
///
/// **asyncio:** `loop.call_at(when, callback)`.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let when = tulip_time::now() + Duration::from_millis(1);
///     let h = tulip_core::call_at(when, || {});
///     assert_eq!(h.when(), when);
/// });
/// ```
#[track_caller]
pub fn call_at(when: Instant, f: impl FnOnce() + 'static) -> TimerHandle {
    event_loop::expect_current("call_at").call_at(when, f)
}

/// The live tasks of the loop running on this thread (empty when none runs).
///
/// **asyncio:** `asyncio.all_tasks()`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let _t = tulip_core::spawn(std::future::pending::<()>());
///     tulip_core::yield_now().await;
///     assert_eq!(tulip_core::all_tasks().len(), 1);
/// });
/// ```
pub fn all_tasks() -> Vec<TaskInfo> {
    context::with_current(|l| l.all_tasks()).unwrap_or_default()
}

/// The task being polled on this thread, if any (`None` inside the `block_on` future itself and in
/// callbacks).
///
/// **asyncio:** `asyncio.current_task()`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     assert!(tulip_core::current_task().is_none());
///     let t = tulip_core::spawn(async { tulip_core::current_task().map(|i| i.id()) });
///     let id = t.id();
///     assert_eq!(t.await, Some(id));
/// });
/// ```
pub fn current_task() -> Option<TaskInfo> {
    context::with_current(|l| l.current_task()).flatten()
}
