//! Per-task metadata stored inside the task's allocation: identity, spawn site, owning loop and state
//! flags.
//!
//! # Layout
//!
//! Every parked task pays for this struct, so it holds only what the wake/poll path or every task needs,
//! in three words on 64-bit targets: the id and the state bits in one atomic word, the spawn site (with
//! the name, for a named task: see `origin.rs`), and the loop (which the schedule function reads, so
//! async-task's schedule closure is zero-sized). At 24 bytes async-task's header is 64 bytes, and a task
//! whose future is three words fits a 96-byte malloc chunk. A task-local context lives in the loop,
//! found by the task id when the `HAS_CONTEXT` bit is set.
//!
//! The state bits also tell whether the future is still in the task: it is dropped exactly when the
//! outcome is recorded (see `harness.rs`), so the harness needs no flag of its own.
//!
//! Task ids take the 56 bits above the state byte: unique for the first 2^56 tasks of a process (at
//! 100 million spawns a second, 22 years).

use std::panic::Location;
use std::sync::Arc;

// Loom's atomics in a model build (`tests/loom_*.rs`): the outcome flags cross threads.
use crate::sync_shim::atomic::{AtomicU64, Ordering};

use super::origin::Origin;
use super::{TaskId, TaskOutcome};
use crate::executor::Shared;

// State bits, the low byte of `word`. The outcome occupies the low two bits and is written once, on
// the loop thread.
const OUTCOME_MASK: u64 = 0b11;
const PENDING: u64 = 0;
const FINISHED: u64 = 1;
const CANCELLED: u64 = 2;
const PANICKED: u64 = 3;
/// The loop asked the task to stop: its next poll drops the future instead of polling it.
const CANCEL_REQUESTED: u64 = 1 << 2;
/// Done-callbacks are waiting in the loop's registry.
const HAS_CALLBACKS: u64 = 1 << 3;
/// The future may not leave the loop's thread (set at creation, never changed).
const LOCAL: u64 = 1 << 4;
/// The task has a task-local context stored in its loop (set and cleared on the loop thread).
const HAS_CONTEXT: u64 = 1 << 5;
/// The task entered its loop's registry (on its first `Pending`; set once, on the loop thread).
const REGISTERED: u64 = 1 << 6;
/// A task has awaited this one (its `Task` handle returned `Pending`): done-callbacks added from then
/// on run after that awaiter resumes.
const AWAITED: u64 = 1 << 7;
/// The id sits above the state byte.
const ID_SHIFT: u32 = 8;

static NEXT_TASK_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What async-task keeps beside every future: read by the executor, the harness and the `Task` handle.
pub(crate) struct TaskMeta {
    /// `id << ID_SHIFT | state bits`.
    word: AtomicU64,
    /// The spawn site and, for a named task, the name.
    origin: Origin,
    /// The loop the task belongs to: where the schedule function sends it.
    pub(crate) shared: Arc<Shared>,
}

impl TaskMeta {
    #[inline]
    pub(crate) fn new(
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
        shared: Arc<Shared>,
        local: bool,
    ) -> Self {
        let id = NEXT_TASK_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let state = if local { LOCAL | PENDING } else { PENDING };
        TaskMeta {
            word: AtomicU64::new(id << ID_SHIFT | state),
            origin: Origin::new(name, location),
            shared,
        }
    }

    #[inline]
    fn state(&self, order: Ordering) -> u64 {
        self.word.load(order)
    }

    /// The task's id (unique in the process; see the module docs).
    #[inline]
    pub(crate) fn id(&self) -> TaskId {
        // The id bits never change, so any ordering reads them right.
        TaskId(self.state(Ordering::Relaxed) >> ID_SHIFT)
    }

    /// The id of the task's loop (`Shared::id`).
    #[inline]
    pub(crate) fn loop_id(&self) -> u64 {
        self.shared.id
    }

    /// The task's name, if it has one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.origin.name()
    }

    /// Where the task was spawned.
    #[inline]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.origin.location()
    }

    /// Whether the future was dropped (the outcome is recorded right after), or the loop asked the task
    /// to stop: the one test on the poll path before the future is polled.
    #[inline]
    pub(crate) fn ended_or_cancel_requested(&self) -> bool {
        self.state(Ordering::Relaxed) & (OUTCOME_MASK | CANCEL_REQUESTED) != 0
    }

    #[inline]
    pub(crate) fn is_local(&self) -> bool {
        self.state(Ordering::Relaxed) & LOCAL != 0
    }

    /// Whether the task entered its loop's registry.
    #[inline]
    pub(crate) fn is_registered(&self) -> bool {
        self.state(Ordering::Relaxed) & REGISTERED != 0
    }

    /// Records that the task entered its loop's registry (loop thread only).
    #[inline]
    pub(crate) fn mark_registered(&self) {
        self.word.fetch_or(REGISTERED, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn outcome(&self) -> Option<TaskOutcome> {
        match self.state(Ordering::Acquire) & OUTCOME_MASK {
            PENDING => None,
            FINISHED => Some(TaskOutcome::Finished),
            CANCELLED => Some(TaskOutcome::Cancelled),
            _ => Some(TaskOutcome::Panicked),
        }
    }

    /// Records the outcome; returns whether done-callbacks wait, and whether the task had a context.
    pub(crate) fn set_outcome(&self, outcome: TaskOutcome) -> (bool, bool) {
        let bits = match outcome {
            TaskOutcome::Finished => FINISHED,
            TaskOutcome::Cancelled => CANCELLED,
            TaskOutcome::Panicked => PANICKED,
        };
        let prev = self.word.fetch_or(bits, Ordering::AcqRel);
        debug_assert_eq!(
            prev & OUTCOME_MASK,
            PENDING,
            "task {:?} given two outcomes",
            self.id()
        );
        (prev & HAS_CALLBACKS != 0, prev & HAS_CONTEXT != 0)
    }

    #[inline]
    pub(crate) fn request_cancel(&self) {
        self.word.fetch_or(CANCEL_REQUESTED, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn mark_has_callbacks(&self) {
        self.word.fetch_or(HAS_CALLBACKS, Ordering::Relaxed);
    }

    /// Records that an awaiter parked on the task (one load when already recorded).
    #[inline]
    pub(crate) fn mark_awaited(&self) {
        if self.state(Ordering::Relaxed) & AWAITED == 0 {
            self.word.fetch_or(AWAITED, Ordering::Relaxed);
        }
    }

    /// Whether an awaiter has parked on the task.
    #[inline]
    pub(crate) fn is_awaited(&self) -> bool {
        self.state(Ordering::Relaxed) & AWAITED != 0
    }

    /// Whether the loop holds a task-local context for this task.
    #[inline]
    pub(crate) fn has_context(&self) -> bool {
        self.state(Ordering::Relaxed) & HAS_CONTEXT != 0
    }

    /// Records whether the loop holds a context for this task (loop thread only).
    #[inline]
    pub(crate) fn set_has_context(&self, yes: bool) {
        if yes {
            self.word.fetch_or(HAS_CONTEXT, Ordering::Relaxed);
        } else {
            self.word.fetch_and(!HAS_CONTEXT, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("location", &self.location())
            .field("loop_id", &self.loop_id())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metadata is part of every task's allocation: keep it at 24 bytes on 64-bit targets.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn metadata_is_24_bytes() {
        assert_eq!(std::mem::size_of::<TaskMeta>(), 24);
    }
}
