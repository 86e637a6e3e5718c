//! A task's spawn site and optional name in one word of its metadata.
//!
//! # Invariants
//!
//! `ptr` is either a `&'static Location<'static>` (low bit clear) or, for a named task, a pointer from
//! `Box::into_raw(Box<Named>)` with the low bit set. Both pointees are 8-byte aligned on 64-bit targets
//! (4-byte on 32-bit: `Location` holds a `&str`, `Named` an `Arc<str>`), so the low bit is free. The
//! box is owned by the `Origin` and freed exactly once, in `Drop`.
//!
//! Every task carries this, so it is one pointer instead of a location plus a name pointer: with
//! async-task's header that keeps a task's allocation one 16-byte malloc size class lower.

use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;

/// Tag bit of a named task's pointer.
const NAMED: usize = 1;

/// A named task's name and spawn site, boxed so unnamed tasks do not pay for the name.
struct Named {
    name: Arc<str>,
    location: &'static Location<'static>,
}

/// Spawn site and name of a task (see the module invariants).
pub(crate) struct Origin {
    ptr: NonNull<()>,
    /// Owns a `Box<Named>` or borrows a static `Location`, for auto traits and drop check.
    _owns: PhantomData<(Box<Named>, &'static Location<'static>)>,
}

// SAFETY: an `Origin` is a `&'static Location` (Send + Sync) or an owned `Box<Named>`, whose fields
// (`Arc<str>`, `&'static Location`) are Send + Sync; nothing in it is shared mutably.
unsafe impl Send for Origin {}
// SAFETY: as for `Send`: only shared reads happen through `&Origin`.
unsafe impl Sync for Origin {}

impl Origin {
    #[inline]
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        let ptr = match name {
            None => NonNull::from(location).cast::<()>(),
            Some(name) => {
                let named = NonNull::from(Box::leak(Box::new(Named { name, location })));
                named.cast::<()>().map_addr(|a| a | NAMED)
            }
        };
        debug_assert!(
            name_bit_free(location),
            "Location must leave the tag bit free"
        );
        Origin {
            ptr,
            _owns: PhantomData,
        }
    }

    #[inline]
    fn named(&self) -> Option<&Named> {
        if self.ptr.addr().get() & NAMED == 0 {
            return None;
        }
        // SAFETY: a set tag bit means the untagged pointer came from `Box::leak` in `new` and is freed
        // only in `Drop` (module invariants), so it is valid for as long as `self` is borrowed.
        Some(unsafe { &*self.untagged() })
    }

    /// The pointer with the tag bit cleared: the box of a named task (meaningful only when tagged).
    #[inline]
    fn untagged(&self) -> *mut Named {
        self.ptr.as_ptr().map_addr(|a| a & !NAMED).cast::<Named>()
    }

    /// The task's name, if it was given one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.named().map(|n| &n.name)
    }

    /// Where the task was spawned.
    #[inline]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match self.named() {
            Some(n) => n.location,
            // SAFETY: a clear tag bit means `ptr` is the `&'static Location` given to `new`.
            None => unsafe { self.ptr.cast::<Location<'static>>().as_ref() },
        }
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if self.ptr.addr().get() & NAMED != 0 {
            // SAFETY: the untagged pointer came from `Box::leak` in `new` and is freed only here, once.
            drop(unsafe { Box::from_raw(self.untagged()) });
        }
    }
}

/// Whether a `Location`'s address leaves the tag bit clear (true for every aligned reference).
#[inline]
fn name_bit_free(location: &'static Location<'static>) -> bool {
    (location as *const Location<'static>).addr() & NAMED == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_origin_keeps_its_location() {
        let here = Location::caller();
        let o = Origin::new(None, here);
        assert!(o.name().is_none());
        assert!(std::ptr::eq(o.location(), here));
    }

    #[test]
    fn named_origin_keeps_name_and_location() {
        let here = Location::caller();
        let o = Origin::new(Some(Arc::from("worker")), here);
        assert_eq!(o.name().map(|n| &**n), Some("worker"));
        assert!(std::ptr::eq(o.location(), here));
    }

    #[test]
    fn origin_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Origin>(), std::mem::size_of::<usize>());
    }
}
