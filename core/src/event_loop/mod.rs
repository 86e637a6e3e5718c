//! The event loop: one per thread, owning its run queue, reactor and timers.

mod awaiter_order;
mod builder;
mod exception;
mod fd_watch;
mod idle;
mod ready_queue;
mod run;
mod timer_slack;
mod weak;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use tulip_time::{Clock, TimerAction, TimerId, Timers};

pub use builder::LoopBuilder;
pub use exception::{default_exception_handler, ExceptionContext, ExceptionHandler, ExceptionKind};
use ready_queue::{Ready, ReadyQueue};
pub use weak::WeakLoop;

use crate::callback::{CallbackHandle, TimerHandle};
use crate::context;
use crate::executor::{Shared, TaskRunnable};
use crate::reactor::{Backend, Reactor};
use crate::task::{self, DoneCallback, Registry, Task, TaskId, TaskInfo, TaskMeta, TaskOutcome};
use crate::Handle;

/// Where a loop is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Idle,
    Running,
    Closing,
    Closed,
}

/// Everything a loop owns. Loop-local: plain `Cell`/`RefCell`, no locks; other threads reach the loop
/// only through [`Shared`].
pub(crate) struct LoopInner {
    pub(crate) shared: Arc<Shared>,
    /// The ready handles, FIFO: task steps, callbacks and the main future in the order they became
    /// ready. An iteration runs the ones queued when it began. Callback ids increase along the queue.
    ready: ReadyQueue,
    next_callback_id: Cell<u64>,
    /// Id of the next callback to leave the queue: callbacks with a smaller id have run or were dropped.
    next_callback_to_run: Cell<u64>,
    /// Generation of the current (or last) `block_on` call, to tell its `Main` markers from stale ones.
    main_generation: Cell<u64>,
    /// Ids of queued callbacks whose handle was cancelled (rare; checked only when non-empty).
    cancelled_callbacks: RefCell<Vec<u64>>,
    /// Tag of the next `call_at` timer (`TimerAction::Tagged`). Tags wrap after 2^32 timers, like the
    /// generations of the wheel's keys: only callbacks fired and still queued are searched by tag.
    next_timer_tag: Cell<u32>,
    /// `(tag, callback id)` of each `call_at` callback that fired and waits in the ready queue, in id
    /// order, so its `TimerHandle` can still cancel it; an entry leaves when its callback leaves the queue.
    fired_timer_callbacks: RefCell<VecDeque<(u32, u64)>>,
    /// The callback id at the front of `fired_timer_callbacks` (`u64::MAX` when it is empty): running
    /// a callback checks it with one compare.
    next_fired_timer_callback: Cell<u64>,
    pub(crate) timers: Rc<Timers>,
    /// The thread's timer slack, lowered during a run that waits with a timeout.
    timer_slack: timer_slack::TimerSlack,
    /// Jobs on the blocking pool this loop waits for; a paused clock does not jump while any is in flight.
    pub(crate) blocking_in_flight: crate::sync_shim::InFlightCount,
    registry: RefCell<Registry>,
    /// Where awaiters wake among done-callbacks added after they parked.
    awaiter_order: awaiter_order::AwaiterOrder,
    /// Reused buffers: poller events, wakers to wake, fired timers.
    events: RefCell<crate::reactor::EventBuffers>,
    wakers: RefCell<Vec<Waker>>,
    fired: RefCell<Vec<TimerAction>>,
    /// Iterations, polls, I/O wake-ups, timers fired (`Loop::stats`).
    pub(crate) counters: crate::trace::Counters,
    debug: Cell<bool>,
    slow_callback_duration: Cell<Duration>,
    exception_handler: RefCell<Option<ExceptionHandler>>,
    state: Cell<State>,
    /// `set_task_factory`: adjusts the options of every task spawned on the loop's thread.
    pub(crate) task_factory: RefCell<Option<task::TaskFactory>>,
    /// Whether `task_factory` is set (one load on the spawn path).
    pub(crate) has_task_factory: Cell<bool>,
    /// Task-local contexts of parked tasks that have one.
    pub(crate) task_contexts: task::ContextStore,
    stop_requested: Cell<bool>,
    /// `add_reader` / `add_writer` watches.
    fd_watches: RefCell<fd_watch::FdWatches>,
    /// The public owner, so `get_running_loop()` can hand out a `Loop`.
    owner: RefCell<Weak<LoopOwner>>,
}

/// Owns a loop's lifetime: when the last [`Loop`] clone drops, the loop shuts down.
struct LoopOwner {
    inner: Rc<LoopInner>,
}

