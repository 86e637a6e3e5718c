//! The loop's table of live tasks: for `all_tasks`, `current_task`, done-callbacks and shutdown.
//!
//! # Invariants
//!
//! Each entry holds a [`Waker`] of its task, and through it the task's [`TaskMeta`]. The waker is a
//! reference count on the task's allocation, and async-task drops the metadata only when the allocation
//! is freed, so the metadata stays valid for as long as the entry exists.
//!
//! An entry is the waker alone (two words, the price of every parked task; the task keeps no slot
//! number): the metadata sits at a fixed distance from the waker's data pointer (async-task's waker
//! points at the task's header, which holds the metadata). That distance is not a documented promise,
//! so it is learned from the first task registered and checked against each task as it registers, where
//! both pointers are at hand: a task whose metadata is elsewhere gets a three-word entry in `odd`
//! instead. A pointer derived from a waker is therefore only ever one that was seen to be equal to the
//! real metadata's address.
//!
//! A task that ends only leaves the count of live tasks; its entry goes at the next sweep, which a
//! registration runs once the entries outnumber twice the live tasks (plus [`SWEEP_SLACK`]): removal
//! needs no slot number in the task, sweeps cost O(1) per registration amortised, and an ended task's
//! allocation (its future already dropped) waits at most that long to be freed.

use std::collections::HashMap;
use std::task::Waker;

use super::meta::TaskMeta;
use super::{TaskId, TaskInfo, TaskOutcome};

/// A done-callback waiting for its task.
pub(crate) type DoneCallback = Box<dyn FnOnce(TaskOutcome)>;

/// Entries of ended tasks tolerated beyond the live count before a registration sweeps them.
const SWEEP_SLACK: usize = 64;

/// An entry of a task whose metadata is not at the learned distance from its waker's data pointer.
struct OddEntry {
    /// Wakes the task at shutdown; also keeps `meta` alive.
    waker: Waker,
    meta: *const TaskMeta,
}

impl OddEntry {
    #[inline]
    fn meta(&self) -> &TaskMeta {
        // SAFETY: `waker` keeps the allocation holding the metadata alive (module invariants).
        unsafe { &*self.meta }
    }
}

/// Tasks of one loop. A task enters on its first poll that returns `Pending` and leaves the live count
/// when it finishes, is cancelled or panics.
#[derive(Default)]
pub(crate) struct Registry {
    /// One waker per registered task (the metadata at `meta_offset` from its data pointer).
    wakers: Vec<Waker>,
    /// Bytes from a waker's data pointer to its task's metadata, learned at the first registration.
    meta_offset: Option<isize>,
    /// Tasks whose metadata was not at `meta_offset` (none with async-task 4.7).
    odd: Vec<OddEntry>,
    /// Registered tasks that have not ended.
    live: usize,
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

/// Whether a registered task has not ended.
#[inline]
fn is_live(meta: &TaskMeta) -> bool {
    meta.outcome().is_none()
}

impl Registry {
    /// The metadata of the task `waker` (an entry of `wakers`) belongs to.
    #[inline]
    fn meta_of(offset: Option<isize>, waker: &Waker) -> &TaskMeta {
        // SAFETY: `waker` is in `wakers`, so at its registration its data pointer plus `offset` was
        // checked to be its task's metadata address (and `meta_offset` never changes once set); the
        // pointer is derived from the waker's, which points into the same allocation, and the waker
        // keeps that allocation, with the metadata, alive (module invariants).
        unsafe {
            &*waker
                .data()
                .wrapping_byte_offset(offset.unwrap_or(0))
                .cast::<TaskMeta>()
        }
    }

    /// Registers a task on its first `Pending`; `waker` wakes it at shutdown.
    pub(crate) fn register(&mut self, meta: &TaskMeta, waker: &Waker) {
        if meta.is_registered() {
            return;
        }
        if self.wakers.len() + self.odd.len() >= 2 * self.live + SWEEP_SLACK {
            self.sweep();
        }
        // The distance is checked on the clone that is kept: a clone need not share its original's
        // data pointer.
        let waker = waker.clone();
        let offset = *self
            .meta_offset
            .get_or_insert_with(|| distance(&waker, meta));
        if distance(&waker, meta) == offset {
            self.wakers.push(waker);
        } else {
            self.odd.push(OddEntry { waker, meta });
        }
        meta.mark_registered();
        self.live += 1;
    }

