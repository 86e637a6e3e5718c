//! `Semaphore` and `BoundedSemaphore`: a counter of permits that tasks wait on.

use std::fmt;
use std::sync::atomic::Ordering;

use super::permits::Permits;
use super::ReleaseError;

/// Takes a permit as a guard.
fn try_guard(permits: &Permits) -> Option<SemaphoreGuard<'_>> {
    // `then`, not `then_some`: an eagerly built guard would be dropped on failure, and its `Drop`
    // releases a permit that was never taken.
    permits.try_take().then(|| SemaphoreGuard { permits })
}

/// Waits for a permit (in arrival order) and returns it as a guard.
async fn acquire_guard(permits: &Permits) -> SemaphoreGuard<'_> {
    permits.acquire().await;
    SemaphoreGuard { permits }
}

/// A counter of permits: [`acquire`](Semaphore::acquire) takes one (waiting while none is left) and
/// returns a guard that gives it back when dropped; [`release`](Semaphore::release) adds one.
///
/// **asyncio:** `asyncio.Semaphore`. Differences: `acquire` returns a [`SemaphoreGuard`] (so
/// `async with sem:` becomes a guard in a block); `Send + Sync`. As in asyncio, a released permit goes
/// to the longest waiter: a task asking in the same step, before that waiter has run, waits behind it
/// (and `locked()` is `true` meanwhile).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use tulip_core::sync::Semaphore;
/// tulip_core::run(async {
///     let sem = Rc::new(Semaphore::new(2));
///     let running = Rc::new(Cell::new(0));
///     let peak = Rc::new(Cell::new(0));
///     let tasks: Vec<_> = (0..5)
///         .map(|_| {
///             let (sem, running, peak) = (sem.clone(), running.clone(), peak.clone());
///             tulip_core::spawn(async move {
///                 let _permit = sem.acquire().await;
///                 running.set(running.get() + 1);
///                 peak.set(peak.get().max(running.get()));
///                 tulip_time::sleep(Duration::from_millis(1)).await;
///                 running.set(running.get() - 1);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await;
///     }
///     assert_eq!(peak.get(), 2);
/// });
/// ```
pub struct Semaphore {
    permits: Permits,
}

