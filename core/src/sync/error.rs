//! The errors of the queues, the bounded semaphore and the barrier.

use std::error::Error;
use std::fmt;

/// Why `put_nowait` did not add the item; the item is handed back either way.
///
/// **asyncio:** `asyncio.QueueFull` (`Full`) and `asyncio.QueueShutDown` (`ShutDown`, 3.13).
///
/// # Examples
///
/// ```
/// use tulip_core::sync::{Queue, TryPutError};
/// let q = Queue::bounded(1);
/// q.put_nowait("a").unwrap();
/// assert_eq!(q.put_nowait("b"), Err(TryPutError::Full("b")));
/// q.shutdown();
/// assert_eq!(q.put_nowait("c"), Err(TryPutError::ShutDown("c")));
/// ```
#[doc(alias = "QueueFull")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// A bounded queue is full (asyncio: `QueueFull`).
    Full(T),
    /// The queue was shut down (asyncio: `QueueShutDown`).
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not added.
    ///
    /// **asyncio:** no counterpart (the exception carries no item; the caller still holds it).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::TryPutError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(t) | TryPutError::ShutDown(t) => t,
        }
    }

    /// Whether the queue was full.
    ///
    /// **asyncio:** `isinstance(e, asyncio.QueueFull)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::sync::TryPutError::Full(3).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// **asyncio:** `isinstance(e, asyncio.QueueShutDown)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::sync::TryPutError::ShutDown(3).is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, TryPutError::ShutDown(_))
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "Full(..)",
            TryPutError::ShutDown(_) => "ShutDown(..)",
        })
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "the queue is full",
            TryPutError::ShutDown(_) => "the queue was shut down",
        })
    }
}

impl<T> Error for TryPutError<T> {}

/// Why `get_nowait` returned no item.
///
/// **asyncio:** `asyncio.QueueEmpty` (`Empty`) and `asyncio.QueueShutDown` (`ShutDown`, 3.13: shut down
/// and empty).
///
/// # Examples
///
/// ```
/// use tulip_core::sync::{Queue, TryGetError};
/// let q = Queue::<i32>::new();
/// assert_eq!(q.get_nowait(), Err(TryGetError::Empty));
/// q.shutdown();
/// assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
/// ```
#[doc(alias = "QueueEmpty")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// The queue is empty (asyncio: `QueueEmpty`).
    Empty,
    /// The queue was shut down and is empty (asyncio: `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryGetError::Empty => "the queue is empty",
            TryGetError::ShutDown => "the queue was shut down",
        })
    }
}

impl Error for TryGetError {}

/// The queue was shut down: `put` hands its item back, `get` finds no item left.
///
/// **asyncio:** `asyncio.QueueShutDown` (3.13).
///
/// # Examples
///
/// ```
/// use tulip_core::sync::{Queue, QueueShutDown};
/// tulip_core::run(async {
///     let q = Queue::new();
///     q.shutdown();
///     assert_eq!(q.put(1).await, Err(QueueShutDown(1)));
///     assert_eq!(q.get().await, Err(QueueShutDown(())));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// The item `put` could not add.
    ///
    /// **asyncio:** no counterpart (the exception carries no item).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::QueueShutDown(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down")
    }
}

impl<T: fmt::Debug> Error for QueueShutDown<T> {}

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
