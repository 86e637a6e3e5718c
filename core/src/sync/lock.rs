//! `Lock`: a mutual-exclusion lock for tasks, optionally guarding a value.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::permits::Permits;

/// A lock that tasks take in turn; waiting for it suspends the task, not the thread. It can guard a
/// value (`Lock<T>`, like `std::sync::Mutex<T>`) or nothing (`Lock`, i.e. `Lock<()>`, like asyncio's).
///
/// Waiters are served in arrival order, as in asyncio: a release hands the lock to the longest waiter,
/// and a task asking in the same step, before that waiter has run, waits behind it.
///
/// **asyncio:** `asyncio.Lock`. Differences: [`acquire`](Lock::acquire) returns a [`LockGuard`] and
/// dropping the guard is `release()` (so `async with lock:` becomes a guard in a block, and releasing
/// an unlocked lock cannot happen); `Lock` is `Send + Sync` and works across loops and threads.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tulip_core::sync::Lock;
/// tulip_core::run(async {
///     let counter = Rc::new(Lock::new(0));
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let counter = counter.clone();
///             tulip_core::spawn(async move {
///                 let mut n = counter.acquire().await;
///                 let seen = *n;
///                 tulip_core::yield_now().await; // others run, but cannot get in
///                 *n = seen + 1;
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await;
///     }
///     assert_eq!(*counter.acquire().await, 10);
/// });
/// ```
pub struct Lock<T: ?Sized = ()> {
    /// One permit: who holds it holds the lock (handed over in arrival order).
    gate: Permits,
    /// Locked only by the holder of the gate's permit, so never contended.
    pub(super) inner: async_lock::Mutex<T>,
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> Lock<T> {
    /// A lock guarding `value`, unlocked. `Lock::new(())` (or `Lock::default()`) is asyncio's plain
    /// `Lock()`.
    ///
    /// **asyncio:** `asyncio.Lock()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = tulip_core::sync::Lock::new(());
    /// assert!(!lock.locked());
    /// ```
    pub const fn new(value: T) -> Lock<T> {
        Lock {
            gate: Permits::new(1),
            inner: async_lock::Mutex::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// **asyncio:** no counterpart (an asyncio `Lock` guards no value).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::Lock::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Waits until the lock is free, takes it, and returns the guard that releases it when dropped.
    ///
    /// **asyncio:** `await lock.acquire()` / `async with lock:`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes leaves the lock untouched and gives the turn to the next
    /// waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let lock = tulip_core::sync::Lock::new(vec![1]);
    ///     lock.acquire().await.push(2);
    ///     assert_eq!(*lock.acquire().await, [1, 2]);
    /// });
    /// ```
    #[doc(alias = "lock")]
    pub async fn acquire(&self) -> LockGuard<'_, T> {
        self.gate.acquire().await;
        let gate = Gate(&self.gate);
        let guard = match self.inner.try_lock() {
            Some(g) => g,
            // Not reached: only the gate's holder locks `inner`. Waiting is still correct.
            None => self.inner.lock().await,
        };
        LockGuard { guard, _gate: gate }
    }

    /// Takes the lock if it is free and nobody waits for it, without waiting (`None` while a released
    /// lock is being handed to the longest waiter).
    ///
    /// **asyncio:** `lock.acquire()` on an unlocked lock completes without suspending; asyncio has no
    /// non-blocking variant.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = tulip_core::sync::Lock::new(());
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(lock.try_acquire().is_none());
    /// drop(guard);
    /// assert!(lock.try_acquire().is_some());
    /// ```
    #[doc(alias = "try_lock")]
    pub fn try_acquire(&self) -> Option<LockGuard<'_, T>> {
        if !self.gate.try_take() {
            return None;
        }
        let gate = Gate(&self.gate);
        // Only the gate's holder locks `inner`, so this succeeds; if not, `gate` gives the permit back.
        let guard = self.inner.try_lock()?;
        Some(LockGuard { guard, _gate: gate })
    }

    /// Whether the lock is held. `false` between a release and the woken waiter taking the lock, as in
    /// asyncio, although nobody else can take it meanwhile (a new `acquire` queues behind that waiter).
    /// A snapshot: by the time it returns, another thread may have changed it.
    ///
    /// **asyncio:** `Lock.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let lock = tulip_core::sync::Lock::new(());
    ///     let guard = lock.acquire().await;
    ///     assert!(lock.locked());
    ///     drop(guard); // asyncio: lock.release()
    ///     assert!(!lock.locked());
    /// });
    /// ```
    #[doc(alias = "is_locked")]
    pub fn locked(&self) -> bool {
        // asyncio's `locked()` is false between a release and the woken waiter taking the lock (which
        // nobody else can take meanwhile).
        self.gate.available() == 0 && !self.gate.handing_over()
    }

    /// The value, through a unique borrow (no locking needed).
    ///
    /// **asyncio:** no counterpart (an asyncio `Lock` guards no value).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = tulip_core::sync::Lock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

/// Holds a [`Lock`]; dropping it releases the lock. Dereferences to the guarded value.
///
/// **asyncio:** the held state between `acquire()` and `release()` of `asyncio.Lock`; dropping the
/// guard is `release()`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let lock = tulip_core::sync::Lock::new(String::from("a"));
///     let mut guard: tulip_core::sync::LockGuard<'_, String> = lock.acquire().await;
///     guard.push('b');
///     drop(guard);
///     assert_eq!(lock.into_inner(), "ab");
/// });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct LockGuard<'a, T: ?Sized> {
    /// Dropped first (fields drop in order): the value is unlocked before the gate is handed on.
    guard: async_lock::MutexGuard<'a, T>,
    _gate: Gate<'a>,
}

/// The gate's permit, given back (to the next waiter) when dropped.
struct Gate<'a>(&'a Permits);

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// The lock this guard holds (for `Condition` to check and re-acquire it).
    pub(super) fn source(guard: &Self) -> &'a async_lock::Mutex<T> {
        async_lock::MutexGuard::source(&guard.guard)
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: fmt::Debug + ?Sized> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockGuard").field(&&*self.guard).finish()
    }
}
