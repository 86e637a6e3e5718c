//! The loop's table of live tasks: for `all_tasks`, `current_task`, done-callbacks and shutdown.
//!
//! # Invariants
//!
//! Each entry holds a [`Waker`] of its task, and through it the task's [`TaskMeta`]. The waker is a
//! reference count on the task's allocation, and async-task drops the metadata only when the allocation
//! is freed, so the metadata stays valid for as long as the entry exists. Entries are dense (a removal
//! moves the last entry into the hole and updates that task's `registry_key`), so iteration never
//! skips holes.
//!
//! An entry is the waker alone (two words, the price of every parked task): the metadata sits at a fixed
//! distance from the waker's data pointer (async-task's waker points at the task's header, which holds
//! the metadata). That distance is not a documented promise, so it is learned from the first task
//! registered and checked against each task as it registers, where both pointers are at hand: a task
//! whose metadata is elsewhere gets a three-word entry in `odd` instead. A pointer derived from a
//! waker is therefore only ever one that was seen to be equal to the real metadata's address.

use std::collections::HashMap;
use std::task::Waker;

use super::meta::{TaskMeta, UNREGISTERED};
use super::{TaskId, TaskInfo, TaskOutcome};

/// A done-callback waiting for its task.
pub(crate) type DoneCallback = Box<dyn FnOnce(TaskOutcome)>;

/// Registry keys with this bit index `odd`; the others index `wakers`.
const ODD: u32 = 1 << 31;

/// An entry of a task whose metadata is not at the learned distance from its waker's data pointer.
struct OddEntry {
    /// Wakes the task at shutdown; also keeps `meta` alive.
    waker: Waker,
    meta: *const TaskMeta,
}

/// Live tasks of one loop. A task enters on its first poll that returns `Pending` and leaves when it
/// finishes, is cancelled or panics.
#[derive(Default)]
pub(crate) struct Registry {
    /// One waker per registered task (the metadata at `meta_offset` from its data pointer).
    wakers: Vec<Waker>,
    /// Bytes from a waker's data pointer to its task's metadata, learned at the first registration.
    meta_offset: Option<isize>,
    /// Tasks whose metadata was not at `meta_offset` (none with async-task 4.7).
    odd: Vec<OddEntry>,
    /// Done-callbacks of pending tasks, each with its id, in the order they were added.
    callbacks: HashMap<TaskId, Vec<(u64, DoneCallback)>>,
    /// The id the next done-callback gets (ids are unique per loop).
    next_callback_id: u64,
}

/// Distance in bytes from `waker`'s data pointer to `meta`.
#[inline]
fn distance(waker: &Waker, meta: &TaskMeta) -> isize {
    (meta as *const TaskMeta)
        .addr()
        .wrapping_sub(waker.data().addr()) as isize
}

impl Registry {
    /// The metadata of the task `waker` (an entry of `wakers`) belongs to.
    #[inline]
    fn meta_of(&self, waker: &Waker) -> &TaskMeta {
        let offset = self.meta_offset.unwrap_or(0);
        // SAFETY: `waker` is in `wakers`, so at its registration its data pointer plus `offset` was
        // checked to be its task's metadata address (and `meta_offset` never changes once set); the
        // pointer is derived from the waker's, which points into the same allocation, and the waker
        // keeps that allocation, with the metadata, alive (module invariants).
        unsafe { &*waker.data().wrapping_byte_offset(offset).cast::<TaskMeta>() }
    }

    /// Registers a task on its first `Pending`; `waker` wakes it at shutdown.
    pub(crate) fn register(&mut self, meta: &TaskMeta, waker: &Waker) {
        if meta.registry_key() != UNREGISTERED {
            return;
        }
        let offset = *self
            .meta_offset
            .get_or_insert_with(|| distance(waker, meta));
        // More than 2^31 - 1 live tasks would need 2 G * 100 B of memory; the keys run out first.
        let key = if distance(waker, meta) == offset {
            u32::try_from(self.wakers.len()).ok().filter(|&k| k < ODD)
        } else {
            u32::try_from(self.odd.len())
                .ok()
                .filter(|&k| k < ODD - 1)
                .map(|k| k | ODD)
        };
        let Some(key) = key else {
            return;
        };
        if key & ODD == 0 {
            self.wakers.push(waker.clone());
        } else {
            self.odd.push(OddEntry {
                waker: waker.clone(),
                meta,
            });
        }
        meta.set_registry_key(key);
    }

