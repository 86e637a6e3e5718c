//! One loop iteration and the loops built from it: `block_on` and shutdown.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use tulip_time::{timers, TimerAction};

use super::{ExceptionContext, ExceptionKind, LoopInner, State};
use crate::context;
use crate::coop::{self, TASK_BUDGET};
use crate::executor::{Injected, Shared, TaskRunnable};
use crate::task::{panic_message, TaskInfo};

/// Tasks run per iteration at most before timers and I/O get a turn.
const TICK_BUDGET: usize = 61;
/// While work keeps coming, poll I/O (with a zero timeout) after this many task polls and callbacks
/// (tokio's `event_interval`).
const IO_INTERVAL: usize = 61;
/// Shutdown gives up re-running cancellation after this many rounds (a future whose `Drop` spawns
/// forever).
const SHUTDOWN_ROUNDS: usize = 1000;

/// The waker of the future passed to `block_on`: a flag, plus a poller notification when woken from
/// another thread.
struct MainWake {
    woken: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::SeqCst) {
            self.shared.notify_if_parked();
        }
    }
}

/// Puts the loop back to `Idle` however `block_on` ends (including by a panic in the main future).
struct RunningGuard<'a>(&'a LoopInner);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.state.set(State::Idle);
    }
}

impl LoopInner {
    #[track_caller]
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        if context::current().is_some() {
            panic!(
                "block_on called from inside a running tulip loop; this would deadlock: \
                 spawn the future and await its Task instead"
            );
        }
        match self.state.get() {
            State::Idle => {}
            State::Closed | State::Closing => panic!("block_on called on a closed tulip loop"),
            State::Running => unreachable!("a running loop is current on its thread"),
        }
        let _enter = context::enter(self.clone());
        let _timers = timers::enter(self.timers.clone());
        self.state.set(State::Running);
        let _running = RunningGuard(self);

