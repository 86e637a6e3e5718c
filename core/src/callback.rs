//! What `call_soon`, `call_later` and `call_at` return: handles that cancel a scheduled callback.

use std::cell::Cell;
use std::fmt;
use std::rc::Weak;
use std::time::Instant;

use tulip_time::TimerId;

use crate::event_loop::LoopInner;

/// Cancels a callback scheduled with `call_soon`.
///
/// Dropping the handle does **not** cancel the callback (asyncio semantics).
///
/// **asyncio:** `asyncio.Handle`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// let lp = tulip_core::Loop::new().unwrap();
/// let ran = Rc::new(Cell::new(false));
/// let r = ran.clone();
/// let h = lp.call_soon(move || r.set(true));
/// h.cancel();
/// lp.block_on(tulip_core::yield_now());
/// assert!(!ran.get() && h.cancelled());
/// ```
#[doc(alias = "Handle")]
pub struct CallbackHandle {
    id: u64,
    inner: Weak<LoopInner>,
    cancelled: Cell<bool>,
}

impl CallbackHandle {
    pub(crate) fn new(id: u64, inner: Weak<LoopInner>) -> Self {
        CallbackHandle {
            id,
            inner,
            cancelled: Cell::new(false),
        }
    }

    /// The handle of a callback a closed loop refused: cancelled from the start.
    pub(crate) fn refused() -> Self {
        CallbackHandle {
            id: u64::MAX,
            inner: Weak::new(),
            cancelled: Cell::new(true),
        }
    }

    /// Cancels the callback if it has not run yet; otherwise does nothing.
    ///
    /// **asyncio:** `Handle.cancel()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let ran = Rc::new(Cell::new(false));
    /// let r = ran.clone();
    /// let h = lp.call_soon(move || r.set(true));
    /// h.cancel();
    /// lp.block_on(tulip_core::yield_now());
    /// assert!(!ran.get());
    /// ```
    pub fn cancel(&self) {
        if self.cancelled.replace(true) {
            return;
        }
        if let Some(inner) = self.inner.upgrade() {
            inner.cancel_callback(self.id);
        }
    }

    /// Whether [`CallbackHandle::cancel`] was called.
    ///
    /// **asyncio:** `Handle.cancelled()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let h = lp.call_soon(|| {});
    /// assert!(!h.cancelled());
    /// h.cancel();
    /// assert!(h.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        self.cancelled.get()
    }
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("id", &self.id)
            .field("cancelled", &self.cancelled.get())
            .finish()
    }
}

/// Cancels a callback scheduled with `call_later` or `call_at`.
///
/// Dropping the handle does **not** cancel the callback (asyncio semantics). Cancelling removes the
/// timer from the wheel in O(1) and drops the closure at once.
///
/// **asyncio:** `asyncio.TimerHandle`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let lp = tulip_core::Loop::new().unwrap();
/// let h = lp.call_later(Duration::from_secs(3600), || unreachable!());
/// h.cancel();
/// assert!(h.cancelled());
/// ```
pub struct TimerHandle {
    id: TimerId,
    /// Finds the callback in the loop once the timer fired and it waits in the ready queue.
    tag: u32,
    when: Instant,
    inner: Weak<LoopInner>,
    cancelled: Cell<bool>,
}

impl TimerHandle {
    pub(crate) fn new(id: TimerId, tag: u32, when: Instant, inner: Weak<LoopInner>) -> Self {
        TimerHandle {
            id,
            tag,
            when,
            inner,
            cancelled: Cell::new(false),
        }
    }

    /// A closed loop refused the callback (already taken out of the wheel): cancelled from the start.
    pub(crate) fn mark_refused(&self) {
        self.cancelled.set(true);
    }

    /// Cancels the callback if it has not run yet; otherwise does nothing. A callback whose deadline has
    /// passed but which has not run yet (it waits behind other callbacks due at the same time) does not
    /// run.
    ///
    /// **asyncio:** `TimerHandle.cancel()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// let h = lp.call_later(Duration::from_secs(60), || unreachable!("cancelled"));
    /// h.cancel();
    /// lp.block_on(tulip_time::sleep(Duration::from_secs(120)));
    /// ```
    pub fn cancel(&self) {
        if self.cancelled.replace(true) {
            return;
        }
        if let Some(inner) = self.inner.upgrade() {
            inner.cancel_timer(self.id, self.tag);
        }
    }

    /// Whether [`TimerHandle::cancel`] was called.
    ///
    /// **asyncio:** `TimerHandle.cancelled()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let h = lp.call_later(Duration::from_secs(60), || {});
    /// assert!(!h.cancelled());
    /// h.cancel();
    /// assert!(h.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// When the callback is due, on the loop's clock.
    ///
    /// **asyncio:** `TimerHandle.when()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// let h = lp.call_later(Duration::from_secs(5), || {});
    /// assert_eq!(h.when(), lp.time() + Duration::from_secs(5));
    /// ```
    pub fn when(&self) -> Instant {
        self.when
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.when)
            .field("cancelled", &self.cancelled.get())
            .finish()
    }
}
