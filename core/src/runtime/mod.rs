//! A thread-per-core runtime: N worker threads, each running its own tulip loop, shared-nothing.
//!
//! **asyncio:** none in asyncio itself (one loop per process, or one per thread by hand); what
//! `multiprocessing` plus `reuse_port=True` servers give a Python server, in one process.
//!
//! # Implementation
//!
//! Each worker is a plain [`Loop`](crate::Loop) on its own thread: its run queue, timers and reactor
//! stay loop-local, so a worker's hot path has no more atomics or locks than a single loop's. Workers
//! meet only at the edges: [`RuntimeHandle::spawn`] places a `Send` future on a worker through that
//! loop's [`Handle`] (its lock-free injector plus a poller wake-up), and servers started on every worker
//! with `SO_REUSEPORT` let the kernel spread connections between the workers' listening sockets. There
//! is no work stealing: a task stays on the worker it was placed on, as in glommio and monoio.
//!
//! [`Runtime::block_on`] runs its future as a task on worker 0 while the calling thread waits (parked);
//! the calling thread runs no loop.
//!
//! # Examples
//!
//! ```
//! use tulip_core::runtime::current_worker;
//!
//! let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
//! let handle = rt.handle();
//! let sum = rt.block_on(async move {
//!     // One `Send` task per worker, placed explicitly.
//!     let tasks: Vec<_> = handle
//!         .handles()
//!         .iter()
//!         .map(|h| h.spawn(async { current_worker().unwrap() }))
//!         .collect();
//!     let mut sum = 0;
//!     for t in tasks {
//!         sum += t.await;
//!     }
//!     sum
//! });
//! assert_eq!(sum, 1); // worker 0 + worker 1
//! ```

mod affinity;
mod builder;
mod park;
mod placement;
mod worker;

use std::fmt;
use std::future::Future;
use std::panic::{resume_unwind, Location};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::task::Task;
use crate::Handle;

pub(crate) use builder::LoopSettings;
pub use builder::RuntimeBuilder;
pub use placement::Placement;
pub use worker::{current_worker, on_shutdown};

use placement::{Counted, Placer};
use worker::Control;

/// One worker as the rest of the runtime sees it.
#[derive(Debug)]
struct WorkerRef {
    handle: Handle,
    control: Arc<Control>,
}

#[derive(Debug)]
struct RuntimeShared {
    workers: Vec<WorkerRef>,
    placer: Placer,
}

/// A `Send + Sync + Clone` reference to a [`Runtime`]'s workers: spawn on them from any thread,
/// including from tasks on the workers themselves.
///
/// **asyncio:** none (one loop per process); [`RuntimeHandle::spawn`] is `run_coroutine_threadsafe`
/// on a loop the runtime picks.
///
/// # Examples
///
/// ```
/// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
/// let h = rt.handle();
/// let t = std::thread::spawn(move || h.spawn(async { 21 * 2 })).join().unwrap();
/// assert_eq!(rt.block_on(t), 42);
/// ```
#[derive(Clone)]
pub struct RuntimeHandle {
    shared: Arc<RuntimeShared>,
}

impl fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("workers", &self.shared.workers.len())
            .finish()
    }
}

impl RuntimeHandle {
    fn new(workers: Vec<WorkerRef>, placement: Placement) -> RuntimeHandle {
        let placer = Placer::new(placement, workers.len());
        RuntimeHandle {
            shared: Arc::new(RuntimeShared { workers, placer }),
        }
    }

    /// The handle of the runtime whose worker this thread is.
    ///
    /// **asyncio:** none (one loop per process); the nearest is `asyncio.get_running_loop()`.
    ///
    /// # Panics
    ///
    /// On a thread that is not a runtime worker; see [`RuntimeHandle::try_current`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.block_on(async { tulip_core::runtime::RuntimeHandle::current().workers() }), 2);
    /// ```
    #[track_caller]
    pub fn current() -> RuntimeHandle {
        match RuntimeHandle::try_current() {
            Some(h) => h,
            None => {
                panic!("RuntimeHandle::current called on a thread that is not a runtime worker")
            }
        }
    }

