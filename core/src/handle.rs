//! `Handle`: the `Send + Sync` way for other threads to reach a loop.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crate::blocking::{spawn_blocking, SpawnBlocking};
use crate::executor::{Injected, Shared};
use crate::task::{self, Task};

/// A `Send + Sync + Clone` reference to a loop, for other threads: spawn `Send` futures on it and
/// schedule closures with [`Handle::call_soon_threadsafe`]. Each wakes the loop through its poller.
///
/// **asyncio:** what other threads do with a loop reference: `loop.call_soon_threadsafe` and
/// `asyncio.run_coroutine_threadsafe`.
///
/// # Examples
///
/// ```
/// let lp = tulip_core::Loop::new().unwrap();
/// let handle = lp.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { "from a thread" }))
///     .join()
///     .unwrap();
/// assert_eq!(lp.block_on(task), "from a thread");
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("loop", &self.shared.id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Handle { shared }
    }

    /// The handle of the loop running on this thread.
    ///
    /// **asyncio:** `asyncio.get_running_loop()`, for use from other threads.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread; see [`Handle::try_current`].
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let h = tulip_core::Handle::current();
    ///     assert!(!h.is_closed());
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        Handle::from_shared(
            crate::event_loop::expect_current("Handle::current")
                .shared
                .clone(),
        )
    }

    /// The handle of the loop running on this thread, if any.
    ///
    /// **asyncio:** `asyncio.get_running_loop()`, with `None` where asyncio raises `RuntimeError`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        crate::context::with_current(|l| Handle::from_shared(l.shared.clone()))
    }

    /// Spawns a `Send` future on the loop, from any thread.
    ///
    /// If the loop has begun shutting down or has shut down, the task is cancelled at once: it never
    /// runs, and its future is dropped on this thread.
    ///
    /// **asyncio:** `asyncio.run_coroutine_threadsafe(coro, loop)`. Differences: the task is made at
    /// once on the calling thread (its `Task` is returned here), not by `loop.create_task` inside a
    /// `call_soon_threadsafe` callback, so the loop's task factory does not apply (no renaming, no eager
    /// start: the first step is queued) and the task starts with an empty context (asyncio copies the
    /// calling thread's context; context values are not `Send`). Where the factory matters, do what
    /// asyncio does: `call_soon_threadsafe` a closure that calls [`spawn`](crate::spawn) on the loop's
    /// thread and sends the `Task` back (a `Task` of a `Send` output is `Send`).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let h = tulip_core::Handle::current();
    ///     let t = std::thread::spawn(move || h.spawn(async { 1 })).join().unwrap();
    ///     assert_eq!(t.await, 1);
    /// });
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(None, Location::caller(), future)
    }

    pub(crate) fn spawn_named<F>(
        &self,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
        future: F,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, task) = task::create(&self.shared, name, location, false, future);
        if self.shared.takes_new_work() {
            runnable.schedule();
        } else {
            // The loop is shutting down: the task never runs (its future is dropped here, on this
            // thread, as when the loop is gone) and awaiting it reports it cancelled.
            drop(runnable);
        }
        task
    }

    /// Schedules `f` to run on the loop's thread, from any thread, and wakes the loop.
    ///
    /// Returns whether `f` will run: `true` means it runs on the loop, in the order it arrived, even when
    /// the loop starts closing meanwhile (shutdown runs every callback it accepted); `false` means the
    /// loop has begun shutting down or has shut down, and `f` was dropped (on this thread). asyncio
    /// raises `RuntimeError('Event loop is closed')` instead.
    ///
    /// **asyncio:** `loop.call_soon_threadsafe(callback, *args)`. Differences: no handle is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let h = lp.handle();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// std::thread::spawn(move || h.call_soon_threadsafe(move || tx.send(7).unwrap()))
    ///     .join()
    ///     .unwrap();
    /// lp.block_on(tulip_core::yield_now());
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// ```
    pub fn call_soon_threadsafe(&self, f: impl FnOnce() + Send + 'static) -> bool {
        if !self.shared.takes_new_work() {
            return false; // `f` is dropped here, on this thread
        }
        self.shared.inject(Injected::Callback(Box::new(f))).is_ok()
    }

    /// Runs blocking `f` on the blocking thread pool; see [`spawn_blocking`].
    ///
    /// **asyncio:** `loop.run_in_executor(None, func)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let h = tulip_core::Handle::current();
    ///     assert_eq!(h.run_in_executor(|| 2 + 2).await, 4);
    /// });
    /// ```
    pub fn run_in_executor<T, F>(&self, f: F) -> SpawnBlocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn_blocking(f)
    }

    /// Whether the loop has shut down.
    ///
    /// **asyncio:** `loop.is_closed()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let h = lp.handle();
    /// lp.close();
    /// assert!(h.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.injector.is_closed()
    }
}
