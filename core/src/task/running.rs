//! Which task's runnable this thread is running or dropping: how a task's harness finds its metadata
//! without keeping a pointer to it in every task.
//!
//! # Invariants
//!
//! async-task polls and drops a task's future only inside `Runnable::run` and `Runnable`'s `Drop`, and
//! every runnable of this runtime is a [`TaskRunnable`](crate::executor::TaskRunnable), which sets
//! `CURRENT` to its task's metadata around both (restoring the previous value after, so nested runs,
//! such as an eager task's first step inside another task's poll, unwind correctly). So while a
//! harness is polled or dropped, `CURRENT` points at its own task's metadata, inside the allocation the
//! runnable keeps alive.

use std::cell::Cell;
use std::ptr;

use super::TaskMeta;

thread_local! {
    /// The metadata of the task whose runnable this thread is running or dropping (null: none).
    static CURRENT: Cell<*const TaskMeta> = const { Cell::new(ptr::null()) };
}

/// Restores the previous task on drop.
pub(crate) struct Running(*const TaskMeta);

/// Marks `meta`'s task as the one this thread runs or drops until the guard is dropped.
#[inline(always)]
pub(crate) fn enter(meta: &TaskMeta) -> Running {
    Running(CURRENT.with(|c| c.replace(meta)))
}

impl Drop for Running {
    #[inline(always)]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// The metadata of the task being run or dropped on this thread, or null. Dereference only while that
/// run or drop lasts (from the task's own code, or the loop's on its behalf).
#[inline]
pub(crate) fn current_ptr() -> *const TaskMeta {
    CURRENT.with(Cell::get)
}

/// The metadata of the task being run or dropped on this thread.
///
/// # Safety
///
/// Only from a task harness's `poll` or `drop`, called by async-task (module invariants); the reference
/// must not outlive that call.
#[inline(always)]
pub(super) unsafe fn current<'a>() -> &'a TaskMeta {
    // SAFETY: by the caller's contract and the module invariants, `CURRENT` is this task's metadata,
    // alive for the duration of the call.
    unsafe { &*CURRENT.with(Cell::get) }
}
