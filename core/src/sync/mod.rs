//! Queues and synchronization primitives for tasks: waiting suspends the task, never the thread.
//!
//! **asyncio:** the "Synchronization Primitives" page (`Lock`, `Event`, `Condition`, `Semaphore`,
//! `BoundedSemaphore`, `Barrier`) and the "Queues" page (`Queue`, `PriorityQueue`, `LifoQueue`,
//! `QueueEmpty`, `QueueFull`, `QueueShutDown`) of the asyncio documentation.
//!
//! # Implementation
//!
//! Every type here is `Send + Sync` and bound to no loop: share it with `Rc` between tasks of one
//! loop, or with `Arc` between loops and threads. [`Lock`] and the semaphores share one permit queue
//! (`permits.rs`: a `std::sync::Mutex` held only for a push, a pop or a hand-over, never across an
//! `.await`) that hands a released permit to the longest waiter, as asyncio does; [`Lock`] keeps its
//! value in an `async_lock::Mutex` that only the permit's holder locks. The other types keep a small
//! state the same way and park waiters with `event_listener::Event`. Waiters are woken in the order
//! they started waiting.
//!
//! A loop-local (`!Send`, `Cell`-based) flavour could skip the atomics and the mutex on a one-thread
//! hot path; it has not been written, since nothing has measured the difference yet.
//!
//! # Examples
//!
//! A worker pool fed through a bounded queue, as in the asyncio `Queue` documentation:
//!
//! ```
//! use std::rc::Rc;
//! use std::time::Duration;
//! use tulip_core::sync::Queue;
//!
//! tulip_core::run(async {
//!     let queue = Rc::new(Queue::bounded(10));
//!     let workers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let queue = queue.clone();
//!             tulip_core::spawn(async move {
//!                 while let Ok(ms) = queue.get().await {
//!                     tulip_time::sleep(Duration::from_millis(ms)).await;
//!                     queue.task_done().unwrap();
//!                 } // the queue was shut down
//!             })
//!         })
//!         .collect();
//!     for ms in [5, 1, 3, 2, 4] {
//!         queue.put(ms).await.unwrap();
//!     }
//!     queue.join().await; // every item was processed
//!     queue.shutdown(); // the workers' `get` ends
//!     for w in workers {
//!         w.await;
//!     }
//! });
//! ```

mod barrier;
mod condition;
mod error;
mod event;
mod lock;
mod permits;
mod queue;
mod semaphore;

pub use barrier::Barrier;
pub use condition::Condition;
pub use error::{
    BrokenBarrierError, QueueShutDown, ReleaseError, TaskDoneError, TryGetError, TryPutError,
};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::{LifoQueue, PriorityQueue, Queue};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every primitive may be shared between threads and loops.
    #[test]
    fn everything_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Queue<u8>>();
        check::<PriorityQueue<u8>>();
        check::<LifoQueue<u8>>();
        check::<Lock<u8>>();
        check::<LockGuard<'static, u8>>();
        check::<Event>();
        check::<Condition<u8>>();
        check::<Semaphore>();
        check::<BoundedSemaphore>();
        check::<SemaphoreGuard<'static>>();
        check::<Barrier>();
    }
}
