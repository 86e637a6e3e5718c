//! The runtime builder: worker count, placement, pinning, thread names, and the per-loop settings.

use std::fmt;
use std::io;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use super::worker::{self, Control, WorkerStart};
use super::{affinity, Placement, Runtime, RuntimeHandle, WorkerRef};
use crate::selector::Selector;
use crate::Loop;

/// The smallest worker stack [`RuntimeBuilder::build`] accepts: a worker's own loop (a debug build's
/// deeper frames included) needs about 48 KiB; the rest is for the tasks.
const MIN_STACK_SIZE: usize = 256 * 1024;

/// The most workers `build` reserves room for up front; more grow the vectors as they start.
const MAX_RESERVED_WORKERS: usize = 1024;

/// Makes a loop builder's selector, once per worker (each loop needs its own).
type SelectorFactory = dyn Fn(crate::LoopBuilder) -> io::Result<crate::LoopBuilder> + Send + Sync;

/// The loop settings every worker's loop is built with.
pub(crate) struct LoopSettings {
    debug: Option<bool>,
    slow_callback_duration: Option<Duration>,
    start_paused: bool,
    selector: Option<Box<SelectorFactory>>,
}

impl LoopSettings {
    /// Builds one worker's loop (on the worker's thread).
    pub(crate) fn build_loop(&self) -> io::Result<Loop> {
        let mut b = Loop::builder().start_paused(self.start_paused);
        if let Some(on) = self.debug {
            b = b.debug(on);
        }
        if let Some(d) = self.slow_callback_duration {
            b = b.slow_callback_duration(d);
        }
        if let Some(f) = &self.selector {
            b = f(b)?;
        }
        b.build()
    }
}

/// Settings for a new [`Runtime`]: how many workers, where [`Runtime::spawn`] places tasks, CPU pinning,
/// thread names, and the settings of every worker's loop (those of [`Loop::builder`]).
///
/// **asyncio:** none (asyncio runs one loop); the per-loop settings are those of
/// `asyncio.new_event_loop()` and `loop.set_debug()`.
///
/// # Examples
///
/// ```
/// let rt = tulip_core::Runtime::builder()
///     .workers(2)
///     .thread_name("server")
///     .debug(false)
///     .build()
///     .unwrap();
/// assert_eq!(rt.workers(), 2);
/// ```
pub struct RuntimeBuilder {
    workers: Option<usize>,
    placement: Placement,
    pin_cpus: bool,
    thread_name: String,
    stack_size: Option<usize>,
    loop_settings: LoopSettings,
}

impl fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("workers", &self.workers)
            .field("placement", &self.placement)
            .field("pin_cpus", &self.pin_cpus)
            .field("thread_name", &self.thread_name)
            .field("debug", &self.loop_settings.debug)
            .field("start_paused", &self.loop_settings.start_paused)
            .field("custom_selector", &self.loop_settings.selector.is_some())
            .finish()
    }
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        RuntimeBuilder::new()
    }
}