impl Drop for LoopOwner {
    fn drop(&mut self) {
        if matches!(self.inner.state.get(), State::Idle) {
            self.inner.shutdown();
        }
    }
}

/// An event loop: runs tasks and callbacks, waits on I/O readiness and timers, all on one thread.
///
/// A `Loop` is a cheap, clonable reference, `!Send`: it belongs to the thread that made it. Other threads
/// use its [`Handle`]. When the last clone is dropped (or [`Loop::close`] is called) every pending task is
/// cancelled, its future dropped exactly once, and pending callbacks are dropped.
///
/// **asyncio:** `asyncio.AbstractEventLoop` (`asyncio.new_event_loop()`).
///
/// # Implementation
///
/// One FIFO of ready handles (asyncio's `_ready`): task steps, callbacks and the main future of
/// `block_on`, in the order they became ready. An iteration fires due timers from the hierarchical wheel
/// (or, with nothing ready, first waits in the poller, `epoll_wait` on Linux, until the next timer
/// deadline), then runs exactly the handles that were ready when it began; whatever becomes ready
/// meanwhile runs in a later iteration. While busy, the poller is checked with a zero timeout every 61
/// handles; what it wakes joins the back of the queue. No helper thread.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let lp = tulip_core::Loop::new().unwrap();
/// let out = lp.block_on(async {
///     tulip_time::sleep(Duration::from_millis(1)).await;
///     42
/// });
/// assert_eq!(out, 42);
/// ```
#[derive(Clone)]
pub struct Loop {
    owner: Rc<LoopOwner>,
}

impl fmt::Debug for Loop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.owner.inner;
        f.debug_struct("Loop")
            .field("id", &inner.shared.id)
            .field("state", &inner.state.get())
            .field("tasks", &inner.registry.borrow().len())
            .field("timers", &inner.timers.len())
            .finish()
    }
}

impl Loop {
    /// A loop with default settings.
    ///
    /// **asyncio:** `asyncio.new_event_loop()`.
    ///
    /// # Errors
    ///
    /// When the OS refuses a poller (e.g. out of file descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// assert_eq!(lp.block_on(async { 1 }), 1);
    /// ```
    pub fn new() -> io::Result<Loop> {
        LoopBuilder::new().build()
    }

    /// A builder for a loop with other settings.
    ///
    /// **asyncio:** `asyncio.new_event_loop()` followed by `loop.set_debug(...)` and friends; here the
    /// settings come first.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// assert!(lp.clock().is_paused());
    /// ```
    pub fn builder() -> LoopBuilder {
        LoopBuilder::new()
    }

    fn from_builder(b: LoopBuilder) -> io::Result<Loop> {
        let backend = match b.selector {
            Some(s) => Backend::Custom(s),
            None => match std::env::var_os("TULIP_SELECTOR") {
                Some(v) if v == "poll" => {
                    Backend::Custom(Box::new(crate::selector::PollSelector::new()?))
                }
                Some(v) if v == "fault" => Backend::Custom(Box::new(
                    crate::selector::FaultInjectingSelector::from_env()?,
                )),
                _ => Backend::new_default()?,
            },
        };
        let reactor = Reactor::new(backend);
        let clock = if b.start_paused {
            Clock::paused()
        } else {
            Clock::real()
        };
        let inner = Rc::new(LoopInner {
            shared: Shared::new(reactor),
            ready: ReadyQueue::with_capacity(run::READY_CAPACITY),
            next_callback_id: Cell::new(0),
            next_callback_to_run: Cell::new(0),
            main_generation: Cell::new(0),
            cancelled_callbacks: RefCell::new(Vec::new()),
            next_timer_tag: Cell::new(0),
            fired_timer_callbacks: RefCell::new(VecDeque::new()),
            next_fired_timer_callback: Cell::new(u64::MAX),
            timers: Rc::new(Timers::new(clock)),
            timer_slack: timer_slack::TimerSlack::default(),
            blocking_in_flight: crate::sync_shim::InFlightCount::new(),
            registry: RefCell::new(Registry::default()),
            awaiter_order: awaiter_order::AwaiterOrder::default(),
            events: RefCell::new(crate::reactor::EventBuffers::new()),
            wakers: RefCell::new(Vec::new()),
            fired: RefCell::new(Vec::new()),
            counters: crate::trace::Counters::default(),
            debug: Cell::new(b.debug),
            slow_callback_duration: Cell::new(b.slow_callback_duration),
            exception_handler: RefCell::new(None),
            state: Cell::new(State::Idle),
            task_factory: RefCell::new(None),
            has_task_factory: Cell::new(false),
            task_contexts: task::ContextStore::default(),
            stop_requested: Cell::new(false),
            fd_watches: RefCell::new(fd_watch::FdWatches::default()),
            owner: RefCell::new(Weak::new()),
        });
        crate::context::made_here(&inner);
        let owner = Rc::new(LoopOwner { inner });
        *owner.inner.owner.borrow_mut() = Rc::downgrade(&owner);
        Ok(Loop { owner })
    }

