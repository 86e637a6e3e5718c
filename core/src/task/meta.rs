//! Per-task metadata stored inside the task's allocation: identity, spawn site, owning loop and state
//! flags.
//!
//! # Layout
//!
//! Every parked task pays for this struct, so it holds only what the wake/poll path or every task needs
//! (32 bytes on 64-bit targets): the id, the spawn site (with the name, for a named task, in one word:
//! see `origin.rs`), the loop (which the schedule function reads, so async-task's schedule closure is
//! zero-sized), the registry slot and the state bits. A task-local context lives in the loop, found by
//! the task id when the `HAS_CONTEXT` bit is set.
//!
//! The state bits also tell whether the future is still in the task: it is dropped exactly when the
//! outcome is recorded (see `harness.rs`), so the harness needs no flag of its own.

use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;

// Loom's atomics in a model build (`tests/loom_*.rs`): the outcome flags cross threads.
use crate::sync_shim::atomic::{AtomicU8, Ordering};

use super::origin::Origin;
use super::{TaskId, TaskOutcome};
use crate::executor::Shared;

/// Registry key of a task that has not been polled yet.
pub(crate) const UNREGISTERED: u32 = u32::MAX;

// `state` bits. The outcome occupies the low two bits and is written once, on the loop thread.
const OUTCOME_MASK: u8 = 0b11;
const PENDING: u8 = 0;
const FINISHED: u8 = 1;
const CANCELLED: u8 = 2;
const PANICKED: u8 = 3;
/// The loop asked the task to stop: its next poll drops the future instead of polling it.
const CANCEL_REQUESTED: u8 = 1 << 2;
/// Done-callbacks are waiting in the loop's registry.
const HAS_CALLBACKS: u8 = 1 << 3;
/// The future may not leave the loop's thread (set at creation, never changed).
const LOCAL: u8 = 1 << 4;
/// The task has a task-local context stored in its loop (set and cleared on the loop thread).
const HAS_CONTEXT: u8 = 1 << 5;

static NEXT_TASK_ID: AtomicU64 = AtomicU64::new(1);

/// What async-task keeps beside every future: read by the executor, the harness and the `Task` handle.
pub(crate) struct TaskMeta {
    pub(crate) id: TaskId,
    /// The spawn site and, for a named task, the name.
    origin: Origin,
    /// The loop the task belongs to: where the schedule function sends it.
    pub(crate) shared: Arc<Shared>,
    /// Slot in the loop's registry; only touched on the loop thread.
    registry_key: AtomicU32,
    state: AtomicU8,
}

impl TaskMeta {
    #[inline]
    pub(crate) fn new(
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
        shared: Arc<Shared>,
        local: bool,
    ) -> Self {
        TaskMeta {
            id: TaskId(NEXT_TASK_ID.fetch_add(1, Ordering::Relaxed)),
            origin: Origin::new(name, location),
            shared,
            registry_key: AtomicU32::new(UNREGISTERED),
            state: AtomicU8::new(if local { LOCAL | PENDING } else { PENDING }),
        }
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
        self.state.load(Ordering::Relaxed) & (OUTCOME_MASK | CANCEL_REQUESTED) != 0
    }

    #[inline]
    pub(crate) fn is_local(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCAL != 0
    }

    #[inline]
    pub(crate) fn registry_key(&self) -> u32 {
        self.registry_key.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn set_registry_key(&self, key: u32) {
        self.registry_key.store(key, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn outcome(&self) -> Option<TaskOutcome> {
        match self.state.load(Ordering::Acquire) & OUTCOME_MASK {
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
        let prev = self.state.fetch_or(bits, Ordering::AcqRel);
        debug_assert_eq!(
            prev & OUTCOME_MASK,
            PENDING,
            "task {:?} given two outcomes",
            self.id
        );
        (prev & HAS_CALLBACKS != 0, prev & HAS_CONTEXT != 0)
    }

    #[inline]
    pub(crate) fn request_cancel(&self) {
        self.state.fetch_or(CANCEL_REQUESTED, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn mark_has_callbacks(&self) {
        self.state.fetch_or(HAS_CALLBACKS, Ordering::Relaxed);
    }

    /// Whether the loop holds a task-local context for this task.
    #[inline]
    pub(crate) fn has_context(&self) -> bool {
        self.state.load(Ordering::Relaxed) & HAS_CONTEXT != 0
    }

    /// Records whether the loop holds a context for this task (loop thread only).
    #[inline]
    pub(crate) fn set_has_context(&self, yes: bool) {
        if yes {
            self.state.fetch_or(HAS_CONTEXT, Ordering::Relaxed);
        } else {
            self.state.fetch_and(!HAS_CONTEXT, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id)
            .field("name", &self.name())
            .field("location", &self.location())
            .field("loop_id", &self.loop_id())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metadata is part of every task's allocation: keep it at 32 bytes on 64-bit targets.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn metadata_is_32_bytes() {
        assert_eq!(std::mem::size_of::<TaskMeta>(), 32);
    }
}