impl RuntimeBuilder {
    /// Default settings: one worker per available core, round-robin placement, no pinning, threads named
    /// `tulip-worker-0`, `tulip-worker-1`, …, and each loop with [`Loop::builder`]'s defaults.
    ///
    /// **asyncio:** none (asyncio runs one loop); `asyncio.new_event_loop()` makes one loop with
    /// defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::runtime::RuntimeBuilder::new().workers(1).build().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> Self {
        RuntimeBuilder {
            workers: None,
            placement: Placement::default(),
            pin_cpus: false,
            thread_name: "tulip-worker".to_owned(),
            stack_size: None,
            loop_settings: LoopSettings {
                debug: None,
                slow_callback_duration: None,
                start_paused: false,
                selector: None,
            },
        }
    }

    /// The number of worker threads, each running one loop (default: the available cores, from
    /// [`std::thread::available_parallelism`]). `build` refuses 0.
    ///
    /// **asyncio:** none (asyncio runs one loop per process).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.workers(), 2);
    /// let err = tulip_core::Runtime::builder().workers(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n);
        self
    }

    /// How [`Runtime::spawn`] picks a worker (default [`Placement::RoundRobin`]).
    ///
    /// **asyncio:** none (one loop, so nothing to place).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::runtime::{Placement, Runtime};
    /// let rt = Runtime::builder().workers(2).placement(Placement::LeastLoaded).build().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 3 })), 3);
    /// ```
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// Pins worker `i` to the `i`-th CPU this process may run on (wrapping around when there are more
    /// workers than CPUs), with `sched_setaffinity`. Off by default. Linux only: elsewhere `build`
    /// fails with `Unsupported`.
    ///
    /// **asyncio:** none (asyncio does not set CPU affinity; Python's `os.sched_setaffinity` does).
    ///
    /// # Examples
    ///
    /// ```
    /// let built = tulip_core::Runtime::builder().workers(1).pin_cpus(true).build();
    /// if cfg!(target_os = "linux") {
    ///     assert_eq!(built.unwrap().workers(), 1);
    /// } else {
    ///     assert_eq!(built.unwrap_err().kind(), std::io::ErrorKind::Unsupported);
    /// }
    /// ```
    pub fn pin_cpus(mut self, on: bool) -> Self {
        self.pin_cpus = on;
        self
    }

    /// The worker threads' name prefix; worker `i` is named `{prefix}-{i}` (default `tulip-worker`).
    ///
    /// **asyncio:** none (asyncio starts no threads); compare `threading.Thread(name=...)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(1).thread_name("io").build().unwrap();
    /// let name = rt.block_on(async { std::thread::current().name().map(str::to_owned) });
    /// assert_eq!(name.as_deref(), Some("io-0"));
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// The worker threads' stack size in bytes (default, and for 0: the standard library's). At least
    /// 256 KiB: [`build`](RuntimeBuilder::build) refuses less, which a worker's own loop could
    /// overflow (aborting the process).
    ///
    /// **asyncio:** none (asyncio starts no threads); compare `threading.stack_size(size)`, which
    /// also takes 0 for the default and refuses sizes that are too small (`ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder()
    ///     .workers(1)
    ///     .thread_stack_size(4 * 1024 * 1024)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 4 }), 4);
    /// ```
    pub fn thread_stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Debug mode on every worker's loop; see [`LoopBuilder::debug`](crate::LoopBuilder::debug). Default: as
    /// [`Loop::builder`] (the `TULIP_DEBUG` environment variable).
    ///
    /// **asyncio:** `loop.set_debug(enabled)`, on every worker's loop.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(1).debug(true).build().unwrap();
    /// assert!(rt.block_on(async { tulip_core::get_running_loop().debug() }));
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.loop_settings.debug = Some(on);
        self
    }

    /// The debug-mode threshold of every worker's loop; see
    /// [`LoopBuilder::slow_callback_duration`](crate::LoopBuilder::slow_callback_duration).
    ///
    /// **asyncio:** `loop.slow_callback_duration = seconds`, on every worker's loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = tulip_core::Runtime::builder()
    ///     .workers(1)
    ///     .debug(true)
    ///     .slow_callback_duration(Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 2 }), 2);
    /// ```
    pub fn slow_callback_duration(mut self, d: Duration) -> Self {
        self.loop_settings.slow_callback_duration = Some(d);
        self
    }

    /// Starts every worker's clock paused; see [`LoopBuilder::start_paused`](crate::LoopBuilder::start_paused).
    /// Each worker has its own clock.
    ///
    /// **asyncio:** none (asyncio has no paused clock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = tulip_core::Runtime::builder().workers(1).start_paused(true).build().unwrap();
    /// let waited = rt.block_on(async {
    ///     let t0 = tulip_time::now();
    ///     tulip_time::sleep(Duration::from_secs(3600)).await; // the paused clock jumps ahead
    ///     tulip_time::now() - t0
    /// });
    /// assert_eq!(waited, Duration::from_secs(3600));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.loop_settings.start_paused = paused;
        self
    }

    /// The selector of each worker's loop, made by `factory` once per worker on the worker's thread;
    /// see [`LoopBuilder::selector`](crate::LoopBuilder::selector).
    ///
    /// **asyncio:** `asyncio.SelectorEventLoop(selector)`, once per loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::selector::PollSelector;
    /// let rt = tulip_core::Runtime::builder()
    ///     .workers(2)
    ///     .selector(PollSelector::new)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn selector<S, F>(mut self, factory: F) -> Self
    where
        S: Selector,
        F: Fn() -> io::Result<S> + Send + Sync + 'static,
    {
        self.loop_settings.selector = Some(Box::new(move |b| Ok(b.selector(factory()?))));
        self
    }

    /// Starts the workers and returns once every worker's loop is running.
    ///
    /// **asyncio:** none (asyncio runs one loop); `asyncio.new_event_loop()` for each worker.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero workers, a [`thread_name`](RuntimeBuilder::thread_name) with a NUL byte or
    /// a [`thread_stack_size`](RuntimeBuilder::thread_stack_size) below 256 KiB; the OS's error when a
    /// thread (too many workers, a stack larger than the OS gives), a poller or (with
    /// [`pin_cpus`](RuntimeBuilder::pin_cpus)) the affinity call fails. Workers already started are
    /// stopped and joined before the error is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.handles().len(), 2);
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let n = match self.workers {
            Some(n) => n,
            None => thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a runtime needs at least one worker",
            ));
        }
        if self.thread_name.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a thread name cannot contain a NUL byte",
            ));
        }
        let stack_size = self.stack_size.filter(|&bytes| bytes != 0);
        if stack_size.is_some_and(|bytes| bytes < MIN_STACK_SIZE) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a worker's stack needs at least {MIN_STACK_SIZE} bytes"),
            ));
        }
        let cpus = if self.pin_cpus {
            Some(affinity::allowed_cpus()?)
        } else {
            None
        };
        let settings = Arc::new(self.loop_settings);
        // Room for the workers a machine can run, not for `n`: a count no machine can start fails at
        // its first thread the OS refuses, not at reserving memory for it.
        let room = n.min(MAX_RESERVED_WORKERS);
        let mut threads = Vec::with_capacity(room);
        let mut workers = Vec::with_capacity(room);
        let mut senders = Vec::with_capacity(room);
        let mut failure = None;
        for index in 0..n {
            let (ready_tx, ready_rx) = mpsc::channel();
            let (rt_tx, rt_rx) = mpsc::channel();
            let control = Arc::new(Control::default());
            let start = WorkerStart {
                index,
                cpu: cpus
                    .as_ref()
                    .filter(|c| !c.is_empty())
                    .map(|c| c[index % c.len()]),
                settings: settings.clone(),
                control: control.clone(),
                ready: ready_tx,
                runtime: rt_rx,
            };
            let mut tb = thread::Builder::new().name(format!("{}-{index}", self.thread_name));
            if let Some(bytes) = stack_size {
                tb = tb.stack_size(bytes);
            }
            let thread = match tb.spawn(move || worker::run(start)) {
                Ok(t) => t,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            threads.push(thread);
            match ready_rx.recv() {
                Ok(Ok(handle)) => {
                    workers.push(WorkerRef { handle, control });
                    senders.push(rt_tx);
                }
                Ok(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                Err(_) => {
                    failure = Some(io::Error::other(
                        "a runtime worker thread exited while starting",
                    ));
                    break;
                }
            }
        }
        if let Some(e) = failure {
            // Dropping the senders tells the started workers to close their loops and exit.
            drop(senders);
            for t in threads {
                let _ = t.join();
            }
            return Err(e);
        }
        let handle = RuntimeHandle::new(workers, self.placement);
        for tx in senders {
            // A worker that already exited simply never receives it; its thread is joined at shutdown.
            let _ = tx.send(handle.clone());
        }
        Ok(Runtime::from_parts(handle, threads))
    }
}
