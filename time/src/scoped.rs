//! Plumbing for `tulip-core`: a thread's scoped "current value", set for a scope and restored by a guard.
//!
//! Not part of tulip's API. It lives here, in the lowest crate, so that the loop's "current timers"
//! (this crate) and "current loop" (`tulip-core`) share one implementation.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::thread::LocalKey;

/// A thread-local slot for the current value of something (a loop, its timers) while a scope runs.
/// Declare it in a `thread_local!` with `const { Scoped::new() }`; set it with [`enter`], read it with
/// [`with`].
pub struct Scoped<T> {
    current: RefCell<Option<Rc<T>>>,
}

impl<T> Scoped<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        Scoped {
            current: RefCell::new(None),
        }
    }
}

impl<T> Default for Scoped<T> {
    fn default() -> Self {
        Scoped::new()
    }
}

impl<T> fmt::Debug for Scoped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}

/// Restores the slot's previous value when dropped; see [`enter`].
#[must_use = "the value stops being current when the guard is dropped"]
pub struct ScopedGuard<T: 'static> {
    slot: &'static LocalKey<Scoped<T>>,
    prev: Option<Rc<T>>,
}

impl<T> fmt::Debug for ScopedGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedGuard")
            .field("has_previous", &self.prev.is_some())
            .finish()
    }
}

/// Makes `value` current in `slot` on this thread until the guard drops; nested calls stack. During
/// thread teardown the slot may be gone: the value is then simply not current.
pub fn enter<T>(slot: &'static LocalKey<Scoped<T>>, value: Rc<T>) -> ScopedGuard<T> {
    let prev = slot
        .try_with(|s| s.current.borrow_mut().replace(value))
        .ok()
        .flatten();
    ScopedGuard { slot, prev }
}

impl<T> Drop for ScopedGuard<T> {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // Take the leaving value out under the borrow and drop it after: its `Drop` may read the slot.
        let leaving = self
            .slot
            .try_with(|s| std::mem::replace(&mut *s.current.borrow_mut(), prev));
        drop(leaving);
    }
}

/// Runs `f` with the current value of `slot` on this thread; `None` when nothing is current (or the
/// slot is gone during thread teardown).
#[inline]
pub fn with<T, R>(slot: &'static LocalKey<Scoped<T>>, f: impl FnOnce(&Rc<T>) -> R) -> Option<R> {
    slot.try_with(|s| s.current.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static SLOT: Scoped<u32> = const { Scoped::new() };
    }

    #[test]
    fn enter_sets_and_the_guard_restores_the_previous_value() {
        assert_eq!(with(&SLOT, |v| **v), None);
        let outer = enter(&SLOT, Rc::new(1));
        assert_eq!(with(&SLOT, |v| **v), Some(1));
        {
            let _inner = enter(&SLOT, Rc::new(2));
            assert_eq!(with(&SLOT, |v| **v), Some(2));
        }
        assert_eq!(with(&SLOT, |v| **v), Some(1));
        drop(outer);
        assert_eq!(with(&SLOT, |v| **v), None);
    }

    struct ReadsSlotOnDrop(Rc<Cell<Option<bool>>>);

    thread_local! {
        static DROPPY: Scoped<ReadsSlotOnDrop> = const { Scoped::new() };
    }

    impl Drop for ReadsSlotOnDrop {
        fn drop(&mut self) {
            // Must not find the slot borrowed.
            self.0.set(Some(with(&DROPPY, |_| ()).is_some()));
        }
    }

    #[test]
    fn the_leaving_value_is_dropped_after_the_slot_is_released() {
        let seen = Rc::new(Cell::new(None));
        let guard = enter(&DROPPY, Rc::new(ReadsSlotOnDrop(seen.clone())));
        drop(guard);
        assert_eq!(seen.get(), Some(false));
    }
}