    /// Drops the entries of ended tasks.
    #[cold]
    fn sweep(&mut self) {
        let offset = self.meta_offset;
        let mut ended = Vec::new();
        for w in std::mem::take(&mut self.wakers) {
            if is_live(Self::meta_of(offset, &w)) {
                self.wakers.push(w);
            } else {
                ended.push(w);
            }
        }
        self.odd.retain(|e| is_live(e.meta()));
        // Dropping a waker may free its task; that runs no code of the task's (its future is gone).
        drop(ended);
    }

    /// A task ended: it leaves the live count (its entry goes at a later sweep). Returns its
    /// done-callbacks with their ids, in the order added.
    pub(crate) fn remove(
        &mut self,
        meta: &TaskMeta,
        has_callbacks: bool,
    ) -> Vec<(u64, DoneCallback)> {
        if meta.is_registered() {
            self.live = self.live.saturating_sub(1);
        }
        if has_callbacks {
            self.callbacks.remove(&meta.id()).unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// Stores a done-callback. It does not register the task: a task registered without a waker could not
    /// be woken (so cancelled) at shutdown, as the harness registers only unregistered tasks. A task not
    /// yet polled sits in the run queue, where shutdown finds it anyway.
    pub(crate) fn add_callback(&mut self, meta: &TaskMeta, f: DoneCallback) -> u64 {
        meta.mark_has_callbacks();
        self.add_callback_for(meta.id(), f)
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

    /// Registered tasks that have not ended.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// The metadata of every registered task that has not ended.
    fn live_metas(&self) -> impl Iterator<Item = (&TaskMeta, &Waker)> {
        let offset = self.meta_offset;
        self.wakers
            .iter()
            .map(move |w| (Self::meta_of(offset, w), w))
            .chain(self.odd.iter().map(|e| (e.meta(), &e.waker)))
            .filter(|(meta, _)| is_live(meta))
    }

    pub(crate) fn infos(&self) -> Vec<TaskInfo> {
        self.live_metas()
            .map(|(meta, _)| TaskInfo::from_meta(meta))
            .collect()
    }

    /// The wakers of every live task, to cancel them all at shutdown.
    pub(crate) fn wakers(&self) -> Vec<Waker> {
        self.live_metas().map(|(_, w)| w.clone()).collect()
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

    /// What the harness does when a task ends.
    fn end(r: &mut Registry, meta: &TaskMeta) {
        meta.set_outcome(TaskOutcome::Finished);
        r.remove(meta, false);
    }

    /// Tasks whose metadata sits at the learned distance from the waker take two-word entries, and are
    /// found through them; an ended task leaves the live count and the listings at once.
    #[test]
    fn registry_finds_metadata_through_the_waker() {
        let m = metas(3);
        let mut r = Registry::default();
        for meta in &m {
            r.register(meta, &waker_at(meta, 64));
        }
        assert_eq!(r.len(), 3);
        assert!(r.odd.is_empty());
        assert_eq!(ids(&r), vec![m[0].id(), m[1].id(), m[2].id()]);
        end(&mut r, &m[1]);
        assert_eq!(r.len(), 2);
        assert_eq!(ids(&r), vec![m[0].id(), m[2].id()]);
        assert_eq!(r.wakers().len(), 2);
        // A second registration of a task is a no-op.
        r.register(&m[0], &waker_at(&m[0], 64));
        assert_eq!(r.len(), 2);
    }

    /// A task whose metadata is not at the learned distance is still registered, listed and ended,
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
        assert_eq!(ids(&r), vec![m[0].id(), m[1].id(), m[2].id()]);
        assert_eq!(r.wakers().len(), 3);
        end(&mut r, &m[1]);
        assert_eq!(ids(&r), vec![m[0].id(), m[2].id()]);
        end(&mut r, &m[2]);
        end(&mut r, &m[0]);
        assert_eq!(r.len(), 0);
        assert!(r.infos().is_empty());
    }

    /// Entries of ended tasks are swept once they outnumber twice the live tasks plus the slack, so
    /// churn does not grow the table.
    #[test]
    fn registry_sweeps_ended_tasks() {
        let m = metas(4 * SWEEP_SLACK);
        let mut r = Registry::default();
        for meta in &m {
            r.register(meta, &waker_at(meta, 64));
            end(&mut r, meta);
        }
        assert_eq!(r.len(), 0);
        assert!(r.wakers.len() <= SWEEP_SLACK);
        assert!(r.infos().is_empty());
    }
}
