//! The future every task's user future is wrapped in: catches panics, honours loop-requested
//! cancellation, and records the outcome exactly once.

use std::any::Any;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::context_vars;
use super::meta::TaskMeta;
use super::running;
use super::{TaskId, TaskInfo, TaskOutcome};
use crate::context;

/// What a task leaves behind when it did not finish.
pub(crate) enum Failure {
    Cancelled,
    Panicked(UnobservedPanic),
}

/// A task's output as async-task stores it.
pub(crate) type TaskResult<T> = Result<T, Failure>;

/// A panic payload that reports itself to the loop's exception handler if it is dropped unobserved
/// (the task was detached, or its handle dropped without awaiting it). asyncio's "Task exception was
/// never retrieved".
///
/// Boxed, so a task's output slot (a union with the future in the task's allocation) grows by one word
/// for the failure case rather than by the payload and the task's description.
pub(crate) struct UnobservedPanic(Box<PanicRecord>);

struct PanicRecord {
    payload: Option<Box<dyn Any + Send>>,
    info: TaskInfo,
}

impl UnobservedPanic {
    /// Takes the payload: the panic counts as observed.
    pub(crate) fn take(mut self) -> Box<dyn Any + Send> {
        self.0.payload.take().expect("panic payload taken once")
    }
}

impl Drop for UnobservedPanic {
    fn drop(&mut self) {
        if let Some(payload) = self.0.payload.take() {
            crate::event_loop::report_unobserved_panic(&self.0.info, &*payload);
        }
    }
}

/// Wraps a task's future. Finds the task's metadata (in the same allocation) through `running.rs`
/// rather than keeping a pointer to it: one word less in every task.
///
/// The harness drops the future itself, on every path, inside `catch_unwind`: a future whose `Drop`
/// panics never unwinds into async-task (which would abort the process) and never leaves the task
/// without an outcome.
///
/// # Invariants
///
/// `future` is live exactly while the task's outcome (`TaskMeta::outcome`) is unset: every path that
/// drops it records the outcome right after, on the same thread, before anything else can look. So the
/// harness carries no `Option` tag (8 bytes of every task's allocation for a future without a niche,
/// which an `async fn`'s state machine does not offer). `future` is structurally pinned: it is never
/// moved, only polled through `Pin` and dropped in place.
pub(crate) struct Harness<F> {
    future: ManuallyDrop<F>,
}

impl<F> Drop for Harness<F> {
    fn drop(&mut self) {
        // SAFETY: async-task drops the harness only inside a runnable's `run` or `drop` (`running.rs`).
        let meta = unsafe { running::current() };
        if meta.outcome().is_none() {
            // Dropped before finishing: cancelled (Task::cancel, a dropped handle, loop shutdown).
            // SAFETY: the outcome is unset, so the future is live (invariants); it is dropped in place
            // (allowed for pinned data) and the outcome recorded at once.
            let panic = unsafe { drop_future(&mut self.future) };
            finish(meta, TaskOutcome::Cancelled);
            if let Some(payload) = panic {
                report_drop_panic(meta, payload);
            }
        }
    }
}

impl<F> Harness<F> {
    pub(crate) fn new(future: F) -> Self {
        Harness {
            future: ManuallyDrop::new(future),
        }
    }
}

/// Drops the future in place, catching a panic from its `Drop`. (Drop glue that unwinds still drops the
/// remaining fields, so the future counts as dropped either way.)
///
/// # Safety
///
/// The future must be live, and the caller must record the task's outcome right after (the harness
/// invariant), so it is neither polled nor dropped again.
#[inline]
unsafe fn drop_future<F>(future: &mut ManuallyDrop<F>) -> Option<Box<dyn Any + Send>> {
    // SAFETY: live by the caller's contract, and never used again after this (ditto).
    catch_unwind(AssertUnwindSafe(|| unsafe { ManuallyDrop::drop(future) })).err()
}

impl<F: Future> Future for Harness<F> {
    type Output = TaskResult<F::Output>;

    /// One step of the task: with its task-local context in effect when it has one (or when a context
    /// is in effect that must not leak into it), else straight to `step`; a context the step created
    /// is moved out of the thread into the task's loop afterwards.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: async-task polls the harness only inside a runnable's `run` (`running.rs`); `meta`
        // is used only during this call.
        let meta = unsafe { running::current() };
        // One call of `step` on both paths, so it is inlined once.
        let entered = if !meta.has_context() && !context_vars::is_set() {
            None
        } else {
            Some(context_vars::enter_task(meta))
        };
        let out = self.step(meta, cx);
        match entered {
            Some(entered) => context_vars::leave_task(meta, entered),
            // The task set its first context variable in this step: keep its context.
            None if context_vars::is_set() => {
                context_vars::leave_task(meta, context_vars::Entered::none())
            }
            None => {}
        }
        out
    }
}