    /// The handle of the runtime whose worker this thread is, if any.
    ///
    /// **asyncio:** none (one loop per process); the nearest is `asyncio.get_running_loop()` in a
    /// `try`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::runtime::RuntimeHandle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<RuntimeHandle> {
        worker::current_runtime()
    }

    /// The number of workers.
    ///
    /// **asyncio:** none (one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.shared.workers.len()
    }

    /// Worker `i`'s loop handle: spawn on that worker, or `call_soon_threadsafe` to it.
    ///
    /// **asyncio:** none (one loop per process); the handle stands for a loop object, as used with
    /// `loop.call_soon_threadsafe`.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`RuntimeHandle::workers`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// rt.worker(1).call_soon_threadsafe(move || {
    ///     tx.send(tulip_core::runtime::current_worker()).unwrap();
    /// });
    /// assert_eq!(rx.recv().unwrap(), Some(1));
    /// ```
    #[track_caller]
    pub fn worker(&self, i: usize) -> &Handle {
        match self.shared.workers.get(i) {
            Some(w) => &w.handle,
            None => panic!(
                "worker index {i} out of range: the runtime has {} workers",
                self.shared.workers.len()
            ),
        }
    }

    /// Every worker's loop handle, in worker order.
    ///
    /// **asyncio:** none (one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handles = rt.handle().handles();
    /// assert_eq!(handles.len(), 2);
    /// assert!(!handles[1].is_closed());
    /// ```
    pub fn handles(&self) -> Vec<Handle> {
        self.shared
            .workers
            .iter()
            .map(|w| w.handle.clone())
            .collect()
    }

    /// Spawns a `Send` future on a worker chosen by the runtime's [`Placement`]. To run `!Send` work,
    /// spawn with [`spawn`](crate::spawn) from a task already on the worker, or send a closure with
    /// [`Handle::call_soon_threadsafe`] that spawns it there.
    ///
    /// If the runtime has shut down, the task is cancelled at once.
    ///
    /// **asyncio:** `asyncio.run_coroutine_threadsafe(coro, loop)`, with the runtime choosing `loop`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let t = rt.spawn(async { "somewhere" });
    /// assert_eq!(rt.block_on(t), "somewhere");
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (i, load) = self.shared.placer.pick();
        self.shared.workers[i].handle.spawn_named(
            None,
            Location::caller(),
            Counted {
                future,
                _load: load,
            },
        )
    }
}

/// A thread-per-core runtime: `n` worker threads, each running its own tulip loop.
///
/// Tasks never move between workers by themselves: [`spawn`](crate::spawn) keeps a task on the current
/// worker's loop (its future need not be `Send`); [`Runtime::spawn`] places a `Send` future on a worker;
/// [`Runtime::worker`] names one. A server is run on every worker with `SO_REUSEPORT` (one listening
/// socket per worker on the same address; `tulip-net`'s `start_server_on_workers` and
/// `create_server_on_workers` do it in one call), and the kernel spreads connections between them. A
/// socket moved to another worker keeps working: its readiness wakes the task that owns it, wherever it
/// runs.
///
/// A panic in a task is handled by its worker's loop as on a single loop (reported to that loop's
/// exception handler, or resumed where the task is awaited); the worker keeps running.
///
/// Dropping the runtime shuts it down at once: it is [`Runtime::shutdown_timeout`] with a zero
/// deadline.
///
/// **asyncio:** none (asyncio runs one loop per process); each worker is one `asyncio` loop, and
/// [`Runtime::block_on`] is `asyncio.run(main())` run on worker 0.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
/// let out = rt.block_on(async {
///     let remote = tulip_core::runtime::RuntimeHandle::current().spawn(async {
///         tulip_time::sleep(Duration::from_millis(1)).await;
///         "slept on some worker"
///     });
///     remote.await
/// });
/// assert_eq!(out, "slept on some worker");
/// rt.shutdown_timeout(Duration::from_secs(1));
/// ```
pub struct Runtime {
    handle: RuntimeHandle,
    threads: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.workers())
            .field("running", &!self.threads.is_empty())
            .finish()
    }
}

