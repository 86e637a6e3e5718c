//! The errors of the queues, the bounded semaphore and the barrier.

use std::error::Error;
use std::fmt;

/// `put_nowait` found the queue full; the item is handed back.
///
/// **asyncio:** `asyncio.QueueFull`.
///
/// # Examples
///
/// ```
/// let q = tulip_core::sync::Queue::bounded(1);
/// q.put_nowait("a").unwrap();
/// let err = q.put_nowait("b").unwrap_err();
/// assert_eq!(err.into_inner(), "b");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// The item that did not fit.
    ///
    /// **asyncio:** no counterpart (`QueueFull` carries no item; the caller still holds it).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::QueueFull(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl<T> Error for QueueFull<T> {}

/// `get_nowait` found the queue empty.
///
/// **asyncio:** `asyncio.QueueEmpty`.
///
/// # Examples
///
/// ```
/// let q = tulip_core::sync::Queue::<i32>::new();
/// assert_eq!(q.get_nowait(), Err(tulip_core::sync::QueueEmpty));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl Error for QueueEmpty {}

/// `task_done` was called more times than items were put.
///
/// **asyncio:** the `ValueError('task_done() called too many times')` of `Queue.task_done()`.
///
/// # Examples
///
/// ```
/// let q = tulip_core::sync::Queue::<i32>::new();
/// assert_eq!(q.task_done(), Err(tulip_core::sync::TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl Error for TaskDoneError {}

/// A [`BoundedSemaphore`](super::BoundedSemaphore) was released past its initial value.
///
/// **asyncio:** the `ValueError('BoundedSemaphore released too many times')` of
/// `BoundedSemaphore.release()`.
///
/// # Examples
///
/// ```
/// let sem = tulip_core::sync::BoundedSemaphore::new(1);
/// assert_eq!(sem.release(), Err(tulip_core::sync::ReleaseError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReleaseError;

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphore released too many times")
    }
}

impl Error for ReleaseError {}

/// The [`Barrier`](super::Barrier) was aborted, or reset while this party waited.
///
/// **asyncio:** `asyncio.BrokenBarrierError`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let b = tulip_core::sync::Barrier::new(2);
///     b.abort();
///     assert_eq!(b.wait().await, Err(tulip_core::sync::BrokenBarrierError));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl Error for BrokenBarrierError {}
