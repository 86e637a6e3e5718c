//! Per-task metadata stored inside the task's allocation: identity, spawn site and outcome flags.

use std::panic::Location;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

// Loom's atomics in a model build (`tests/loom_*.rs`): the outcome flags cross threads.
use crate::sync_shim::atomic::{AtomicU8, AtomicUsize, Ordering};

use super::{TaskId, TaskOutcome};

/// Registry key of a task that has not been polled yet.
pub(crate) const UNREGISTERED: usize = usize::MAX;

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

static NEXT_TASK_ID: AtomicU64 = AtomicU64::new(1);

/// What async-task keeps beside every future: read by the executor, the harness and the `Task` handle.
#[derive(Debug)]
pub(crate) struct TaskMeta {
    pub(crate) id: TaskId,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) location: &'static Location<'static>,
    /// Which loop the task belongs to (`Shared::id`).
    pub(crate) loop_id: u64,
    /// Whether the future may not leave the loop's thread.
    local: bool,
    state: AtomicU8,
    /// Slot in the loop's registry; only touched on the loop thread.
    registry_key: AtomicUsize,
}

impl TaskMeta {
    pub(crate) fn new(
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
        loop_id: u64,
        local: bool,
    ) -> Self {
        TaskMeta {
            id: TaskId(NEXT_TASK_ID.fetch_add(1, Ordering::Relaxed)),
            name,
            location,
            loop_id,
            local,
            state: AtomicU8::new(PENDING),
            registry_key: AtomicUsize::new(UNREGISTERED),
        }
    }

    #[inline]
    pub(crate) fn is_local(&self) -> bool {
        self.local
    }

    #[inline]
    pub(crate) fn registry_key(&self) -> usize {
        self.registry_key.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn set_registry_key(&self, key: usize) {
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

    /// Records the outcome; returns the state bits before, so the caller sees `HAS_CALLBACKS`.
    pub(crate) fn set_outcome(&self, outcome: TaskOutcome) -> bool {
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
        prev & HAS_CALLBACKS != 0
    }

    #[inline]
    pub(crate) fn request_cancel(&self) {
        self.state.fetch_or(CANCEL_REQUESTED, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.state.load(Ordering::Relaxed) & CANCEL_REQUESTED != 0
    }

    #[inline]
    pub(crate) fn mark_has_callbacks(&self) {
        self.state.fetch_or(HAS_CALLBACKS, Ordering::Relaxed);
    }
}
