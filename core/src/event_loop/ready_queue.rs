//! The loop's ready queue (asyncio's `_ready` deque): task steps, callbacks and the main future of
//! `block_on`, FIFO, two words per handle.
//!
//! # Invariants
//!
//! The deque sits in an `UnsafeCell` rather than a `RefCell`: every task wake and every handle run
//! touches it, and the borrow flag's check, set and reset were ~4 instructions per access (callgrind,
//! ping-pong). That is sound because `ReadyQueue` is `!Sync` (one thread) and each method holds the
//! `&mut` only inside `with`, whose closures are all in this file and run no code outside std's
//! `VecDeque`: no handle is dropped, run or cloned while the `&mut` exists (handles leave by value and
//! are dropped by the caller), so nothing can reach the queue again meanwhile.
//!
//! A stored handle is two words: a callback's fat box, or a task step whose runnable is `None` for
//! the main-future marker (its `block_on` generation waits, in the same order, in `main_generations`,
//! which only main wakes touch). A three-variant enum with the generation inline was three words.

use std::cell::{RefCell, UnsafeCell};
use std::collections::VecDeque;

use crate::executor::TaskRunnable;

/// One handle in the ready queue, as pushed and popped: a task's next step, a callback, or the main
/// future of `block_on`, which is scheduled like a task.
pub(super) enum Ready {
    Task(TaskRunnable),
    /// A callback. Its id (for `CallbackHandle::cancel`) is implicit: callbacks get consecutive ids as
    /// they are queued and leave the queue in that order, so it is `next_callback_to_run`.
    Callback(Box<dyn FnOnce()>),
    /// The main future of the `block_on` call with this generation was woken. A marker left over from
    /// an earlier call (another generation) is skipped.
    Main(u64),
}

/// A handle as stored: two words (see the module docs).
enum Stored {
    Callback(Box<dyn FnOnce()>),
    /// `Some`: a task step; `None`: a main-future marker.
    Step(Option<TaskRunnable>),
}

/// FIFO of ready handles (see the module invariants).
pub(super) struct ReadyQueue {
    handles: UnsafeCell<VecDeque<Stored>>,
    /// Generations of the main-future markers in `handles`, in queue order.
    main_generations: RefCell<VecDeque<u64>>,
}

impl ReadyQueue {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        ReadyQueue {
            handles: UnsafeCell::new(VecDeque::with_capacity(capacity)),
            main_generations: RefCell::new(VecDeque::new()),
        }
    }

    /// Runs `f` on the deque. Private, and every caller passes a closure that only calls `VecDeque`
    /// methods that drop no handle, so the `&mut` is the only reference while it lives.
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(&mut VecDeque<Stored>) -> R) -> R {
        // SAFETY: `ReadyQueue` is `!Sync` (the `UnsafeCell`), so only this thread is here, and `f`
        // runs no code that could call back into this queue (module invariants): no other reference
        // to the deque exists while this one does.
        f(unsafe { &mut *self.handles.get() })
    }

    #[inline(always)]
    pub(super) fn push(&self, handle: Ready) {
        let stored = match handle {
            Ready::Task(r) => Stored::Step(Some(r)),
            Ready::Callback(f) => Stored::Callback(f),
            Ready::Main(generation) => {
                self.main_generations.borrow_mut().push_back(generation);
                Stored::Step(None)
            }
        };
        self.with(|q| q.push_back(stored));
    }

    #[inline(always)]
    pub(super) fn pop(&self) -> Option<Ready> {
        Some(match self.with(|q| q.pop_front())? {
            Stored::Step(Some(r)) => Ready::Task(r),
            Stored::Callback(f) => Ready::Callback(f),
            Stored::Step(None) => Ready::Main(self.pop_main_generation()),
        })
    }

    #[cold]
    fn pop_main_generation(&self) -> u64 {
        // Pushed with its marker, so present; 0 is no generation (`block_on` starts at 1).
        self.main_generations
            .borrow_mut()
            .pop_front()
            .unwrap_or_default()
    }

    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.with(|q| q.len())
    }

    #[inline(always)]
    pub(super) fn is_empty(&self) -> bool {
        self.with(|q| q.is_empty())
    }

    pub(super) fn capacity(&self) -> usize {
        self.with(|q| q.capacity())
    }

    /// Gives capacity back (moves handles, drops none).
    pub(super) fn shrink_to(&self, capacity: usize) {
        self.with(|q| q.shrink_to(capacity));
    }

    #[cfg(test)]
    pub(super) fn reserve(&self, additional: usize) {
        self.with(|q| q.reserve(additional));
    }

    /// Empties the queue and returns what it held, for the caller to drop (dropping a task step drops
    /// its future: user code, which may queue again).
    pub(super) fn take_all(&self) -> Vec<Ready> {
        let mut out = Vec::new();
        while let Some(r) = self.pop() {
            out.push(r);
        }
        out
    }
}

impl Drop for ReadyQueue {
    fn drop(&mut self) {
        // Handles are dropped outside `with`; one whose drop queues another is followed by that one.
        loop {
            let taken = self.take_all();
            if taken.is_empty() {
                break;
            }
            drop(taken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handle is two words (a callback's fat box): that is what the queue moves per wake.
    #[test]
    fn stored_handle_is_two_words() {
        assert_eq!(
            std::mem::size_of::<Stored>(),
            2 * std::mem::size_of::<usize>()
        );
    }

    /// Main markers keep their generations, in queue order, among callbacks.
    #[test]
    fn main_markers_keep_their_generations_in_order() {
        let q = ReadyQueue::with_capacity(4);
        q.push(Ready::Main(3));
        q.push(Ready::Callback(Box::new(|| {})));
        q.push(Ready::Main(4));
        assert_eq!(q.len(), 3);
        assert!(matches!(q.pop(), Some(Ready::Main(3))));
        assert!(matches!(q.pop(), Some(Ready::Callback(_))));
        assert!(matches!(q.pop(), Some(Ready::Main(4))));
        assert!(q.pop().is_none());
        assert!(q.is_empty());
    }
}
