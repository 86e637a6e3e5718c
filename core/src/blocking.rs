//! `spawn_blocking`: run blocking work on a thread pool and await its result.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs blocking `f` (file I/O, CPU-heavy work, a blocking library call) on a shared pool of threads and
/// returns a future for its result, so the loop's thread never blocks.
///
/// The pool is the `blocking` crate's (threads start on demand, up to 500, and exit after idling a
/// second). Dropping the future before `f` starts cancels it; once started, `f` runs to completion and
/// its result is dropped.
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
    SpawnBlocking {
        task: blocking::unblock(f),
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
    task: blocking::Task<T>,
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
    pub fn detach(self) {
        self.task.detach()
    }
}

impl<T> Future for SpawnBlocking<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.task).poll(cx)
    }
}
