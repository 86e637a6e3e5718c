//! `Event`: a flag that tasks can wait on.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bit 0 of `Event::state`: the flag.
const SET: usize = 1;
/// `Event::state` counts `set()` transitions in the bits above the flag.
const GENERATION: usize = 2;

/// A flag, initially clear: [`wait`](Event::wait) suspends until it is [`set`](Event::set).
///
/// Setting wakes every waiter. A waiter woken by `set()` returns even if the flag is cleared again
/// before it runs, as in asyncio.
///
/// **asyncio:** `asyncio.Event`. Differences: `wait()` returns `()` rather than `True`; `Event` is
/// `Send + Sync` and works across loops and threads.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tulip_core::sync::Event;
/// tulip_core::run(async {
///     let ready = Rc::new(Event::new());
///     let r = ready.clone();
///     let waiter = tulip_core::spawn(async move {
///         r.wait().await;
///         "went"
///     });
///     tulip_core::yield_now().await;
///     assert!(!waiter.is_finished());
///     ready.set();
///     assert_eq!(waiter.await, "went");
/// });
/// ```
pub struct Event {
    /// The flag (bit 0) and the number of clear-to-set transitions (the rest), so a waiter can tell that
    /// a `set()` happened even if a `clear()` followed.
    state: AtomicUsize,
    waiters: event_listener::Event,
}

impl Event {
    /// A clear event.
    ///
    /// **asyncio:** `asyncio.Event()`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!tulip_core::sync::Event::new().is_set());
    /// ```
    pub const fn new() -> Event {
        Event {
            state: AtomicUsize::new(0),
            waiters: event_listener::Event::new(),
        }
    }

    /// Sets the flag and wakes every waiter. Setting a set event does nothing.
    ///
    /// **asyncio:** `Event.set()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_core::sync::Event::new();
    /// e.set();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        let changed = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & SET == 0).then(|| (s | SET).wrapping_add(GENERATION))
            })
            .is_ok();
        if changed {
            self.waiters.notify(usize::MAX);
        }
    }

    /// Clears the flag; later `wait()` calls suspend again.
    ///
    /// **asyncio:** `Event.clear()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_core::sync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Ordering::AcqRel);
    }

    /// Whether the flag is set.
    ///
    /// **asyncio:** `Event.is_set()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_core::sync::Event::new();
    /// assert!(!e.is_set());
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Waits until the flag is set; returns at once if it is.
    ///
    /// **asyncio:** `await event.wait()`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let e = tulip_core::sync::Event::new();
    ///     e.set();
    ///     e.wait().await;
    /// });
    /// ```
    pub async fn wait(&self) {
        let start = self.state.load(Ordering::Acquire);
        if start & SET != 0 {
            return;
        }
        loop {
            let listener = self.waiters.listen();
            let now = self.state.load(Ordering::Acquire);
            // Set now, or set (and maybe cleared) since we started waiting.
            if now & SET != 0 || now / GENERATION != start / GENERATION {
                return;
            }
            listener.await;
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