    pub(crate) fn inner(&self) -> &Rc<LoopInner> {
        &self.owner.inner
    }

    /// Runs `future` on this loop until it completes, driving every task and timer meanwhile, and returns
    /// its output. The future is scheduled like a task: its first step runs after the handles already
    /// ready, and each wake-up queues its next step behind them. Tasks and callbacks still pending
    /// afterwards stay on the loop for the next call.
    ///
    /// **asyncio:** `loop.run_until_complete(future)`. Differences: returns as soon as the future
    /// completes, without finishing the iteration; [`Loop::stop`] does not interrupt it.
    ///
    /// # Panics
    ///
    /// When a loop is already running on this thread (a nested `block_on` would deadlock; spawn the
    /// future instead), or when the loop is closed. A panic in `future` itself propagates.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// assert_eq!(lp.block_on(async { "done" }), "done");
    /// ```
    #[doc(alias = "run_until_complete")]
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner().block_on(future)
    }

    /// Runs the loop until [`Loop::stop`] is called (from a task or callback on it, or through
    /// `Handle::call_soon_threadsafe`).
    ///
    /// **asyncio:** `loop.run_forever()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// lp.call_later(Duration::from_millis(1), move || l2.stop());
    /// lp.run_forever();
    /// ```
    #[track_caller]
    pub fn run_forever(&self) {
        self.inner().run_forever()
    }

    /// Makes [`Loop::run_forever`] return once the current iteration has run every handle that was
    /// ready when it began (handles scheduled during it run on the next run). Called before
    /// `run_forever`, that call runs one full iteration and returns. [`Loop::block_on`] ignores it.
    ///
    /// **asyncio:** `loop.stop()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let ran = Rc::new(Cell::new(false));
    /// let r = ran.clone();
    /// lp.call_soon(move || r.set(true));
    /// lp.stop();
    /// lp.run_forever(); // one iteration: runs the callback, then returns
    /// assert!(ran.get());
    /// ```
    pub fn stop(&self) {
        self.inner().stop_requested.set(true);
    }

    /// Whether the loop is running (inside `block_on` / `run_forever`).
    ///
    /// **asyncio:** `loop.is_running()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// assert!(!lp.is_running());
    /// let l2 = lp.clone();
    /// assert!(lp.block_on(async move { l2.is_running() }));
    /// ```
    pub fn is_running(&self) -> bool {
        self.inner().state.get() == State::Running
    }

    /// Whether the loop has been closed.
    ///
    /// **asyncio:** `loop.is_closed()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.close();
    /// assert!(lp.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().state.get() == State::Closed
    }

    /// Closes the loop: cancels every pending task (dropping each future exactly once, on this thread),
    /// runs the done-callbacks that cancellation scheduled and the `call_soon_threadsafe` callbacks it
    /// had accepted, and drops the other pending callbacks and timers. This also holds when the loop is
    /// dropped during thread-local teardown. Closing twice is harmless.
    ///
    /// From the moment closing begins, new work from a [`Handle`](crate::Handle) is refused:
    /// `call_soon_threadsafe` returns `false` and `Handle::spawn` returns a task cancelled at once.
    /// Wakes of the loop's own tasks from other threads (channels, `spawn_blocking` results) still
    /// arrive while their cancellation runs.
    ///
    /// **asyncio:** `loop.close()` after `asyncio.run`'s "cancel all tasks" step. Differences: during
    /// that step asyncio still accepts `call_soon_threadsafe`; tulip's one step refuses it, as asyncio's
    /// `close()` does, so a thread that keeps submitting cannot hold the close up.
    ///
    /// # Panics
    ///
    /// When called while the loop is running.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let t = lp.spawn(std::future::pending::<()>());
    /// lp.close();
    /// assert!(t.is_finished());
    /// ```
    #[track_caller]
    pub fn close(&self) {
        if self.is_running() {
            panic!("Loop::close called while the loop is running");
        }
        self.inner().shutdown();
    }

    /// Spawns a task on this loop. The future need not be `Send`.
    ///
    /// **asyncio:** `loop.create_task(coro)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let t = lp.spawn(async { 7 });
    /// assert_eq!(lp.block_on(t), 7);
    /// ```
    #[doc(alias = "create_task")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner().spawn_local(None, Location::caller(), future)
    }

    /// Schedules `f` to run on the next iteration. It joins the back of the ready queue it shares with
    /// task steps, so handles run in the order they became ready; one scheduled during an iteration runs
    /// in the next one.
    ///
    /// **asyncio:** `loop.call_soon(callback, *args)`. Differences: the closure captures its arguments;
    /// on a closed loop (asyncio: `RuntimeError('Event loop is closed')`) the closure is dropped at
    /// once, never run, and the handle returned is already [cancelled](CallbackHandle::cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// lp.call_soon(move || l2.stop());
    /// lp.run_forever();
    /// ```
    pub fn call_soon(&self, f: impl FnOnce() + 'static) -> CallbackHandle {
        self.inner().call_soon(Box::new(f))
    }

    /// Schedules `f` to run once `delay` has passed. Any `delay` is accepted: one too long for an
    /// [`Instant`] (such as `Duration::MAX`) schedules "never": the callback stays pending (and
    /// cancellable) but never runs.
    ///
    /// **asyncio:** `loop.call_later(delay, callback, *args)`. Differences: `delay` is a `Duration`
    /// (`float("inf")` is `Duration::MAX`); the [`TimerHandle`] cancels on `cancel()`, not on drop; on
    /// a closed loop the closure is dropped at once and the handle is already cancelled (asyncio
    /// raises `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// lp.call_later(Duration::from_millis(2), move || l2.stop());
    /// lp.run_forever();
    /// ```
    pub fn call_later(&self, delay: Duration, f: impl FnOnce() + 'static) -> TimerHandle {
        let when = self.clock().deadline_after(delay);
        self.inner().call_at(when, f)
    }

    /// Schedules `f` to run at `when` on the loop's clock ([`Loop::time`]). Callbacks due at the same
    /// instant run in the order they were scheduled; cancelling one from another of them stops it. Any
    /// `when` is accepted; one more than about 584 million years ahead is "never".
    ///
    /// **asyncio:** `loop.call_at(when, callback, *args)`. On a closed loop the closure is dropped at
    /// once and the handle is already cancelled (asyncio raises `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// let h = lp.call_at(lp.time() + Duration::from_millis(1), move || l2.stop());
    /// assert!(h.when() > lp.time() - Duration::from_secs(1));
    /// lp.run_forever();
    /// ```
    pub fn call_at(&self, when: Instant, f: impl FnOnce() + 'static) -> TimerHandle {
        self.inner().call_at(when, f)
    }

    /// The loop's monotonic clock.
    ///
    /// **asyncio:** `loop.time()`. Differences: an [`Instant`], not float seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let t = lp.time();
    /// assert!(lp.time() >= t);
    /// ```
    pub fn time(&self) -> Instant {
        self.inner().timers.now()
    }

    /// The loop's clock, to pause and advance it in tests.
    ///
    /// **asyncio:** the clock behind `loop.time()`; asyncio has no paused clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// let t0 = lp.time();
    /// lp.clock().advance(Duration::from_secs(60));
    /// assert_eq!(lp.time() - t0, Duration::from_secs(60));
    /// ```
    pub fn clock(&self) -> &Clock {
        self.inner().timers.clock()
    }

    /// A `Send + Sync` handle for other threads.
    ///
    /// **asyncio:** the loop object other threads pass to `call_soon_threadsafe` and
    /// `asyncio.run_coroutine_threadsafe`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let h = lp.handle();
    /// let t = std::thread::spawn(move || h.spawn(async { 5 })).join().unwrap();
    /// assert_eq!(lp.block_on(t), 5);
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::from_shared(self.inner().shared.clone())
    }

    /// Whether debug mode is on.
    ///
    /// **asyncio:** `loop.get_debug()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().debug(false).build().unwrap();
    /// assert!(!lp.debug());
    /// ```
    #[doc(alias = "get_debug")]
    pub fn debug(&self) -> bool {
        self.inner().debug.get()
    }

    /// Turns debug mode on or off; see [`LoopBuilder::debug`].
    ///
    /// **asyncio:** `loop.set_debug(enabled)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.set_debug(true);
    /// assert!(lp.debug());
    /// ```
    pub fn set_debug(&self, on: bool) {
        self.inner().debug.set(on);
    }

    /// The loop's counters since it was made: iterations, task polls, I/O wake-ups, timers fired. Cheap
    /// to read (four numbers copied); see [`crate::trace`] for the `tracing` output.
    ///
    /// **asyncio:** none (asyncio keeps no counters).
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.block_on(async {
    ///     for _ in 0..3 {
    ///         tulip_core::spawn(async { tulip_core::yield_now().await }).await;
    ///     }
    /// });
    /// // Each task is polled twice: once up to its yield, once to the end.
    /// assert_eq!(lp.stats().task_polls, 6);
    /// ```
    pub fn stats(&self) -> crate::LoopStats {
        self.inner().counters.snapshot()
    }

    /// The debug-mode threshold.
    ///
    /// **asyncio:** `loop.slow_callback_duration`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.set_slow_callback_duration(Duration::from_millis(10));
    /// assert_eq!(lp.slow_callback_duration(), Duration::from_millis(10));
    /// ```
    pub fn slow_callback_duration(&self) -> Duration {
        self.inner().slow_callback_duration.get()
    }

    /// Sets the debug-mode threshold.
    ///
    /// **asyncio:** assigning `loop.slow_callback_duration`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.set_slow_callback_duration(Duration::from_millis(10));
    /// ```
    pub fn set_slow_callback_duration(&self, d: Duration) {
        self.inner().slow_callback_duration.set(d);
    }

    /// Sets the handler that receives unobserved task panics, callback panics and debug-mode reports;
    /// the default prints them to stderr.
    ///
    /// **asyncio:** `loop.set_exception_handler(handler)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.set_exception_handler(|ctx| eprintln!("my handler: {}", ctx.message()));
    /// ```
    pub fn set_exception_handler(&self, f: impl Fn(&ExceptionContext<'_>) + 'static) {
        *self.inner().exception_handler.borrow_mut() = Some(Rc::new(f));
    }

    /// Goes back to the default exception handler.
    ///
    /// **asyncio:** `loop.set_exception_handler(None)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.reset_exception_handler();
    /// ```
    pub fn reset_exception_handler(&self) {
        *self.inner().exception_handler.borrow_mut() = None;
    }

    /// The handler set with [`set_exception_handler`](Loop::set_exception_handler), or `None` when the
    /// default one is in use.
    ///
    /// **asyncio:** `loop.get_exception_handler()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// assert!(lp.get_exception_handler().is_none());
    /// lp.set_exception_handler(|_| {});
    /// assert!(lp.get_exception_handler().is_some());
    /// ```
    pub fn get_exception_handler(&self) -> Option<ExceptionHandler> {
        self.inner().exception_handler.borrow().clone()
    }

    /// Sends `ctx` to the loop's exception handler (the default one prints it), as the loop does with
    /// the panics nobody observed. A panic in the handler is caught and printed.
    ///
    /// **asyncio:** `loop.call_exception_handler(context)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use tulip_core::ExceptionContext;
    ///
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| s.borrow_mut().push(ctx.message().to_string()));
    /// lp.call_exception_handler(&ExceptionContext::new("bad frame from peer"));
    /// assert_eq!(*seen.borrow(), ["bad frame from peer"]);
    /// ```
    pub fn call_exception_handler(&self, ctx: &ExceptionContext<'_>) {
        self.inner().call_exception_handler(ctx)
    }

    /// The live tasks of this loop (those that have been polled at least once).
    ///
    /// **asyncio:** `asyncio.all_tasks(loop)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// lp.block_on(async move {
    ///     let t = tulip_core::spawn(std::future::pending::<()>());
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(l2.all_tasks().len(), 1);
    ///     drop(t);
    /// });
    /// ```
    pub fn all_tasks(&self) -> Vec<TaskInfo> {
        self.inner().registry.borrow().infos()
    }

    /// Calls `callback` on this loop (scheduled with `call_soon`, never inside the OS signal handler)
    /// each time `signum` is delivered, replacing this loop's previous handler for `signum`. Other loops'
    /// handlers and [`Signal`](crate::signal::Signal) streams for the same signal get it too. Works
    /// before the loop runs; deliveries wait for it. See [`crate::signal`] for how delivery works.
    ///
    /// **asyncio:** `loop.add_signal_handler(signum, callback, *args)`. Differences: the closure
    /// captures its arguments; an invalid signal is an `InvalidInput` error (asyncio: `ValueError` /
    /// `RuntimeError`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a signal that cannot be caught (`SIGKILL`, `SIGSTOP`, ...) or is not a signal;
    /// an error when the loop is closed (asyncio: `RuntimeError`); an OS error when out of descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::signal::{self, SIGUSR1};
    ///
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let l2 = lp.clone();
    /// lp.add_signal_handler(SIGUSR1, move || l2.stop()).unwrap();
    /// signal::raise(SIGUSR1).unwrap();
    /// lp.run_forever(); // the handler stops it
    /// assert!(lp.remove_signal_handler(SIGUSR1));
    /// ```
    pub fn add_signal_handler(&self, signum: i32, callback: impl Fn() + 'static) -> io::Result<()> {
        crate::signal::add_handler(self, signum, Rc::new(callback))
    }

    /// Removes this loop's handler for `signum`; returns whether there was one. Once a signal has no
    /// listener left anywhere in the process, it gets its default action back.
    ///
    /// **asyncio:** `loop.remove_signal_handler(signum)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::signal::SIGUSR2;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.add_signal_handler(SIGUSR2, || {}).unwrap();
    /// assert!(lp.remove_signal_handler(SIGUSR2));
    /// assert!(!lp.remove_signal_handler(SIGUSR2));
    /// ```
    pub fn remove_signal_handler(&self, signum: i32) -> bool {
        crate::signal::remove_handler(self, signum)
    }
}

impl LoopInner {
    /// Schedules a task's next step at the back of the ready queue.
    #[inline]
    pub(crate) fn push_ready(&self, runnable: TaskRunnable) {
        self.ready.push(Ready::Task(runnable));
    }

    /// Spawns on this loop from its own thread; `options` is `None` for a plain `spawn`. Without options,
    /// a task factory or a context in effect, this is `task::create` and a push: the other cases take
    /// `spawn_local_with`.
    #[inline]
    pub(crate) fn spawn_local<F>(
        &self,
        options: Option<task::Builder>,
        location: &'static Location<'static>,
        future: F,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        if options.is_some() || self.has_task_factory.get() || task::context_in_effect() {
            return self.spawn_local_with(options.unwrap_or_default(), location, future);
        }
        let (runnable, task) = task::create(&self.shared, None, location, true, future);
        if self.state.get() == State::Closed {
            // Nothing will run it: dropping the runnable here (the loop's thread) cancels the task.
            drop(runnable);
        } else {
            self.push_ready(runnable);
        }
        task
    }

    /// `spawn_local` with options: applies the task factory, gives the task a copy of the context in
    /// effect (or the one in `options`), then queues it, or with `eager` on a running loop runs its first
    /// step now.
    fn spawn_local_with<F>(
        &self,
        options: task::Builder,
        location: &'static Location<'static>,
        future: F,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let options = task::apply_factory(self, options);
        let (name, eager, context) = options.into_parts();
        let (runnable, task) = task::create(&self.shared, name, location, true, future);
        task::attach_context(self, &task, context);
        match self.state.get() {
            // Nothing will run it: dropping the runnable here (the loop's thread) cancels the task.
            State::Closed => drop(runnable),
            // asyncio's eager start: only on a running loop, as `Task.__init__` checks `is_running()`.
            State::Running if eager => self.run_task(runnable),
            _ => self.push_ready(runnable),
        }
        task
    }

    pub(crate) fn call_soon(self: &Rc<Self>, f: Box<dyn FnOnce()>) -> CallbackHandle {
        if matches!(self.state.get(), State::Closed) {
            // A closed loop never runs it (asyncio raises `RuntimeError('Event loop is closed')`):
            // dropped now, and the handle says so.
            self.drop_contained(f, "dropping a callback scheduled on a closed loop");
            return CallbackHandle::refused();
        }
        let id = self.enqueue_callback(task::capture_context(f));
        CallbackHandle::new(id, Rc::downgrade(self))
    }

    #[inline]
    fn enqueue_callback(&self, f: Box<dyn FnOnce()>) -> u64 {
        let id = self.next_callback_id.get();
        self.next_callback_id.set(id + 1);
        self.ready.push(Ready::Callback(f));
        id
    }

    pub(crate) fn cancel_callback(&self, id: u64) {
        // Callbacks leave the queue in id order, so one whose id has not been reached is still queued.
        let queued = id >= self.next_callback_to_run.get()
            && matches!(self.state.get(), State::Idle | State::Running);
        if queued {
            self.cancelled_callbacks.borrow_mut().push(id);
        }
    }

    /// Schedules `f` at `when`. A handle cancelled after the timer fired but before the queued callback
    /// ran (say, by another callback due at the same instant) still stops it: the fired callback is
    /// found by its tag (see `fired_timer_callbacks`).
    pub(crate) fn call_at(
        self: &Rc<Self>,
        when: Instant,
        f: impl FnOnce() + 'static,
    ) -> TimerHandle {
        let tag = self.next_timer_tag.get();
        self.next_timer_tag.set(tag.wrapping_add(1));
        let f = task::capture_context(Box::new(f));
        let id = self.timers.insert(when, TimerAction::Tagged(tag, f));
        let handle = TimerHandle::new(id, tag, when, Rc::downgrade(self));
        if matches!(self.state.get(), State::Closed) {
            // As `call_soon`: never run, dropped now, and the handle says so.
            let action = self.timers.cancel(id);
            self.drop_contained(action, "dropping a callback scheduled on a closed loop");
            handle.mark_refused();
        }
        handle
    }

    /// `TimerHandle::cancel`: removes the timer from the wheel, or, when it already fired, stops its
    /// callback if that is still queued.
    pub(crate) fn cancel_timer(&self, id: TimerId, tag: u32) {
        if let Some(action) = self.timers.cancel(id) {
            drop(action);
            return;
        }
        let queued = self
            .fired_timer_callbacks
            .borrow()
            .iter()
            .find(|&&(t, _)| t == tag)
            .map(|&(_, cb)| cb);
        if let Some(cb) = queued {
            self.cancel_callback(cb);
        }
    }

    /// A task ended: unregister it and schedule its done-callbacks.
    pub(crate) fn task_finished(
        &self,
        meta: &TaskMeta,
        outcome: TaskOutcome,
        has_callbacks: bool,
        has_context: bool,
    ) {
        if has_context {
            self.task_contexts.detach(meta);
        }
        let callbacks = self.registry.borrow_mut().remove(meta, has_callbacks);
        if has_callbacks {
            // Callbacks from the mark on were added while an awaiter was parked: they run after it.
            let mark = self.awaiter_order.take_mark(meta.id()).unwrap_or(u64::MAX);
            for (id, cb) in callbacks {
                let f = Box::new(move || cb(outcome));
                if id < mark {
                    self.enqueue_callback(f);
                } else {
                    self.awaiter_order.hold(f);
                }
            }
        }
    }

    /// Schedules the done-callbacks held until the awaiter of the task that just ended was woken (called
    /// after each task poll, when some are held).
    #[cold]
    pub(super) fn release_held_callbacks(&self) {
        for f in self.awaiter_order.take_held() {
            self.enqueue_callback(f);
        }
    }

    /// Adds a done-callback to a task (scheduled at once when it has ended); returns the callback's id.
    pub(crate) fn add_done_callback(&self, meta: &TaskMeta, cb: DoneCallback) -> u64 {
        let cb = task::capture_context_done(cb);
        match meta.outcome() {
            Some(outcome) => {
                self.enqueue_callback(Box::new(move || cb(outcome)));
                self.registry.borrow_mut().new_callback_id()
            }
            None => {
                let id = self.registry.borrow_mut().add_callback(meta, cb);
                if meta.is_awaited() {
                    self.awaiter_order.mark(meta.id(), id);
                }
                id
            }
        }
    }

    /// As `add_done_callback`, for a caller that could not keep the metadata borrowed: `outcome` is what
    /// it read, and the metadata was marked `has_callbacks` if the task was pending.
    pub(crate) fn add_done_callback_for(
        &self,
        task: TaskId,
        outcome: Option<TaskOutcome>,
        cb: DoneCallback,
    ) -> u64 {
        let cb = task::capture_context_done(cb);
        match outcome {
            Some(outcome) => {
                self.enqueue_callback(Box::new(move || cb(outcome)));
                self.registry.borrow_mut().new_callback_id()
            }
            None => self.registry.borrow_mut().add_callback_for(task, cb),
        }
    }

    /// Takes out a done-callback that has not been scheduled; whether it was there.
    pub(crate) fn remove_done_callback(&self, task: TaskId, id: u64) -> bool {
        let cb = self.registry.borrow_mut().remove_callback(task, id);
        // Dropped with the registry released: its captures' `Drop` is user code.
        cb.is_some()
    }

    /// The metadata of this loop's task being polled (null outside its tasks); compare only, never
    /// dereference.
    pub(crate) fn current_task_meta(&self) -> *const TaskMeta {
        self.current_meta()
            .map_or(std::ptr::null(), |m| m as *const TaskMeta)
    }

    pub(crate) fn current_task(&self) -> Option<TaskInfo> {
        self.current_meta().map(TaskInfo::from_meta)
    }

    /// The task of this loop whose runnable this thread is running (or dropping), if any.
    fn current_meta(&self) -> Option<&TaskMeta> {
        // SAFETY: a non-null pointer from `running` is the metadata of the task whose runnable this
        // thread is running or dropping, inside the allocation that runnable keeps alive until the
        // pointer is reset; the reference is used only within this call's caller, which runs inside
        // that run (it is code of the task, or of the loop on its behalf).
        let meta = unsafe { task::running::current_ptr().as_ref() }?;
        Arc::ptr_eq(&meta.shared, &self.shared).then_some(meta)
    }

    /// Registers a task that returned `Pending` for the first time (tasks that finish in their first poll
    /// never touch the registry).
    pub(crate) fn register_pending(&self, meta: &TaskMeta, waker: &Waker) {
        self.registry.borrow_mut().register(meta, waker);
    }

    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        self.registry.borrow().infos()
    }

    pub(crate) fn get_loop(&self) -> Option<Loop> {
        self.owner.borrow().upgrade().map(|owner| Loop { owner })
    }

    /// Whether [`Loop::close`] has run: nothing scheduled on this loop will run any more.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.get() == State::Closed
    }

    /// Sends `ctx` to the exception handler (the handler is taken out of its cell first, so it may set a
    /// new one).
    pub(crate) fn call_exception_handler(&self, ctx: &ExceptionContext<'_>) {
        crate::trace::exception_event(ctx);
        let handler = self.exception_handler.borrow().clone();
        let res = catch_unwind(AssertUnwindSafe(|| match handler {
            Some(h) => h(ctx),
            None => default_exception_handler(ctx),
        }));
        if res.is_err() {
            eprintln!(
                "tulip: the exception handler panicked while handling: {}",
                ctx.message
            );
        }
    }
}

