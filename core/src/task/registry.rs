//! The loop's table of live tasks: for `all_tasks`, `current_task`, done-callbacks and shutdown.
//!
//! # Invariants
//!
//! Each entry holds a [`Waker`] of its task and a pointer to that task's [`TaskMeta`]. The waker is a
//! reference count on the task's allocation, and async-task drops the metadata only when the allocation
//! is freed, so the pointer stays valid for as long as the entry exists. Entries are dense (a removal
//! moves the last entry into the hole and updates that task's `registry_key`), so an entry costs three
//! words and iteration never skips holes.

use std::collections::HashMap;
use std::task::Waker;

use super::meta::{TaskMeta, UNREGISTERED};
use super::{TaskId, TaskInfo, TaskOutcome};

/// A done-callback waiting for its task.
pub(crate) type DoneCallback = Box<dyn FnOnce(TaskOutcome)>;

struct Entry {
    /// Wakes the task at shutdown so it can be cancelled on the loop's thread; also keeps `meta` alive.
    waker: Waker,
    meta: *const TaskMeta,
}

impl Entry {
    #[inline]
    fn meta(&self) -> &TaskMeta {
        // SAFETY: `waker` holds a reference on the task's allocation, which contains the metadata and
        // drops it only when freed (module invariant), so the pointee lives as long as this entry.
        unsafe { &*self.meta }
    }
}

/// Live tasks of one loop. A task enters on its first poll that returns `Pending` and leaves when it
/// finishes, is cancelled or panics.
#[derive(Default)]
pub(crate) struct Registry {
    entries: Vec<Entry>,
    /// Done-callbacks of pending tasks, each with its id, in the order they were added.
    callbacks: HashMap<TaskId, Vec<(u64, DoneCallback)>>,
    /// The id the next done-callback gets (ids are unique per loop).
    next_callback_id: u64,
}

impl Registry {
    /// Registers a task on its first `Pending`; `waker` wakes it at shutdown.
    pub(crate) fn register(&mut self, meta: &TaskMeta, waker: &Waker) {
        if meta.registry_key() != UNREGISTERED {
            return;
        }
        // More than u32::MAX - 1 live tasks would need 4 G * 100 B of memory; the key saturates first.
        let key = u32::try_from(self.entries.len()).unwrap_or(UNREGISTERED - 1);
        if key == UNREGISTERED - 1 {
            return;
        }
        self.entries.push(Entry {
            waker: waker.clone(),
            meta,
        });
        meta.set_registry_key(key);
    }

    /// Removes a finished task and returns its done-callbacks with their ids, in the order added.
    pub(crate) fn remove(
        &mut self,
        meta: &TaskMeta,
        has_callbacks: bool,
    ) -> Vec<(u64, DoneCallback)> {
        let key = meta.registry_key() as usize;
        if self
            .entries
            .get(key)
            .is_some_and(|e| std::ptr::eq(e.meta, meta))
        {
            meta.set_registry_key(UNREGISTERED);
            let removed = self.entries.swap_remove(key);
            if let Some(moved) = self.entries.get(key) {
                moved.meta().set_registry_key(key as u32);
            }
            // The waker is dropped after the entries are consistent again; it may free the task.
            drop(removed);
        }
        if has_callbacks {
            self.callbacks.remove(&meta.id).unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// Stores a done-callback. It does not register the task: a task registered without a waker could not
    /// be woken (so cancelled) at shutdown, as the harness registers only unregistered tasks. A task not
    /// yet polled sits in the run queue, where shutdown finds it anyway.
    pub(crate) fn add_callback(&mut self, meta: &TaskMeta, f: DoneCallback) -> u64 {
        meta.mark_has_callbacks();
        self.add_callback_for(meta.id, f)
    }

    /// Stores a done-callback for the pending task `task`, whose metadata has already been marked
    /// `has_callbacks`; returns its id.
    pub(crate) fn add_callback_for(&mut self, task: TaskId, f: DoneCallback) -> u64 {
        let id = self.new_callback_id();
        self.callbacks.entry(task).or_default().push((id, f));
        id
    }

    /// A fresh callback id (also for callbacks scheduled at once, on a finished task).
    pub(crate) fn new_callback_id(&mut self) -> u64 {
        let id = self.next_callback_id;
        self.next_callback_id += 1;
        id
    }

    /// Takes a done-callback of `task` out before it was scheduled.
    pub(crate) fn remove_callback(&mut self, task: TaskId, id: u64) -> Option<DoneCallback> {
        let list = self.callbacks.get_mut(&task)?;
        let pos = list.iter().position(|(i, _)| *i == id)?;
        Some(list.remove(pos).1)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn infos(&self) -> Vec<TaskInfo> {
        self.entries
            .iter()
            .map(|e| TaskInfo::from_meta(e.meta()))
            .collect()
    }

    /// The wakers of every live task, to cancel them all at shutdown.
    pub(crate) fn wakers(&self) -> Vec<Waker> {
        self.entries.iter().map(|e| e.waker.clone()).collect()
    }

    /// Drops every remaining done-callback (shutdown's last step).
    pub(crate) fn take_all_callbacks(&mut self) -> Vec<DoneCallback> {
        self.callbacks
            .drain()
            .flat_map(|(_, v)| v.into_iter().map(|(_, cb)| cb))
            .collect()
    }
}
