//! One loop iteration and the loops built from it: `block_on` and shutdown.

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use tulip_time::{timers, TimerAction};

use super::{ExceptionContext, ExceptionKind, LoopInner, Ready, State};
use crate::context;
use crate::coop::{self, TASK_BUDGET};
use crate::executor::{Injected, Shared, TaskRunnable};
use crate::task::{self, panic_message, TaskContext, TaskInfo};

/// The ready queue's initial capacity, and what it shrinks back to once it drains after a burst.
pub(super) const READY_CAPACITY: usize = 64;
/// A queue whose capacity grew past this in a burst gives it back (down to [`READY_CAPACITY`]) once
/// it has nearly drained, so a spawn burst of 100 000 tasks does not keep 2.4 MB of queue resident
/// while they are parked.
const READY_BURST: usize = 1024;

/// While work keeps coming, poll I/O (with a zero timeout) after this many ready handles (tokio's
/// `event_interval`). I/O wakes go to the back of the ready queue, so this never reorders ready handles.
const IO_INTERVAL: usize = 61;
/// Shutdown gives up re-running cancellation after this many rounds (a future whose `Drop` spawns
/// forever).
const SHUTDOWN_ROUNDS: usize = 1000;

thread_local! {
    /// The loop shutting down on this thread, for tasks that finish while the thread's other
    /// thread-locals (the current loop among them) are already destroyed. A raw pointer has no
    /// destructor, so this slot stays readable during thread-local teardown.
    static CLOSING: Cell<*const LoopInner> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the loop shutting down on this thread, if any (see `CLOSING`).
pub(crate) fn with_closing<R>(f: impl FnOnce(&LoopInner) -> R) -> Option<R> {
    let ptr = CLOSING.try_with(Cell::get).ok()?;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ClosingGuard` stores a pointer to the `LoopInner` that `shutdown` borrows for its whole
    // run, and clears it before `shutdown` returns (also on unwind); the slot is thread-local, so the
    // pointer is only read on the thread running `shutdown`, while the borrow is alive.
    Some(f(unsafe { &*ptr }))
}

/// Publishes a loop in `CLOSING` for the duration of its shutdown.
struct ClosingGuard(*const LoopInner);

impl ClosingGuard {
    fn new(inner: &LoopInner) -> ClosingGuard {
        let prev = CLOSING
            .try_with(|c| c.replace(inner))
            .unwrap_or(std::ptr::null());
        ClosingGuard(prev)
    }
}

impl Drop for ClosingGuard {
    fn drop(&mut self) {
        let _ = CLOSING.try_with(|c| c.set(self.0));
    }
}

thread_local! {
    /// Only its address is used: it tells threads apart more cheaply than `thread::current().id()`.
    static THREAD_MARK: u8 = const { 0 };
}

/// An id of the calling thread, unique among live threads.
#[inline]
fn thread_mark() -> usize {
    THREAD_MARK.with(|m| std::ptr::from_ref(m) as usize)
}

/// The waker of the future passed to `block_on`: the first wake since its last poll schedules a
/// `Main` marker in the ready queue (directly on the loop's thread, through the injector elsewhere).
struct MainWake {
    /// Set while a marker is queued, and for good once `block_on` has returned, so late wakes do
    /// nothing.
    woken: AtomicBool,
    generation: u64,
    shared: Arc<Shared>,
    /// The `block_on` call's loop and thread. Invariant: `inner` points to a live `LoopInner` whenever
    /// `woken` is `false` and the caller runs on thread `thread` (`block_on` owns an `Rc` of it and sets
    /// `woken` for good before returning, on that thread).
    inner: *const LoopInner,
    thread: usize,
}

// SAFETY: `inner` is only dereferenced on the thread that created it (checked against `thread`), under
// the invariant above; every other field is `Send + Sync`.
unsafe impl Send for MainWake {}
// SAFETY: as for `Send`: shared references reach `inner` only on its own thread.
unsafe impl Sync for MainWake {}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    #[inline]
    fn wake_by_ref(self: &Arc<Self>) {
        if self.woken.swap(true, Ordering::AcqRel) {
            return;
        }
        if thread_mark() == self.thread {
            // SAFETY: `woken` was `false` and this is `block_on`'s thread, so by the invariant on
            // `inner` its `block_on` is still running and the loop is alive.
            let inner = unsafe { &*self.inner };
            inner.ready.push(Ready::Main(self.generation));
        } else {
            // A closed loop refuses it; its `block_on` has returned, so there is nothing to wake.
            let _ = self.shared.inject(Injected::Main(self.generation));
        }
    }
}

/// Puts the loop back to `Idle` however a run ends (including by a panic in the main future), and
/// makes later wakes of the main future no-ops.
struct RunningGuard<'a> {
    inner: &'a LoopInner,
    main: Option<Arc<MainWake>>,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        if let Some(main) = &self.main {
            main.woken.store(true, Ordering::Release);
        }
        self.inner.timer_slack.restore();
        self.inner.state.set(State::Idle);
    }
}

impl LoopInner {
    #[track_caller]
    fn check_can_run(&self, what: &str) {
        if context::current().is_some() {
            panic!(
                "{what} called from inside a running tulip loop; this would deadlock: \
                 spawn the future and await its Task instead"
            );
        }
        match self.state.get() {
            State::Idle => {}
            State::Closed | State::Closing => panic!("{what} called on a closed tulip loop"),
            State::Running => unreachable!("a running loop is current on its thread"),
        }
    }

    #[track_caller]
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        self.check_can_run("block_on");
        let _enter = context::enter(self.clone());
        let _timers = timers::enter(self.timers.clone());
        self.state.set(State::Running);
        let generation = self.main_generation.get().wrapping_add(1);
        self.main_generation.set(generation);
        let main = Arc::new(MainWake {
            woken: AtomicBool::new(true),
            generation,
            shared: self.shared.clone(),
            inner: Rc::as_ptr(self),
            thread: thread_mark(),
        });
        let _running = RunningGuard {
            inner: self,
            main: Some(main.clone()),
        };
        // The main future's first step queues behind what is already ready, as asyncio's
        // `run_until_complete` wraps it in a task.
        self.ready.push(Ready::Main(generation));
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        // The main future runs in its own copy of the caller's context, as asyncio's main task: what it
        // sets is gone when `block_on` returns.
        let mut main_ctx = TaskContext::current();
        let out = self.run_iterations(false, |gen| {
            if gen != generation || !main.woken.swap(false, Ordering::AcqRel) {
                return None;
            }
            let poll = || coop::with_budget(TASK_BUDGET, || future.as_mut().poll(&mut cx));
            match main_ctx.run_cheap(poll) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            }
        });
        match out {
            Some(v) => v,
            None => unreachable!("block_on runs until its future completes"),
        }
    }

    /// `run_forever`: iterations until `stop()`; the iteration during which it is called (or the first
    /// one, when it was called before) runs to its end.
    #[track_caller]
    pub(crate) fn run_forever(self: &Rc<Self>) {
        self.check_can_run("run_forever");
        let _enter = context::enter(self.clone());
        let _timers = timers::enter(self.timers.clone());
        self.state.set(State::Running);
        let _running = RunningGuard {
            inner: self,
            main: None,
        };
        let _ = self.run_iterations(true, |_| None::<()>);
    }

    /// Runs loop iterations. Each one moves in work from other threads, fires due timers (or waits in
    /// the poller when nothing is ready), then runs exactly the handles that were ready when it began
    /// (uvloop's `ntodo`); what becomes ready meanwhile runs in a later iteration, in the order it
    /// became ready. `on_main` gets each `Main` marker and ends the run by returning `Some`; with
    /// `forever`, a `stop()` ends it after the current iteration.
    fn run_iterations<R>(
        &self,
        forever: bool,
        mut on_main: impl FnMut(u64) -> Option<R>,
    ) -> Option<R> {
        let mut since_io = 0usize;
        loop {
            let stopping = forever && self.stop_requested.get();
            let ntodo = self.begin_iteration(stopping);
            for _ in 0..ntodo {
                let next = self.ready.pop();
                match next {
                    Some(Ready::Task(r)) => self.run_task(r),
                    Some(Ready::Callback(cb)) => self.run_callback(cb),
                    Some(Ready::Main(gen)) => {
                        if let Some(v) = on_main(gen) {
                            return Some(v);
                        }
                    }
                    None => break,
                }
                since_io += 1;
                if since_io >= IO_INTERVAL {
                    since_io = 0;
                    self.poll_io_between_handles();
                    self.shrink_ready_after_burst();
                }
            }
            if forever && self.stop_requested.replace(false) {
                return None;
            }
        }
    }

    /// The I/O check every [`IO_INTERVAL`] handles while work keeps coming: a zero-timeout poller wait,
    /// skipped when the reactor has no source at all (it could bring nothing: work from other threads
    /// arrives through the injector, looked at in every iteration). A loop busy with tasks and
    /// callbacks alone then makes no system call (one every 61 handles was ~3 % of a ping-pong).
    #[inline]
    fn poll_io_between_handles(&self) {
        if self.shared.reactor.has_sources() {
            self.poll_io(Some(Duration::ZERO));
        }
    }

    /// Every [`IO_INTERVAL`] handles (a branch the loop takes anyway) and before the loop sleeps: a
    /// queue that grew past [`READY_BURST`] in a burst and is nearly drained gives its capacity back,
    /// so the hot path pays nothing for it. Shrinking to [`READY_CAPACITY`] moves at most that many handles.
    #[inline]
    fn shrink_ready_after_burst(&self) {
        let ready = &self.ready;
        if ready.capacity() > READY_BURST && ready.len() <= READY_CAPACITY {
            ready.shrink_to(READY_CAPACITY);
        }
    }

    /// The start of an iteration: work from other threads joins the ready queue; then due timers fire,
    /// or, with nothing ready, the loop waits in the poller for I/O, a timer or a wake. Returns how many
    /// handles are ready.
    #[inline(always)]
    fn begin_iteration(&self, stopping: bool) -> usize {
        self.counters.iteration();
        if !self.shared.injector.is_empty() {
            self.drain_injector();
        }
        if self.ready.is_empty() && !stopping {
            // About to sleep with nothing ready: a queue that grew in a burst and did not drain during
            // a burst iteration gives its capacity back here.
            self.shrink_ready_after_burst();
            self.park();
            if !self.shared.injector.is_empty() {
                self.drain_injector();
            }
        } else {
            if stopping {
                self.poll_io(Some(Duration::ZERO));
            }
            self.fire_timers();
        }
        self.ready.len()
    }

    /// Whether anything is queued to run.
    #[inline]
    fn has_work(&self) -> bool {
        !self.ready.is_empty() || !self.shared.injector.is_empty()
    }

    /// Moves the work other threads sent before this call onto the ready queue (only that much, so a
    /// thread that keeps sending cannot hold the loop here).
    fn drain_injector(&self) {
        let n = self.shared.injector.len();
        for _ in 0..n {
            let Some(work) = self.shared.injector.pop() else {
                break;
            };
            match work {
                Injected::Task(r) => self.push_ready(r),
                Injected::Callback(f) => {
                    self.enqueue_callback(f);
                }
                Injected::Main(gen) => self.ready.push(Ready::Main(gen)),
            }
        }
    }

    /// Polls one task once. Inlined into the loop: the call's register saves cost ~15 instructions a task.
    /// Also runs an eager task's first step inside `spawn`, so the task that was current is restored
    /// afterwards rather than cleared.
    #[inline(always)]
    pub(super) fn run_task(&self, runnable: TaskRunnable) {
        // The runnable marks its task as current while it runs (`task/running.rs`).
        self.counters.task_poll();
        let res = if self.debug.get() {
            self.run_task_timed(runnable)
        } else {
            catch_unwind(AssertUnwindSafe(|| {
                coop::with_budget(TASK_BUDGET, || runnable.run());
            }))
        };
        if self.awaiter_order.any_held() {
            // The poll ended a task and woke its awaiter: callbacks added after it parked go behind it.
            self.release_held_callbacks();
        }
        if let Err(payload) = res {
            // The harness catches panics in `poll`; what reaches here came from a future's `Drop`.
            self.report_panic(
                ExceptionKind::CallbackPanic,
                None,
                &*payload,
                "a task's drop",
            );
        }
    }

    #[cold]
    fn run_task_timed(&self, runnable: TaskRunnable) -> std::thread::Result<()> {
        let info = TaskInfo::from_meta(runnable.metadata());
        let start = Instant::now();
        let res = catch_unwind(AssertUnwindSafe(|| {
            coop::with_budget(TASK_BUDGET, || runnable.run());
        }));
        let elapsed = start.elapsed();
        if elapsed >= self.slow_callback_duration.get() {
            let ctx = ExceptionContext {
                kind: ExceptionKind::SlowCallback { elapsed },
                message: format!("executing {info} took {:.3} seconds", elapsed.as_secs_f64()),
                task: Some(&info),
                panic: None,
            };
            self.call_exception_handler(&ctx);
        }
        res
    }

    /// Runs one callback, unless its handle cancelled it.
    fn run_callback(&self, f: Box<dyn FnOnce()>) {
        let id = self.next_callback_to_run.get();
        self.next_callback_to_run.set(id + 1);
        if id == self.next_fired_timer_callback.get() {
            // Fired timer callbacks are queued in id order: this one leaves the list as it leaves the queue.
            let mut fired = self.fired_timer_callbacks.borrow_mut();
            fired.pop_front();
            self.next_fired_timer_callback
                .set(fired.front().map_or(u64::MAX, |&(_, c)| c));
        }
        if !self.cancelled_callbacks.borrow().is_empty() {
            let mut cancelled = self.cancelled_callbacks.borrow_mut();
            if let Some(i) = cancelled.iter().position(|&c| c == id) {
                cancelled.swap_remove(i);
                drop(cancelled);
                self.drop_contained(f, "dropping a cancelled callback");
                return;
            }
        }
        let start = self.debug.get().then(Instant::now);
        // What the callback sets stays in its own context copy, as in asyncio.
        let in_context = task::context_in_effect();
        let res = catch_unwind(AssertUnwindSafe(|| {
            if in_context {
                task::run_callback_isolated(f)
            } else {
                f()
            }
        }));
        if !in_context && task::context_in_effect() {
            task::discard_context();
        }
        if let Err(payload) = res {
            self.report_panic(ExceptionKind::CallbackPanic, None, &*payload, "a callback");
        }
        if let Some(start) = start {
            self.report_if_slow(start, "a callback");
        }
    }

    #[cold]
    fn report_if_slow(&self, start: Instant, what: &str) {
        let elapsed = start.elapsed();
        if elapsed >= self.slow_callback_duration.get() {
            let ctx = ExceptionContext {
                kind: ExceptionKind::SlowCallback { elapsed },
                message: format!("executing {what} took {:.3} seconds", elapsed.as_secs_f64()),
                task: None,
                panic: None,
            };
            self.call_exception_handler(&ctx);
        }
    }

    #[cold]
    fn report_panic(
        &self,
        kind: ExceptionKind,
        task: Option<&TaskInfo>,
        payload: &(dyn std::any::Any + Send),
        what: &str,
    ) {
        let ctx = ExceptionContext {
            kind,
            message: format!("exception in {what}: panicked: {}", panic_message(payload)),
            task,
            panic: Some(payload),
        };
        self.call_exception_handler(&ctx);
    }

    /// Fires the timers that are due: wakes sleeping futures, queues `call_later` callbacks.
    #[inline]
    fn fire_timers(&self) {
        if self.timers.may_have_pending() {
            self.fire_due_timers();
        }
    }

    #[inline(never)]
    fn fire_due_timers(&self) {
        let now = self.timers.now();
        if !self.timers.may_be_due(now) {
            return;
        }
        let mut fired = self.fired.borrow_mut();
        self.timers.fire(now, &mut fired);
        self.counters.timers_fired(fired.len());
        // Wake and queue outside the borrow of `fired`? Waking only pushes to queues; callbacks are
        // queued, not run, so no user code runs under this borrow.
        for action in fired.drain(..) {
            match action {
                TimerAction::Wake(w) => w.wake(),
                TimerAction::Call(f) => {
                    self.enqueue_callback(f);
                }
                TimerAction::Tagged(tag, f) => {
                    let id = self.enqueue_callback(f);
                    let mut fired_calls = self.fired_timer_callbacks.borrow_mut();
                    if fired_calls.is_empty() {
                        self.next_fired_timer_callback.set(id);
                    }
                    fired_calls.push_back((tag, id));
                }
            }
        }
    }

    /// Waits in the poller for at most `timeout` and wakes the tasks whose I/O became ready.
    fn poll_io(&self, timeout: Option<Duration>) {
        let mut wakers = self.wakers.borrow_mut();
        let res = {
            let mut events = self.events.borrow_mut();
            self.shared.reactor.wait(&mut events, timeout, &mut wakers)
        };
        if let Err(e) = res {
            drop(wakers);
            self.reactor_error(e);
            return;
        }
        // Waking only schedules (our wakers push to queues; foreign wakers are user code, so release
        // the buffer borrow first).
        let mut batch = std::mem::take(&mut *wakers);
        drop(wakers);
        self.counters.io_events(batch.len());
        for w in batch.drain(..) {
            w.wake();
        }
        let mut wakers = self.wakers.borrow_mut();
        if wakers.capacity() < batch.capacity() {
            *wakers = batch;
        }
    }

    #[cold]
    fn reactor_error(&self, e: std::io::Error) {
        let ctx = ExceptionContext {
            kind: ExceptionKind::ReactorError,
            message: format!("poller wait failed: {e}"),
            task: None,
            panic: None,
        };
        self.call_exception_handler(&ctx);
        // Avoid spinning on a persistent error.
        std::thread::sleep(Duration::from_millis(1));
    }

    /// Nothing is ready: sleep in the poller until I/O, a wake from another thread, or the next timer.
    fn park(&self) {
        let clock = self.timers.clock();
        if clock.is_paused() {
            // Read before looking for work: a blocking job wakes its waiter before it stops counting, so
            // a count of zero here means its wake-up is already visible below.
            let blocking = !self.blocking_in_flight.is_idle();
            self.poll_io(Some(Duration::ZERO));
            self.fire_timers();
            if self.has_work() {
                return;
            }
            match self.timers.next_deadline() {
                // Idle with a paused clock: jump to the next deadline, unless work on the blocking pool
                // is in flight (it takes real time; its end wakes the loop).
                Some(next) if !blocking => clock.advance_to(next),
                _ => self.poll_io_parked(None),
            }
        } else {
            // The exact time left, to the nanosecond: the selector waits at least that long (epoll
            // with `epoll_pwait2`, ppoll, kqueue; a millisecond-only poller rounds up), so the timer
            // due then has passed its deadline when the wait ends, and `fire_timers` below fires it.
            // A wait that ends early (I/O, a wake-up) fires nothing early: `fire` checks each exact
            // deadline, and the next park waits for the rest.
            let timeout = self
                .timers
                .next_deadline()
                .map(|next| next.saturating_duration_since(self.timers.now()));
            if timeout.is_some() {
                self.timer_slack.lower();
            }
            self.poll_io_parked(timeout);
        }
        self.fire_timers();
    }

    /// A blocking poller wait, announced through `Shared::parked` so other threads notify it.
    fn poll_io_parked(&self, timeout: Option<Duration>) {
        if self.shared.parked.park(|| !self.shared.injector.is_empty()) {
            self.poll_io(timeout);
            self.shared.parked.unpark();
        }
    }

    /// Cancels every pending task (on this thread, so `!Send` futures are dropped where they live), runs
    /// the callbacks that produces and those other threads were told would run, then drops what is
    /// left. Idempotent.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        if matches!(self.state.get(), State::Closing | State::Closed) {
            return;
        }
        self.state.set(State::Closing);
        // Other threads' new work is refused from here (asyncio's close() sets `_closed` first);
        // what they sent before, and wakes of this loop's tasks, are still taken below.
        self.shared.begin_closing();
        let _enter = context::enter(self.clone());
        let _timers = timers::enter(self.timers.clone());
        // During thread-local teardown `enter` may fail; tasks finishing now still find the loop here.
        let _closing = ClosingGuard::new(self);
        let watches = self.fd_watches.borrow_mut().take_all();
        self.drop_each(watches, "dropping a reader or writer callback");
        for _ in 0..SHUTDOWN_ROUNDS {
            let wakers = self.registry.borrow().wakers();
            for w in wakers {
                w.wake();
            }
            self.drain_injector();
            // Only what is queued now: a future whose `Drop` spawns again is handled next round, so a
            // spawn-forever chain ends after `SHUTDOWN_ROUNDS`.
            self.run_ready_cancelling();
            if !self.has_work() && self.registry.borrow().len() == 0 {
                break;
            }
        }
        // From here on other threads are refused; what they sent before was accepted (for a
        // `call_soon_threadsafe`, `true` was returned), so it runs: callbacks are called, tasks are
        // cancelled.
        self.shared.close();
        while !self.shared.injector.is_empty() {
            self.drain_injector();
        }
        self.run_ready_cancelling();
        let leftovers = self.ready.take_all();
        self.fired_timer_callbacks.borrow_mut().clear();
        self.next_fired_timer_callback.set(u64::MAX);
        self.drop_each(leftovers, "dropping a callback at close");
        let done = self.registry.borrow_mut().take_all_callbacks();
        self.drop_each(done, "dropping a done-callback at close");
        self.awaiter_order.clear();
        // asyncio's close() clears `_scheduled` without running it: the closures and wakers are
        // dropped here, one by one.
        self.drop_each(self.timers.take_all(), "dropping a timer callback at close");
        self.state.set(State::Closed);
    }

    /// Drops `values` (user closures, tasks, wakers) one by one, each under its own guard.
    fn drop_each<T>(&self, values: Vec<T>, what: &str) {
        for v in values {
            self.drop_contained(v, what);
        }
    }

    /// Drops `value`, which may run user code (a closure's captured values, a future), reporting a
    /// panic in that `Drop` to the exception handler instead of letting it unwind through the loop:
    /// the loop goes on, and a second panic while unwinding cannot abort the process.
    pub(super) fn drop_contained<T>(&self, value: T, what: &str) {
        if !std::mem::needs_drop::<T>() {
            return;
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
            self.report_panic(ExceptionKind::CallbackPanic, None, &*payload, what);
        }
    }

    /// Shutdown: runs the handles queued now, cancelling each task instead of polling it.
    fn run_ready_cancelling(&self) {
        let queued = self.ready.len();
        for _ in 0..queued {
            let next = self.ready.pop();
            match next {
                Some(Ready::Task(r)) => {
                    r.metadata().request_cancel();
                    self.run_task(r);
                }
                Some(Ready::Callback(cb)) => self.run_callback(cb),
                Some(Ready::Main(_)) => {}
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::{READY_BURST, READY_CAPACITY};
    use crate::Loop;

    /// Parks `n` tasks (each polled once, then pending forever) and returns their handles.
    fn park_tasks(lp: &Loop, n: usize, started: &Rc<Cell<usize>>) -> Vec<crate::Task<()>> {
        (0..n)
            .map(|_| {
                let started = started.clone();
                lp.spawn(async move {
                    started.set(started.get() + 1);
                    std::future::pending::<()>().await
                })
            })
            .collect()
    }

    /// A spawn burst drains within one iteration: the queue is back to its initial capacity by the
    /// time the main future (queued behind the burst) runs, while the tasks are still parked.
    #[test]
    fn ready_queue_gives_back_capacity_when_a_burst_drains() {
        let lp = Loop::new().unwrap();
        let inner = lp.inner().clone();
        let started = Rc::new(Cell::new(0));
        let n = 8 * READY_BURST;
        let tasks = park_tasks(&lp, n, &started);
        assert!(inner.ready.capacity() >= n);
        let after = lp.block_on(async {
            while started.get() < n {
                crate::yield_now().await;
            }
            inner.ready.capacity()
        });
        assert_eq!(after, READY_CAPACITY);
        drop(tasks);
    }

    /// A queue left with a burst's capacity (reserved here directly: a burst that runs through the
    /// loop is caught by the run loop's own check) gives it back once the loop has nothing ready and
    /// waits in the poller.
    #[test]
    fn ready_queue_gives_back_capacity_when_the_loop_goes_idle() {
        // On a paused clock the stopping timer fires only once the loop has nothing ready.
        let lp = Loop::builder().start_paused(true).build().unwrap();
        let inner = lp.inner().clone();
        inner.ready.reserve(8 * READY_BURST);
        let stopper = inner.clone();
        lp.call_later(std::time::Duration::from_secs(1), move || {
            stopper.stop_requested.set(true);
        });
        lp.run_forever();
        assert_eq!(inner.ready.capacity(), READY_CAPACITY);
    }
}