impl Semaphore {
    /// A semaphore with `value` permits.
    ///
    /// **asyncio:** `asyncio.Semaphore(value)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub const fn new(value: usize) -> Semaphore {
        Semaphore {
            permits: Permits::new(value),
        }
    }

    /// Waits for a permit and takes it; the guard gives it back when dropped.
    ///
    /// **asyncio:** `await sem.acquire()` / `async with sem:`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes takes no permit; a wake-up it had received passes to the
    /// next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let sem = tulip_core::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert!(sem.locked());
    ///     drop(permit);
    ///     assert!(!sem.locked());
    /// });
    /// ```
    pub async fn acquire(&self) -> SemaphoreGuard<'_> {
        acquire_guard(&self.permits).await
    }

    /// Takes a permit if one is free, without waiting.
    ///
    /// **asyncio:** `sem.acquire()` when `not sem.locked()`: it completes without suspending.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphoreGuard<'_>> {
        try_guard(&self.permits)
    }

    /// Adds a permit, waking a waiter. May raise the count above the initial value (use a
    /// [`BoundedSemaphore`] to forbid that).
    ///
    /// **asyncio:** `Semaphore.release()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn release(&self) {
        self.permits.release();
    }

    /// Whether no permit is free (`acquire` would wait).
    ///
    /// **asyncio:** `Semaphore.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::sync::Semaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.available_permits() == 0
    }

    /// The number of free permits.
    ///
    /// **asyncio:** the semaphore's private `_value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[doc(alias = "value")]
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A [`Semaphore`] that refuses to be released past its initial value: a `release()` without a
/// matching forgotten permit is an error, not a silent extra permit.
///
/// A permit held by a [`SemaphoreGuard`] returns when the guard drops, which never errs. The manual
/// pair is `guard.forget()` then `release()`; a `release()` with no forgotten permit outstanding would
/// take the count past the initial value and returns [`ReleaseError`].
///
/// **asyncio:** `asyncio.BoundedSemaphore`. Differences: over-release returns `Err(ReleaseError)`
/// rather than raising `ValueError`; asyncio detects it at the `release()` that pushes the count over,
/// tulip at the `release()` that has no forgotten permit to return (the same sequences fail, possibly
/// at a different call when guards and manual releases are mixed).
///
/// # Examples
///
/// ```
/// use tulip_core::sync::{BoundedSemaphore, ReleaseError};
/// tulip_core::run(async {
///     let sem = BoundedSemaphore::new(1);
///     sem.acquire().await.forget(); // asyncio: await sem.acquire()
///     assert_eq!(sem.release(), Ok(())); // asyncio: sem.release()
///     assert_eq!(sem.release(), Err(ReleaseError)); // asyncio: ValueError
/// });
/// ```
pub struct BoundedSemaphore {
    permits: Permits,
    bound: usize,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits, which is also its bound.
    ///
    /// **asyncio:** `asyncio.BoundedSemaphore(value)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.bound(), 2);
    /// ```
    pub const fn new(value: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            permits: Permits::new(value),
            bound: value,
        }
    }

    /// Waits for a permit and takes it; the guard gives it back when dropped.
    ///
    /// **asyncio:** `await sem.acquire()` / `async with sem:`.
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let sem = tulip_core::sync::BoundedSemaphore::new(1);
    ///     let _permit = sem.acquire().await;
    ///     assert!(sem.locked());
    /// });
    /// ```
    pub async fn acquire(&self) -> SemaphoreGuard<'_> {
        acquire_guard(&self.permits).await
    }

    /// Takes a permit if one is free, without waiting.
    ///
    /// **asyncio:** `sem.acquire()` when `not sem.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphoreGuard<'_>> {
        try_guard(&self.permits)
    }

    /// Returns a permit that was taken and [`forget`](SemaphoreGuard::forget)-ed.
    ///
    /// **asyncio:** `BoundedSemaphore.release()`.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] when no forgotten permit is outstanding: the release would raise the count
    /// past the initial value.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// assert!(sem.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.permits
            .forgotten
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .map_err(|_| ReleaseError)?;
        self.permits.release();
        Ok(())
    }

    /// Whether no permit is free (`acquire` would wait).
    ///
    /// **asyncio:** `BoundedSemaphore.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!tulip_core::sync::BoundedSemaphore::new(1).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.available_permits() == 0
    }

    /// The number of free permits.
    ///
    /// **asyncio:** the semaphore's private `_value`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::BoundedSemaphore::new(4).available_permits(), 4);
    /// ```
    #[doc(alias = "value")]
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// The initial number of permits, which the count never exceeds.
    ///
    /// **asyncio:** the private `_bound_value`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::BoundedSemaphore::new(4).bound(), 4);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`]; dropping it gives the permit back.
///
/// **asyncio:** the state between `acquire()` and `release()`; dropping the guard is `release()`.
///
/// # Examples
///
/// ```
/// let sem = tulip_core::sync::Semaphore::new(1);
/// {
///     let _permit: tulip_core::sync::SemaphoreGuard<'_> = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "dropping the guard gives the permit back at once"]
pub struct SemaphoreGuard<'a> {
    permits: &'a Permits,
}

impl SemaphoreGuard<'_> {
    /// Keeps the permit taken without a guard: it returns only through a later `release()`. This is
    /// asyncio's manual `acquire()` / `release()` pairing.
    ///
    /// **asyncio:** `await sem.acquire()` whose `release()` comes later, elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = tulip_core::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.locked());
    /// sem.release();
    /// assert!(!sem.locked());
    /// ```
    pub fn forget(self) {
        self.permits.forgotten.fetch_add(1, Ordering::AcqRel);
        std::mem::forget(self);
    }
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        self.permits.release();
    }
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard").finish_non_exhaustive()
    }
}
