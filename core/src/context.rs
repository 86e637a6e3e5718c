//! The scoped "current loop" of a thread: set while a loop runs, restored by a guard.

use std::rc::Rc;
use std::sync::Arc;

use tulip_time::scoped::{self, Scoped, ScopedGuard};

use crate::event_loop::LoopInner;
use crate::executor::TaskRunnable;

thread_local! {
    static CURRENT: Scoped<LoopInner> = const { Scoped::new() };
}

/// Makes a loop current on this thread until dropped; restores the previous one (loops can nest only
/// through `Loop::block_on` being refused, so in practice the previous one is `None`).
pub(crate) type EnterGuard = ScopedGuard<LoopInner>;

pub(crate) fn enter(inner: Rc<LoopInner>) -> EnterGuard {
    scoped::enter(&CURRENT, inner)
}

/// Runs `f` with the loop running on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<LoopInner>) -> R) -> Option<R> {
    scoped::with(&CURRENT, f)
}

/// The loop running on this thread, if any.
#[inline]
pub(crate) fn current() -> Option<Rc<LoopInner>> {
    with_current(Rc::clone)
}

/// Pushes `runnable` onto the local run queue when its loop is the one running on this thread;
/// otherwise gives it back.
#[inline]
pub(crate) fn try_schedule_local(runnable: TaskRunnable) -> Option<TaskRunnable> {
    let mut slot = Some(runnable);
    with_current(|inner| {
        if let Some(r) = slot.take_if(|r| Arc::ptr_eq(&inner.shared, &r.metadata().shared)) {
            inner.push_ready(r);
        }
    });
    slot
}
