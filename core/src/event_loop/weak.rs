//! `WeakLoop`: a reference to a loop that does not keep it alive.

use std::fmt;
use std::rc::Weak;

use super::{Loop, LoopOwner};

/// A reference to a [`Loop`] that does not keep it alive: [`upgrade`](WeakLoop::upgrade) gives the
/// loop back while some `Loop` value still owns it, and `None` once the last one has been dropped (the
/// loop has shut down then). Loop-local (`!Send`), as `Loop` is.
///
/// Objects that asyncio code would give a `self._loop` (a server, a connection, a cache) keep one of
/// these: a `Loop` kept there would keep the loop, and everything it owns, alive as long as the
/// object.
///
/// **asyncio:** no counterpart (an asyncio object simply holds the loop; Python's garbage collector
/// breaks the cycles). What `Server.get_loop()` returns is built on it.
///
/// # Examples
///
/// ```
/// let lp = tulip_core::Loop::new().unwrap();
/// let weak = lp.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(lp);
/// assert!(weak.upgrade().is_none());
/// ```
#[derive(Clone)]
pub struct WeakLoop {
    owner: Weak<LoopOwner>,
}

impl WeakLoop {
    /// A `WeakLoop` that never upgrades.
    ///
    /// **asyncio:** no counterpart.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::WeakLoop::new().upgrade().is_none());
    /// ```
    pub fn new() -> WeakLoop {
        WeakLoop { owner: Weak::new() }
    }

    /// The loop, while it lives.
    ///
    /// **asyncio:** reading `self._loop`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let weak = tulip_core::get_running_loop().downgrade();
    ///     assert!(weak.upgrade().unwrap().is_running());
    /// });
    /// ```
    pub fn upgrade(&self) -> Option<Loop> {
        self.owner.upgrade().map(|owner| Loop { owner })
    }
}

impl Default for WeakLoop {
    fn default() -> Self {
        WeakLoop::new()
    }
}

impl fmt::Debug for WeakLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakLoop")
            .field("alive", &(self.owner.strong_count() > 0))
            .finish()
    }
}

impl Loop {
    /// A [`WeakLoop`] for this loop: a reference that does not keep it alive.
    ///
    /// **asyncio:** no counterpart; see [`WeakLoop`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let weak = lp.downgrade();
    /// assert!(weak.upgrade().unwrap().block_on(async { true }));
    /// ```
    pub fn downgrade(&self) -> WeakLoop {
        WeakLoop {
            owner: std::rc::Rc::downgrade(&self.owner),
        }
    }
}
