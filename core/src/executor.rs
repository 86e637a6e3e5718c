//! The part of a loop that other threads touch: the injector queue, the poller to wake, and how a woken
//! task finds its way back to its loop.

use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use async_task::Runnable;

use crate::context;
use crate::reactor::Reactor;
use crate::sync_shim::{Injector, ParkFlag};
use crate::task::running;
use crate::task::TaskMeta;

/// A runnable task of this runtime: async-task's `Runnable`, which marks its task as the one this
/// thread runs (or drops) while it does, so the task's harness finds its metadata there instead of
/// keeping a pointer in every task (see `task/running.rs`).
pub(crate) struct TaskRunnable(ManuallyDrop<Runnable<TaskMeta>>);

impl TaskRunnable {
    #[inline(always)]
    pub(crate) fn new(runnable: Runnable<TaskMeta>) -> Self {
        TaskRunnable(ManuallyDrop::new(runnable))
    }

    #[inline(always)]
    pub(crate) fn metadata(&self) -> &TaskMeta {
        self.0.metadata()
    }

    /// Hands the task to its schedule function (`Runnable::schedule`).
    pub(crate) fn schedule(self) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is neither used nor dropped again, so the runnable is taken exactly once.
        unsafe { ManuallyDrop::take(&mut this.0) }.schedule();
    }

    /// Polls the task once (`Runnable::run`).
    #[inline(always)]
    pub(crate) fn run(self) -> bool {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is neither used nor dropped again, so the runnable is taken exactly once.
        let runnable = unsafe { ManuallyDrop::take(&mut this.0) };
        let _running = running::enter(runnable.metadata());
        runnable.run()
    }
}

impl Drop for TaskRunnable {
    fn drop(&mut self) {
        // SAFETY: `drop` runs once and `self.0` is not touched after, so it is taken exactly once.
        let runnable = unsafe { ManuallyDrop::take(&mut self.0) };
        let _running = running::enter(runnable.metadata());
        // Dropping a runnable drops its future (user code): with the task marked as being dropped.
        drop(runnable);
    }
}

/// Work handed to a loop from another thread.
pub(crate) enum Injected {
    /// A task woken or spawned off the loop's thread.
    Task(TaskRunnable),
    /// A `call_soon_threadsafe` callback.
    Callback(Box<dyn FnOnce() + Send>),
    /// The main future of `block_on` (of that generation) was woken off the loop's thread.
    Main(u64),
}

static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

/// What a loop shares with other threads (tokio's `Shared`; the loop-owned rest is `LoopInner`).
pub(crate) struct Shared {
    /// Unique per loop, for diagnostics.
    pub(crate) id: u64,
    /// Tasks and callbacks sent from other threads; drained by the loop each iteration. Closed once the
    /// loop has shut down: nothing will drain it again (checked by loom in `tests/loom_injector.rs`).
    pub(crate) injector: Injector<Injected>,
    /// The loop's reactor; `notify` wakes the loop out of its poller wait.
    pub(crate) reactor: Arc<Reactor>,
    /// Set while the loop blocks in its poller. Wakers from other threads notify the poller only then
    /// (the handshake is `ParkFlag`'s, checked by loom in `tests/loom_park.rs`).
    pub(crate) parked: ParkFlag,
    /// Set when the loop starts shutting down. From then on new work from a [`Handle`](crate::Handle)
    /// (`call_soon_threadsafe`, `spawn`) is refused, as asyncio's `close()` refuses
    /// `call_soon_threadsafe` once it begins; wakes of the loop's own tasks are still taken until the
    /// injector closes, so their cancellation can finish. Without it a thread that submits faster than
    /// shutdown runs its work kept `close()` busy (each round ran what came in during the last).
    /// A submission racing the store is taken or refused, either way whole: the flag only bounds how
    /// much new work shutdown takes (one per racing thread), the injector's own close decides the rest.
    closing: AtomicBool,
}

impl Shared {
    pub(crate) fn new(reactor: Arc<Reactor>) -> Arc<Self> {
        Arc::new(Shared {
            id: NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed),
            injector: Injector::new(),
            reactor,
            parked: ParkFlag::new(),
            closing: AtomicBool::new(false),
        })
    }

    /// Whether new work from other threads is still taken (the loop has not begun shutting down).
    #[inline]
    pub(crate) fn takes_new_work(&self) -> bool {
        !self.closing.load(Ordering::Acquire)
    }

    /// The loop begins shutting down: new work from handles is refused from now on.
    pub(crate) fn begin_closing(&self) {
        self.closing.store(true, Ordering::Release);
    }

    /// Hands work to the loop from any thread and wakes it. Returns the work back if the loop is closed.
    pub(crate) fn inject(&self, work: Injected) -> Result<(), Injected> {
        self.injector.push(work)?;
        self.notify_if_parked();
        Ok(())
    }

    /// Wakes the loop out of its poller wait if it is parked there (see `parked`).
    #[inline]
    pub(crate) fn notify_if_parked(&self) {
        // A failed notify leaves the work queued; the loop finds it on its next iteration.
        self.parked.notify_if_parked(|| {
            let _ = self.reactor.notify();
        });
    }

    /// Closes the injector. Work pushed after this is refused.
    pub(crate) fn close(&self) {
        self.injector.close();
    }
}

/// The schedule function of every task: on the loop's own thread push to the local run queue (no atomics
/// beyond async-task's own), elsewhere push to the injector and wake the loop.
///
/// The task's loop is read from its metadata, so the schedule closure async-task stores in every task is
/// zero-sized.
#[inline]
pub(crate) fn schedule(runnable: Runnable<TaskMeta>) {
    if let Some(runnable) = context::try_schedule_local(TaskRunnable::new(runnable)) {
        schedule_remote(runnable);
    }
}

#[cold]
fn schedule_remote(runnable: TaskRunnable) {
    // The runnable may run and complete on the loop's thread as soon as it is pushed: hold the loop by
    // its own reference, not through the task.
    let shared = runnable.metadata().shared.clone();
    if let Err(Injected::Task(runnable)) = shared.inject(Injected::Task(runnable)) {
        // The loop is gone. A task that is not `Send` must not be dropped on this thread; its future was
        // already dropped at shutdown (every task is cancelled then), so leaking the handle leaks no
        // future. A `Send` task is dropped here, which drops its future.
        if runnable.metadata().is_local() {
            std::mem::forget(runnable);
        } else {
            drop(runnable);
        }
    }
}