    /// Removes a finished task and returns its done-callbacks.
    pub(crate) fn remove(&mut self, meta: &TaskMeta, has_callbacks: bool) -> Vec<DoneCallback> {
        let key = meta.registry_key();
        if key != UNREGISTERED {
            self.unregister(meta, key);
        }
        if has_callbacks {
            self.callbacks
                .remove(&meta.id)
                .map(|v| v.into_iter().map(|(_, cb)| cb).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    fn unregister(&mut self, meta: &TaskMeta, key: u32) {
        let index = (key & !ODD) as usize;
        if key & ODD == 0 {
            if !self
                .wakers
                .get(index)
                .is_some_and(|w| std::ptr::eq(self.meta_of(w), meta))
            {
                return;
            }
            meta.set_registry_key(UNREGISTERED);
            let removed = self.wakers.swap_remove(index);
            if let Some(moved) = self.wakers.get(index) {
                self.meta_of(moved).set_registry_key(key);
            }
            // The waker is dropped after the entries are consistent again; it may free the task.
            drop(removed);
        } else {
            if !self
                .odd
                .get(index)
                .is_some_and(|e| std::ptr::eq(e.meta, meta))
            {
                return;
            }
            meta.set_registry_key(UNREGISTERED);
            let removed = self.odd.swap_remove(index);
            if let Some(moved) = self.odd.get(index) {
                // SAFETY: `moved.waker` keeps the allocation holding `moved.meta` alive.
                unsafe { &*moved.meta }.set_registry_key(key);
            }
            drop(removed);
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
        self.wakers.len() + self.odd.len()
    }

    pub(crate) fn infos(&self) -> Vec<TaskInfo> {
        let odd = self.odd.iter().map(|e| {
            // SAFETY: the entry's waker keeps the allocation holding `e.meta` alive.
            TaskInfo::from_meta(unsafe { &*e.meta })
        });
        self.wakers
            .iter()
            .map(|w| TaskInfo::from_meta(self.meta_of(w)))
            .chain(odd)
            .collect()
    }

    /// The wakers of every live task, to cancel them all at shutdown.
    pub(crate) fn wakers(&self) -> Vec<Waker> {
        self.wakers
            .iter()
            .chain(self.odd.iter().map(|e| &e.waker))
            .cloned()
            .collect()
    }

    /// Drops every remaining done-callback (shutdown's last step).
    pub(crate) fn take_all_callbacks(&mut self) -> Vec<DoneCallback> {
        self.callbacks
            .drain()
            .flat_map(|(_, v)| v.into_iter().map(|(_, cb)| cb))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;
    use std::task::{RawWaker, RawWakerVTable, Waker};

    use super::*;
    use crate::executor::Shared;
    use crate::reactor::Reactor;
    use crate::selector::Backend;

    /// A waker that never touches its data pointer, so the pointer can be anything.
    fn inert_waker(data: *const ()) -> Waker {
        const VTABLE: RawWakerVTable =
            RawWakerVTable::new(|data| RawWaker::new(data, &VTABLE), |_| {}, |_| {}, |_| {});
        // SAFETY: every function of `VTABLE` ignores the data pointer, so any pointer upholds the
        // `RawWaker` contract.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }

    fn metas(n: usize) -> Vec<TaskMeta> {
        let shared = Shared::new(Reactor::new(Backend::new_default().expect("a selector")));
        (0..n)
            .map(|_| TaskMeta::new(None, Location::caller(), shared.clone(), true))
            .collect()
    }

    /// A waker whose data pointer lies `offset` bytes before `meta`, as async-task's does.
    fn waker_at(meta: &TaskMeta, offset: usize) -> Waker {
        inert_waker(
            (meta as *const TaskMeta)
                .cast::<()>()
                .wrapping_byte_sub(offset),
        )
    }

    fn ids(r: &Registry) -> Vec<TaskId> {
        let mut ids: Vec<_> = r.infos().iter().map(TaskInfo::id).collect();
        ids.sort();
        ids
    }

    /// Tasks whose metadata sits at the learned distance from the waker take two-word entries; removing
    /// one from the middle moves the last into its place and keeps every task findable.
    #[test]
    fn registry_finds_metadata_through_the_waker_and_survives_removals() {
        let m = metas(3);
        let mut r = Registry::default();
        for meta in &m {
            r.register(meta, &waker_at(meta, 64));
        }
        assert_eq!(r.len(), 3);
        assert!(r.odd.is_empty());
        assert_eq!(ids(&r), vec![m[0].id, m[1].id, m[2].id]);
        r.remove(&m[0], false);
        assert_eq!(m[0].registry_key(), UNREGISTERED);
        assert_eq!(m[2].registry_key(), 0);
        assert_eq!(ids(&r), vec![m[1].id, m[2].id]);
        r.remove(&m[2], false);
        r.remove(&m[1], false);
        assert_eq!(r.len(), 0);
    }

    /// A task whose metadata is not at the learned distance is still registered, listed and removed,
    /// through a full entry.
    #[test]
    fn registry_keeps_a_task_at_another_distance_in_a_full_entry() {
        let m = metas(3);
        let mut r = Registry::default();
        r.register(&m[0], &waker_at(&m[0], 64));
        r.register(&m[1], &waker_at(&m[1], 8));
        r.register(&m[2], &waker_at(&m[2], 16));
        assert_eq!(r.wakers.len(), 1);
        assert_eq!(r.odd.len(), 2);
        assert_eq!(ids(&r), vec![m[0].id, m[1].id, m[2].id]);
        assert_eq!(r.wakers().len(), 3);
        r.remove(&m[1], false);
        assert_eq!(m[2].registry_key(), ODD);
        assert_eq!(ids(&r), vec![m[0].id, m[2].id]);
        r.remove(&m[2], false);
        r.remove(&m[0], false);
        assert_eq!(r.len(), 0);
        // Registering again after removal works, and a second register is a no-op.
        r.register(&m[1], &waker_at(&m[1], 64));
        r.register(&m[1], &waker_at(&m[1], 64));
        assert_eq!(r.len(), 1);
    }
}