impl Runtime {
    /// A runtime with one worker per available core.
    ///
    /// **asyncio:** none (asyncio runs one loop); `asyncio.new_event_loop()` for each worker.
    ///
    /// # Errors
    ///
    /// As [`RuntimeBuilder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::new().unwrap();
    /// assert!(rt.workers() >= 1);
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        RuntimeBuilder::new().build()
    }

    /// A builder for a runtime with other settings.
    ///
    /// **asyncio:** none (asyncio runs one loop).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(3).build().unwrap();
    /// assert_eq!(rt.workers(), 3);
    /// ```
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::new()
    }

    fn from_parts(handle: RuntimeHandle, threads: Vec<JoinHandle<()>>) -> Runtime {
        Runtime { handle, threads }
    }

    /// A `Send + Sync` handle to the runtime, for other threads and for tasks.
    ///
    /// **asyncio:** none (one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(1).build().unwrap();
    /// let h = rt.handle();
    /// let t = std::thread::spawn(move || h.spawn(async { 6 * 7 })).join().unwrap();
    /// assert_eq!(rt.block_on(t), 42);
    /// ```
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }

    /// The number of workers.
    ///
    /// **asyncio:** none (one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.handle.workers()
    }

    /// Worker `i`'s loop handle; see [`RuntimeHandle::worker`].
    ///
    /// **asyncio:** none (one loop per process); the handle stands for a loop object, as used with
    /// `loop.call_soon_threadsafe`.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`Runtime::workers`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::runtime::current_worker;
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let t = rt.worker(1).spawn(async { current_worker() });
    /// assert_eq!(rt.block_on(t), Some(1));
    /// ```
    #[track_caller]
    pub fn worker(&self, i: usize) -> &Handle {
        self.handle.worker(i)
    }

    /// Every worker's loop handle, in worker order.
    ///
    /// **asyncio:** none (one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(3).build().unwrap();
    /// assert_eq!(rt.handles().len(), 3);
    /// ```
    pub fn handles(&self) -> Vec<Handle> {
        self.handle.handles()
    }

    /// Spawns a `Send` future on a worker; see [`RuntimeHandle::spawn`].
    ///
    /// **asyncio:** `asyncio.run_coroutine_threadsafe(coro, loop)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let t = rt.spawn(async { "on a worker" });
    /// assert_eq!(rt.block_on(t), "on a worker");
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` as a task on worker 0 and blocks the calling thread (which runs no loop) until it
    /// completes. Inside it, [`spawn`](crate::spawn) spawns on worker 0 (and those tasks may be
    /// `!Send`); for a main future that is itself `!Send`, see [`Runtime::block_on_local`].
    ///
    /// **asyncio:** `asyncio.run(main())`, on worker 0. Differences: tasks left running when `future`
    /// ends keep running until the runtime shuts down.
    ///
    /// # Panics
    ///
    /// When called on a thread that runs a tulip loop (it would block that loop); when `future` panics
    /// (the panic is resumed here; the worker keeps running); when the runtime shut down before
    /// `future` finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let n = rt.block_on(async {
    ///     let local = std::rc::Rc::new(20); // !Send, made on the worker
    ///     let t = tulip_core::spawn(async move { *local + 1 });
    ///     t.await * 2
    /// });
    /// assert_eq!(n, 42);
    /// ```
    #[doc(alias = "run")]
    #[track_caller]
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if crate::context::current().is_some() {
            panic!(
                "Runtime::block_on called from inside a running tulip loop; this would block the loop: \
                 spawn the future and await its Task instead"
            );
        }
        let task = self
            .handle
            .worker(0)
            .spawn_named(None, Location::caller(), future);
        match park::park_on(task.join()) {
            Ok(v) => v,
            Err(e) if e.is_panic() => resume_unwind(e.into_panic()),
            Err(_) => panic!("Runtime::block_on: the runtime shut down before the future finished"),
        }
    }

    /// Like [`Runtime::block_on`] for a future that is not `Send`: `make_future` is sent to worker 0 and
    /// called there, and the future it returns runs as a local task on worker 0 (it may hold `Rc`s and
    /// other `!Send` values across `.await`s). Only the output crosses back.
    ///
    /// **asyncio:** `asyncio.run(main())`, on worker 0.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let n = rt.block_on_local(|| async {
    ///     let shared = Rc::new(std::cell::Cell::new(1));
    ///     tulip_core::yield_now().await; // an `Rc` held across an await
    ///     shared.set(shared.get() + 1);
    ///     shared.get()
    /// });
    /// assert_eq!(n, 2);
    /// ```
    #[track_caller]
    pub fn block_on_local<M, F>(&self, make_future: M) -> F::Output
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.block_on(async move { crate::spawn(make_future()).await })
    }

    /// Shuts the runtime down: every worker runs its [`on_shutdown`] hooks (servers started on the
    /// workers stop accepting), then waits until it has no task left; whatever is still running after
    /// `timeout` is cancelled (each future dropped on its own worker). Returns once every worker thread
    /// has exited. Work on the blocking pool is not waited for. A `timeout` too long to be added to
    /// the current time (`Duration::MAX`) has no deadline: it waits until the work is done.
    ///
    /// **asyncio:** closing the servers, then `asyncio.wait(tasks, timeout=d)` and cancelling the rest,
    /// as `asyncio.run` does when its main coroutine ends, on every worker.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let forever = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_millis(10));
    /// assert!(forever.is_finished());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(timeout);
    }

    fn shutdown(&mut self, timeout: Duration) {
        if self.threads.is_empty() {
            return;
        }
        let workers = &self.handle.shared.workers;
        for w in workers {
            w.control.begin_drain();
        }
        // A grace period too long to add to `now` has no deadline: wait until the work is done.
        let deadline = Instant::now().checked_add(timeout);
        for w in workers {
            if !w.control.wait_drained(deadline) {
                break;
            }
        }
        for w in workers {
            w.control.cancel();
        }
        let me = std::thread::current().id();
        for t in self.threads.drain(..) {
            // Dropped by a task on one of its own workers: that worker exits once this task returns,
            // and joining it from itself would deadlock.
            if t.thread().id() == me {
                continue;
            }
            // A worker thread does not panic (task panics are caught by its loop); nothing to resume.
            let _ = t.join();
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
    }
}