/// A panicked task's output was dropped unobserved: tell the exception handler of the loop running here,
/// or print it when none runs.
pub(crate) fn report_unobserved_panic(info: &TaskInfo, payload: &(dyn std::any::Any + Send)) {
    let ctx = ExceptionContext {
        kind: ExceptionKind::UnobservedTaskPanic,
        message: format!(
            "{info} panicked and nobody awaited it: {}",
            task::panic_message(payload)
        ),
        task: Some(info),
        panic: Some(payload),
    };
    if context::with_current(|inner| inner.call_exception_handler(&ctx)).is_none() {
        default_exception_handler(&ctx);
    }
}

/// A task's future panicked in its `Drop`: tell the exception handler of the task's loop (the one running
/// or shutting down on this thread), or print it when none is reachable.
#[cold]
pub(crate) fn report_task_drop_panic(
    loop_id: u64,
    info: &TaskInfo,
    payload: &(dyn std::any::Any + Send),
) {
    let ctx = ExceptionContext {
        kind: ExceptionKind::TaskDropPanic,
        message: format!(
            "{info} panicked while its future was dropped: {}",
            task::panic_message(payload)
        ),
        task: Some(info),
        panic: Some(payload),
    };
    let handled = context::with_current(|inner| {
        (inner.shared.id == loop_id).then(|| inner.call_exception_handler(&ctx))
    })
    .flatten()
    .or_else(|| {
        run::with_closing(|inner| {
            (inner.shared.id == loop_id).then(|| inner.call_exception_handler(&ctx))
        })
        .flatten()
    });
    if handled.is_none() {
        default_exception_handler(&ctx);
    }
}

/// Runs `f` with the loop whose id is `loop_id` when it runs on this thread, or is shutting down here
/// (also during thread-local teardown, when the current-loop slot is gone). Whether it was reached.
pub(crate) fn with_loop(loop_id: u64, f: impl FnOnce(&LoopInner)) -> bool {
    let mut f = Some(f);
    let found = context::with_current(|inner| {
        if inner.shared.id == loop_id {
            if let Some(f) = f.take() {
                f(inner);
            }
        }
    });
    if found.is_none() {
        run::with_closing(|inner| {
            if inner.shared.id == loop_id {
                if let Some(f) = f.take() {
                    f(inner);
                }
            }
        });
    }
    f.is_none()
}

/// The loop running on this thread.
///
/// # Panics
///
/// When none runs, naming `what` was attempted.
#[track_caller]
pub(crate) fn expect_current(what: &str) -> Rc<LoopInner> {
    match context::current() {
        Some(inner) => inner,
        None => no_running_loop(what),
    }
}

#[cold]
#[track_caller]
fn no_running_loop(what: &str) -> ! {
    panic!("tulip::{what} called with no running tulip loop on this thread: call it from inside tulip::run / block_on")
}