impl<F: Future> Harness<F> {
    /// Polls the future once, catching a panic, honouring a cancellation request and recording the
    /// outcome when it ends. Inlined into `poll`: as a call of its own, its register saves and restores
    /// cost ~15 instructions a poll (callgrind, ping_pong).
    #[inline(always)]
    fn step(
        self: Pin<&mut Self>,
        meta: &TaskMeta,
        cx: &mut Context<'_>,
    ) -> Poll<TaskResult<F::Output>> {
        // SAFETY: the harness is pinned and `future` is structurally pinned (never moved; see the
        // invariants), so it is not moved out of this reference.
        let this = unsafe { self.get_unchecked_mut() };
        if meta.ended_or_cancel_requested() {
            return cancelled_step(meta, &mut this.future);
        }
        // SAFETY: the outcome is unset, so the future is live; it stays where it is (pinned).
        let fut = unsafe { Pin::new_unchecked(&mut *this.future) };
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => {
                if !meta.is_registered() {
                    register_pending(meta, cx);
                }
                Poll::Pending
            }
            Ok(Poll::Ready(v)) => {
                // SAFETY: the future is live (it was just polled) and the outcome is recorded right
                // after, by `finish` or `panicked`.
                let panic = unsafe { drop_future(&mut this.future) };
                match panic {
                    None => {
                        finish(meta, TaskOutcome::Finished);
                        Poll::Ready(Ok(v))
                    }
                    Some(payload) => {
                        // Finished, then panicked in `Drop`: the panic is the outcome, as if the future had
                        // panicked on its way out.
                        drop_output(meta, v);
                        Poll::Ready(Err(panicked(meta, payload)))
                    }
                }
            }
            Err(payload) => {
                // SAFETY: the future is live (its poll panicked, nothing dropped it) and `panicked`
                // records the outcome right after.
                let second = unsafe { drop_future(&mut this.future) };
                if let Some(second) = second {
                    report_drop_panic(meta, second);
                }
                Poll::Ready(Err(panicked(meta, payload)))
            }
        }
    }
}

/// A step of a task the loop asked to stop: the future is dropped instead of polled. (A task whose
/// outcome is already recorded is never polled again through async-task; it reports `Cancelled`.)
#[cold]
fn cancelled_step<F, T>(meta: &TaskMeta, future: &mut ManuallyDrop<F>) -> Poll<TaskResult<T>> {
    if meta.outcome().is_none() {
        // SAFETY: the outcome is unset, so the future is live (invariants); it is recorded next.
        let panic = unsafe { drop_future(future) };
        finish(meta, TaskOutcome::Cancelled);
        if let Some(payload) = panic {
            report_drop_panic(meta, payload);
        }
    }
    Poll::Ready(Err(Failure::Cancelled))
}

/// Records a panic as the task's outcome.
#[cold]
fn panicked(meta: &TaskMeta, payload: Box<dyn Any + Send>) -> Failure {
    finish(meta, TaskOutcome::Panicked);
    Failure::Panicked(UnobservedPanic(Box::new(PanicRecord {
        payload: Some(payload),
        info: TaskInfo::from_meta(meta),
    })))
}

/// Drops an output nobody will get, containing a panic from its `Drop`.
#[cold]
fn drop_output<T>(meta: &TaskMeta, v: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(v))) {
        report_drop_panic(meta, payload);
    }
}

/// Tells the task's loop that its future panicked while being dropped.
#[cold]
fn report_drop_panic(meta: &TaskMeta, payload: Box<dyn Any + Send>) {
    let info = TaskInfo::from_meta(meta);
    crate::event_loop::report_task_drop_panic(meta.loop_id(), &info, &*payload);
    // The payload's own `Drop` is user code too.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
}

/// First `Pending` of a task: enter the loop's registry, so `all_tasks` lists it and shutdown can wake
/// (and so cancel) it.
#[cold]
fn register_pending(meta: &TaskMeta, cx: &Context<'_>) {
    context::with_current(|inner| {
        if Arc::ptr_eq(&inner.shared, &meta.shared) {
            inner.register_pending(meta, cx.waker());
        }
    });
}

/// Records the outcome and lets the loop unregister the task and schedule its done-callbacks.
#[inline]
fn finish(meta: &TaskMeta, outcome: TaskOutcome) {
    let (has_callbacks, has_context) = meta.set_outcome(outcome);
    if !has_callbacks && !has_context && !meta.is_registered() {
        // Finished in its first poll with nobody watching: the loop has nothing to update.
        return;
    }
    crate::event_loop::with_loop(meta.loop_id(), |inner| {
        inner.task_finished(meta, outcome, has_callbacks, has_context);
    });
}

/// A task's description, for `all_tasks`, `current_task` and reports.
impl TaskInfo {
    pub(crate) fn from_meta(meta: &TaskMeta) -> TaskInfo {
        TaskInfo {
            id: meta.id(),
            name: meta.name().cloned(),
            location: meta.location(),
        }
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<Failure>();
    is_send::<TaskId>();
}
