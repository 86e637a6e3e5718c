//! Where a task's awaiter wakes among its done-callbacks: asyncio's awaiting task adds its wake-up as a
//! done-callback when it starts waiting, so callbacks added later run after it resumes.
//!
//! The awaiter of a tulip task is parked in async-task, which wakes it right after the task's last
//! poll returns, after the loop has scheduled the done-callbacks. When a callback was added while an
//! awaiter was parked (the task's `AWAITED` bit was set), the loop remembers that callback's id (the
//! mark). When the task ends, the callbacks before the mark are scheduled at once and the others are
//! held here until the poll that ended the task returns, so they queue behind the awaiter.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::task::TaskId;

/// The marks of pending tasks and the callbacks held until the current poll returns.
#[derive(Default)]
pub(super) struct AwaiterOrder {
    /// Per task: the id of the first done-callback added while an awaiter was parked.
    marks: RefCell<HashMap<TaskId, u64>>,
    /// Callbacks to schedule once the poll that ended their task has returned.
    held: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// `held` is not empty (read after every task poll: one load).
    any_held: Cell<bool>,
}

impl AwaiterOrder {
    /// Records that callback `id` of `task` was added while an awaiter was parked (the first one counts).
    pub(super) fn mark(&self, task: TaskId, id: u64) {
        self.marks.borrow_mut().entry(task).or_insert(id);
    }

    /// Removes and returns the mark of a task that ended.
    pub(super) fn take_mark(&self, task: TaskId) -> Option<u64> {
        let mut marks = self.marks.borrow_mut();
        if marks.is_empty() {
            return None;
        }
        marks.remove(&task)
    }

    /// Holds `f` until [`take_held`](Self::take_held).
    pub(super) fn hold(&self, f: Box<dyn FnOnce()>) {
        self.held.borrow_mut().push(f);
        self.any_held.set(true);
    }

    /// Whether callbacks are held.
    #[inline]
    pub(super) fn any_held(&self) -> bool {
        self.any_held.get()
    }

    /// Takes the held callbacks, in the order they were held.
    #[cold]
    pub(super) fn take_held(&self) -> Vec<Box<dyn FnOnce()>> {
        self.any_held.set(false);
        std::mem::take(&mut *self.held.borrow_mut())
    }

    /// Shutdown's last step: drops what is left (held callbacks run no more, as the loop's other
    /// leftovers).
    pub(super) fn clear(&self) {
        let held = self.take_held();
        self.marks.borrow_mut().clear();
        drop(held);
    }
}
