//! `spawn_blocking`: run blocking work on a thread pool and await its result.
//!
//! Work on the pool counts as "in flight" on the loop that awaits it, from when it is queued until its
//! waiter has been woken: a loop with a paused clock does not jump its clock to the next timer while
//! any is in flight (the work takes real time the paused clock does not see).

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::context;
use crate::executor::{Injected, Shared};
use crate::sync_shim::{Handoff, InFlightCount};

/// Runs blocking `f` (file I/O, CPU-heavy work, a blocking library call) on a shared pool of threads and
/// returns a future for its result, so the loop's thread never blocks.
///
/// The pool is the `blocking` crate's (threads start on demand, up to 500, and exit after idling a
/// second). Dropping the future before `f` starts cancels it; once started, `f` runs to completion and
/// its result is dropped. A panic in `f` resumes in the task that awaits the result.
///
/// On a loop with a paused clock, time does not jump to the next timer while the work runs: a
/// `timeout(hour, spawn_blocking(work))` returns the work's value however long it takes in real time.
/// The same holds for everything built on the pool: `tulip::fs` and host name resolution.
///
/// **asyncio:** `loop.run_in_executor(None, func)` / `asyncio.to_thread(func)`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let n = tulip_core::spawn_blocking(|| (1..=10).sum::<u32>()).await;
///     assert_eq!(n, 55);
/// });
/// ```
#[doc(alias = "run_in_executor")]
#[doc(alias = "to_thread")]
pub fn spawn_blocking<T, F>(f: F) -> SpawnBlocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Handoff::new(InFlight::of_current_loop()));
    let worker = slot.clone();
    let task = blocking::unblock(move || {
        // Wakes the waiter, then ends the job's in-flight count: only then may a paused clock move
        // (the hand-off is checked by loom in `tests/loom_blocking.rs`).
        worker.complete(catch_unwind(AssertUnwindSafe(f)));
    });
    SpawnBlocking {
        task: Some(task),
        slot,
    }
}

/// The future returned by [`spawn_blocking`].
///
/// **asyncio:** the awaitable `loop.run_in_executor(None, f)` returns.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let fut: tulip_core::SpawnBlocking<u32> = tulip_core::spawn_blocking(|| 6 * 7);
///     assert_eq!(fut.await, 42);
/// });
/// ```
#[must_use = "dropping it cancels the work if it has not started"]
pub struct SpawnBlocking<T> {
    /// The pool's handle on the job: dropping it before the job starts cancels it; `None` once detached.
    task: Option<blocking::Task<()>>,
    slot: Arc<Slot<T>>,
}

impl<T> fmt::Debug for SpawnBlocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnBlocking").finish_non_exhaustive()
    }
}

impl<T> SpawnBlocking<T> {
    /// Lets the work finish in the background, dropping its result.
    ///
    /// **asyncio:** dropping the future `loop.run_in_executor` returned: the work runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// tulip_core::run(async move {
    ///     tulip_core::spawn_blocking(move || tx.send(7).unwrap()).detach();
    /// });
    /// assert_eq!(rx.recv().unwrap(), 7);
    /// ```
    pub fn detach(mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> Future for SpawnBlocking<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Made outside a loop (`Handle::spawn_blocking`), a job counts on the loop awaiting it.
        match self.slot.poll(cx.waker(), InFlight::of_current_loop) {
            Some(Ok(v)) => Poll::Ready(v),
            Some(Err(payload)) => resume_unwind(payload),
            None => Poll::Pending,
        }
    }
}

/// Where the pool thread leaves the result for the awaiting future.
type Slot<T> = Handoff<std::thread::Result<T>, InFlight>;

/// One unit of a loop's count of blocking jobs in flight; see the module docs.
struct InFlight {
    count: InFlightCount,
    shared: Arc<Shared>,
}

impl InFlight {
    /// Counts one job on the loop running on this thread, if any.
    fn of_current_loop() -> Option<InFlight> {
        context::with_current(|inner| {
            let count = inner.blocking_in_flight.clone();
            count.enter();
            InFlight {
                count,
                shared: inner.shared.clone(),
            }
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.count.leave() {
            // The last job ended: a loop parked with a paused clock may now move it. Wake it through the
            // injector so its parking handshake sees the wake-up (a closed loop refuses; nothing waits).
            let _ = self.shared.inject(Injected::Callback(Box::new(|| {})));
        }
    }
}
