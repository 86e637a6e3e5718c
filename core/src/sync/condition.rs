//! `Condition`: a lock plus a wait queue, for waiting until shared state changes.

use std::fmt;
use std::future::Future;
use std::ptr;

use event_listener::IntoNotification;

use super::{Lock, LockGuard};

/// A [`Lock`] with a queue of tasks waiting for a notification: take the lock, check the state, and
/// [`wait`](Condition::wait) (which releases the lock while suspended and re-takes it before
/// returning) until another task changes the state and [`notify`](Condition::notify)s.
///
/// **asyncio:** `asyncio.Condition`. Differences: the condition owns its lock, which may guard a value
/// (`Condition<T>`), and always owns it (asyncio's `Condition(lock)` sharing an existing lock has no
/// counterpart); `wait` takes and gives back the [`LockGuard`] instead of checking that the lock is
/// held; `notify` may be called without holding the lock (asyncio raises `RuntimeError`) and returns
/// how many waiters it woke; `Condition` is `Send + Sync`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tulip_core::sync::Condition;
/// tulip_core::run(async {
///     let stock = Rc::new(Condition::new(0u32));
///     let s = stock.clone();
///     let consumer = tulip_core::spawn(async move {
///         let guard = s.acquire().await;
///         let mut guard = s.wait_for(guard, |n| *n >= 2).await;
///         *guard -= 2;
///     });
///     for _ in 0..2 {
///         tulip_core::yield_now().await;
///         *stock.acquire().await += 1;
///         stock.notify_all();
///     }
///     consumer.await;
///     assert_eq!(*stock.acquire().await, 0);
/// });
/// ```
#[derive(Default)]
pub struct Condition<T: ?Sized = ()> {
    waiters: event_listener::Event,
    lock: Lock<T>,
}

impl<T> Condition<T> {
    /// A condition whose lock guards `value`. `Condition::new(())` is asyncio's `Condition()`.
    ///
    /// **asyncio:** `asyncio.Condition()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = tulip_core::sync::Condition::new(());
    /// assert!(!c.locked());
    /// ```
    pub const fn new(value: T) -> Condition<T> {
        Condition {
            waiters: event_listener::Event::new(),
            lock: Lock::new(value),
        }
    }
}

impl<T: ?Sized> Condition<T> {
    /// Takes the condition's lock.
    ///
    /// **asyncio:** `await cond.acquire()` / `async with cond:`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let c = tulip_core::sync::Condition::new(1);
    ///     assert_eq!(*c.acquire().await, 1);
    /// });
    /// ```
    pub async fn acquire(&self) -> LockGuard<'_, T> {
        self.lock.acquire().await
    }

    /// Whether the condition's lock is held.
    ///
    /// **asyncio:** `Condition.locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let c = tulip_core::sync::Condition::new(());
    ///     let _g = c.acquire().await;
    ///     assert!(c.locked());
    /// });
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// The condition's lock.
    ///
    /// **asyncio:** the `lock` a `Condition` was made with.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = tulip_core::sync::Condition::new(());
    /// assert!(c.lock().try_acquire().is_some());
    /// ```
    pub fn lock(&self) -> &Lock<T> {
        &self.lock
    }

    /// Releases the lock, waits for a notification, re-takes the lock and returns the new guard.
    ///
    /// The waiter joins the queue before the lock is released, so a `notify` made by whoever takes the
    /// lock next reaches it. Only a notification wakes it (no spurious wake-ups), but the state may have
    /// changed again by the time it holds the lock: check it in a loop, or use
    /// [`wait_for`](Condition::wait_for).
    ///
    /// **asyncio:** `await cond.wait()`.
    ///
    /// # Panics
    ///
    /// When `guard` holds another lock than this condition's.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while it waits leaves the lock released (the guard was moved in), and a
    /// notification it had received passes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let c = Rc::new(tulip_core::sync::Condition::new(false));
    ///     let c2 = c.clone();
    ///     tulip_core::spawn(async move {
    ///         *c2.acquire().await = true;
    ///         c2.notify(1);
    ///     })
    ///     .detach();
    ///     let mut guard = c.acquire().await;
    ///     while !*guard {
    ///         guard = c.wait(guard).await;
    ///     }
    /// });
    /// ```
    #[track_caller]
    pub fn wait<'a>(
        &'a self,
        guard: LockGuard<'a, T>,
    ) -> impl Future<Output = LockGuard<'a, T>> + 'a {
        self.check(&guard, "wait");
        async move {
            let listener = self.waiters.listen();
            drop(guard);
            listener.await;
            self.lock.acquire().await
        }
    }

    #[track_caller]
    fn check(&self, guard: &LockGuard<'_, T>, method: &str) {
        if !ptr::eq(LockGuard::source(guard), &self.lock.inner) {
            panic!("Condition::{method} called with the guard of another lock");
        }
    }

    /// Waits until `predicate` holds for the guarded value, checking it first and after every
    /// notification, with the lock held each time; returns the guard once it holds.
    ///
    /// **asyncio:** `await cond.wait_for(predicate)`. Differences: the predicate receives the guarded
    /// value.
    ///
    /// # Panics
    ///
    /// When `guard` holds another lock than this condition's.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let c = tulip_core::sync::Condition::new(3);
    ///     let guard = c.acquire().await;
    ///     let guard = c.wait_for(guard, |n| *n == 3).await; // already true: no wait
    ///     assert_eq!(*guard, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for<'a, P>(
        &'a self,
        guard: LockGuard<'a, T>,
        mut predicate: P,
    ) -> impl Future<Output = LockGuard<'a, T>> + 'a
    where
        P: FnMut(&mut T) -> bool + 'a,
    {
        self.check(&guard, "wait_for");
        async move {
            let mut guard = guard;
            while !predicate(&mut guard) {
                guard = self.wait(guard).await;
            }
            guard
        }
    }

    /// Wakes up to `n` waiters that have not been notified yet, oldest first, and returns how many it
    /// woke. Each re-takes the lock in turn.
    ///
    /// **asyncio:** `cond.notify(n=1)`. Differences: the lock need not be held; returns the count.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = tulip_core::sync::Condition::new(());
    /// assert_eq!(c.notify(1), 0); // nobody waits
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        self.waiters.notify(n.additional())
    }

    /// Wakes every waiter; returns how many it woke.
    ///
    /// **asyncio:** `cond.notify_all()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = tulip_core::sync::Condition::new(());
    /// assert_eq!(c.notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        self.waiters.notify(usize::MAX)
    }
}

impl<T: ?Sized> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.locked())
            .field("waiters", &self.waiters.total_listeners())
            .finish()
    }
}
