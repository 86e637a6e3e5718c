//! The scoped "current loop" of a thread: set while a loop runs, restored by a guard.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use tulip_time::scoped::{self, Scoped, ScopedGuard};

use crate::event_loop::LoopInner;
use crate::executor::TaskRunnable;

thread_local! {
    static CURRENT: Scoped<LoopInner> = const { Scoped::new() };
    /// The same loop as a raw pointer, for the schedule path: no destructor (so no lazy-registration
    /// check) and no `RefCell`. Non-null only while an `EnterGuard` holding an `Rc` of that loop is alive
    /// on this thread.
    static CURRENT_PTR: Cell<*const LoopInner> = const { Cell::new(std::ptr::null()) };
}

/// Makes a loop current on this thread until dropped; restores the previous one (loops can nest only
/// through `Loop::block_on` being refused, so in practice the previous one is `None`). Guards are only
/// held on the stack (`let _enter = enter(..)`), so they are dropped in reverse order of creation.
pub(crate) struct EnterGuard {
    // Field order matters only after `drop` below has restored the pointer: the scoped slot is restored,
    // then the loop reference released.
    _scoped: ScopedGuard<LoopInner>,
    _inner: Rc<LoopInner>,
    prev: *const LoopInner,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev;
        CURRENT_PTR.with(|c| c.set(prev));
    }
}

pub(crate) fn enter(inner: Rc<LoopInner>) -> EnterGuard {
    let prev = CURRENT_PTR.with(|c| c.replace(Rc::as_ptr(&inner)));
    EnterGuard {
        _scoped: scoped::enter(&CURRENT, inner.clone()),
        _inner: inner,
        prev,
    }
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
    let inner = CURRENT_PTR.with(Cell::get);
    // SAFETY: a non-null `CURRENT_PTR` points at the loop an `EnterGuard` on this thread holds an `Rc`
    // of; the guard resets the pointer before releasing that `Rc`, so the loop is alive here.
    match unsafe { inner.as_ref() } {
        Some(inner) if Arc::ptr_eq(&inner.shared, &runnable.metadata().shared) => {
            inner.push_ready(runnable);
            None
        }
        _ => Some(runnable),
    }
}

thread_local! {
    /// The loops made on this thread that may still be alive, for the calls that name a task's loop
    /// while no loop runs (asyncio lets `Task.add_done_callback` and `Task.get_loop` be called before
    /// `run_until_complete`). Dead entries are pruned when a loop is made.
    static MADE_HERE: RefCell<Vec<Weak<LoopInner>>> = const { RefCell::new(Vec::new()) };
}

/// Records a loop made on this thread (`Loop::new`).
pub(crate) fn made_here(inner: &Rc<LoopInner>) {
    // During thread-local teardown the list is gone; such a loop is then found only while it runs.
    let _ = MADE_HERE.try_with(|loops| {
        let mut loops = loops.borrow_mut();
        loops.retain(|l| l.strong_count() > 0);
        loops.push(Rc::downgrade(inner));
    });
}

/// The loop with id `loop_id` if it runs on this thread or was made here and is alive: the running
/// loop first (one thread-local read), the list of loops made here otherwise.
pub(crate) fn loop_on_this_thread(loop_id: u64) -> Option<Rc<LoopInner>> {
    current().filter(|l| l.shared.id == loop_id).or_else(|| {
        MADE_HERE
            .try_with(|loops| {
                loops
                    .borrow()
                    .iter()
                    .filter_map(Weak::upgrade)
                    .find(|l| l.shared.id == loop_id)
            })
            .ok()
            .flatten()
    })
}