        let main = Arc::new(MainWake {
            woken: AtomicBool::new(true),
            shared: self.shared.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut since_io = 0usize;
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(v) =
                    coop::with_budget(TASK_BUDGET, || future.as_mut().poll(&mut cx))
                {
                    return v;
                }
            }
            since_io += 1 + self.run_ready_batch();
            if self.has_work() || main.woken.load(Ordering::Acquire) {
                if since_io >= IO_INTERVAL {
                    since_io = 0;
                    self.poll_io(Some(Duration::ZERO));
                }
                self.fire_timers();
            } else {
                since_io = 0;
                self.park(&main.woken);
            }
        }
    }

    /// Whether anything is queued to run.
    #[inline]
    fn has_work(&self) -> bool {
        !self.ready.borrow().is_empty()
            || !self.callbacks.borrow().is_empty()
            || !self.shared.injector.is_empty()
    }

    /// Runs the callbacks queued when the batch began, then up to `TICK_BUDGET` tasks. Returns how many
    /// it ran.
    fn run_ready_batch(&self) -> usize {
        if !self.shared.injector.is_empty() {
            self.drain_injector();
        }
        let ntodo = self.callbacks.borrow().len();
        for _ in 0..ntodo {
            let cb = self.callbacks.borrow_mut().pop_front();
            match cb {
                Some(cb) => self.run_callback(cb.id, cb.f),
                None => break,
            }
        }
        let mut ran = ntodo;
        for _ in 0..TICK_BUDGET {
            let next = self.ready.borrow_mut().pop_front();
            match next {
                Some(r) => self.run_task(r),
                None => break,
            }
            ran += 1;
        }
        ran
    }

    /// Moves work sent from other threads onto the local queues.
    fn drain_injector(&self) {
        while let Ok(work) = self.shared.injector.pop() {
            match work {
                Injected::Task(r) => self.push_ready(r),
                Injected::Callback(f) => {
                    self.enqueue_callback(f);
                }
            }
        }
    }

    /// Polls one task once.
    #[inline]
    pub(super) fn run_task(&self, runnable: TaskRunnable) {
        let meta = runnable.metadata();
        self.current_task.set(Some((meta.id, meta.location)));
        let named = meta.name.is_some();
        if named {
            self.current_name.borrow_mut().clone_from(&meta.name);
        }
        let res = if self.debug.get() {
            self.run_task_timed(runnable)
        } else {
            catch_unwind(AssertUnwindSafe(|| {
                coop::with_budget(TASK_BUDGET, || runnable.run());
            }))
        };
        self.current_task.set(None);
        if named {
            *self.current_name.borrow_mut() = None;
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
    fn run_callback(&self, id: u64, f: Box<dyn FnOnce()>) {
        if !self.cancelled_callbacks.borrow().is_empty() {
            let mut cancelled = self.cancelled_callbacks.borrow_mut();
            if let Some(i) = cancelled.iter().position(|&c| c == id) {
                cancelled.swap_remove(i);
                drop(cancelled);
                drop(f);
                return;
            }
        }
        let start = self.debug.get().then(Instant::now);
        let res = catch_unwind(AssertUnwindSafe(f));
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
    fn fire_timers(&self) {
        if self.timers.is_empty() {
            return;
        }
        let Some(next) = self.timers.next_deadline() else {
            return;
        };
        let now = self.timers.now();
        if next > now {
            return;
        }
        let mut fired = self.fired.borrow_mut();
        self.timers.fire(now, &mut fired);
        // Wake and queue outside the borrow of `fired`? Waking only pushes to queues; callbacks are
        // queued, not run, so no user code runs under this borrow.
        for action in fired.drain(..) {
            match action {
                TimerAction::Wake(w) => w.wake(),
                TimerAction::Call(f) => {
                    self.enqueue_callback(f);
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
    fn park(&self, main_woken: &AtomicBool) {
        let clock = self.timers.clock();
        if clock.is_paused() {
            // Read before looking for work: a blocking job wakes its waiter before it stops counting, so
            // a count of zero here means its wake-up is already visible below.
            let blocking = self.blocking_in_flight.load(Ordering::SeqCst) > 0;
            self.poll_io(Some(Duration::ZERO));
            self.fire_timers();
            if self.has_work() || main_woken.load(Ordering::Acquire) {
                return;
            }
            match self.timers.next_deadline() {
                // Idle with a paused clock: jump to the next deadline, unless work on the blocking pool
                // is in flight (it takes real time; its end wakes the loop).
                Some(next) if !blocking => clock.advance_to(next),
                _ => self.poll_io_parked(None, main_woken),
            }
        } else {
            let timeout = self.timers.next_deadline().map(|next| {
                let now = self.timers.now();
                // Round up to whole milliseconds so the wait does not end just short of the deadline.
                let d = next.saturating_duration_since(now);
                let ms = d.as_nanos().div_ceil(1_000_000);
                Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
            });
            self.poll_io_parked(timeout, main_woken);
        }
        self.fire_timers();
    }

    /// A blocking poller wait, announced through `Shared::parked` so other threads notify it.
    fn poll_io_parked(&self, timeout: Option<Duration>, main_woken: &AtomicBool) {
        self.shared.parked.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        if main_woken.load(Ordering::SeqCst) || !self.shared.injector.is_empty() {
            self.shared.parked.store(false, Ordering::SeqCst);
            return;
        }
        self.poll_io(timeout);
        self.shared.parked.store(false, Ordering::SeqCst);
    }

    /// Cancels every pending task (on this thread, so `!Send` futures are dropped where they live), runs
    /// the callbacks that produces, then drops what is left. Idempotent.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        if matches!(self.state.get(), State::Closing | State::Closed) {
            return;
        }
        self.state.set(State::Closing);
        let _enter = context::enter(self.clone());
        let _timers = timers::enter(self.timers.clone());
        let watches = self.fd_watches.borrow_mut().take_all();
        drop(watches);
        for _ in 0..SHUTDOWN_ROUNDS {
            let wakers = self.registry.borrow().wakers();
            for w in wakers {
                w.wake();
            }
            self.drain_injector();
            // Only what is queued now: a future whose `Drop` spawns again is handled next round, so a
            // spawn-forever chain ends after `SHUTDOWN_ROUNDS`.
            let queued = self.ready.borrow().len();
            for _ in 0..queued {
                let next = self.ready.borrow_mut().pop_front();
                let Some(r) = next else { break };
                r.metadata().request_cancel();
                self.run_task(r);
            }
            let ntodo = self.callbacks.borrow().len();
            for _ in 0..ntodo {
                let cb = self.callbacks.borrow_mut().pop_front();
                if let Some(cb) = cb {
                    self.run_callback(cb.id, cb.f);
                }
            }
            if !self.has_work() && self.registry.borrow().len() == 0 {
                break;
            }
        }
        self.shared.close();
        while let Ok(work) = self.shared.injector.pop() {
            if let Injected::Task(r) = work {
                r.metadata().request_cancel();
                self.run_task(r);
            }
        }
        let leftovers: Vec<_> = self.callbacks.borrow_mut().drain(..).collect();
        drop(leftovers);
        let leftovers: Vec<_> = self.ready.borrow_mut().drain(..).collect();
        drop(leftovers);
        let done = self.registry.borrow_mut().take_all_callbacks();
        drop(done);
        self.timers.clear();
        self.state.set(State::Closed);
    }
}
