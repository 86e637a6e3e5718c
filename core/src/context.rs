//! The scoped "current loop" of a thread: set while a loop runs, restored by a guard.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::event_loop::LoopInner;
use crate::executor::{Shared, TaskRunnable};

thread_local! {
    static CURRENT: RefCell<Option<Rc<LoopInner>>> = const { RefCell::new(None) };
}

/// Makes a loop current on this thread until dropped; restores the previous one (loops can nest only
/// through `Loop::run_until_complete` being refused, so in practice the previous one is `None`).
pub(crate) struct EnterGuard {
    prev: Option<Rc<LoopInner>>,
}

pub(crate) fn enter(inner: Rc<LoopInner>) -> EnterGuard {
    // During thread teardown the slot may be gone; the loop is then simply not current.
    let prev = CURRENT
        .try_with(|c| c.borrow_mut().replace(inner))
        .ok()
        .flatten();
    EnterGuard { prev }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // The guard may run during thread teardown; the slot may already be gone then.
        let old = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), prev));
        drop(old);
    }
}

/// Runs `f` with the loop running on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<LoopInner>) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The loop running on this thread, if any.
#[inline]
pub(crate) fn current() -> Option<Rc<LoopInner>> {
    with_current(Rc::clone)
}

/// Pushes `runnable` onto the local run queue when `shared`'s loop is the one running on this thread;
/// otherwise gives it back.
#[inline]
pub(crate) fn try_schedule_local(
    shared: &Arc<Shared>,
    runnable: TaskRunnable,
) -> Option<TaskRunnable> {
    let mut slot = Some(runnable);
    let _ = CURRENT.try_with(|c| {
        if let Some(inner) = &*c.borrow() {
            if Arc::ptr_eq(&inner.shared, shared) {
                if let Some(r) = slot.take() {
                    inner.push_ready(r);
                }
            }
        }
    });
    slot
}
