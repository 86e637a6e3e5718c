//! `Queue`, `PriorityQueue` and `LifoQueue`: one queue core with three orders, plus asyncio's
//! `task_done` / `join` bookkeeping.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use event_listener::IntoNotification;

use super::{QueueShutDown, TaskDoneError, TryGetError, TryPutError};

/// Where a queue keeps its items: the order is the only difference between the three queues.
trait Store<T> {
    fn push(&mut self, item: T);
    fn pop(&mut self) -> Option<T>;
    fn len(&self) -> usize;
}

impl<T> Store<T> for VecDeque<T> {
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
}

impl<T> Store<T> for Vec<T> {
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

impl<T: Ord> Store<T> for BinaryHeap<Reverse<T>> {
    fn push(&mut self, item: T) {
        BinaryHeap::push(self, Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        BinaryHeap::pop(self).map(|Reverse(t)| t)
    }
    fn len(&self) -> usize {
        BinaryHeap::len(self)
    }
}

struct State<S> {
    items: S,
    /// Items put and not yet marked `task_done`.
    unfinished: usize,
    /// `shutdown()` was called: puts are refused, gets end once the queue is empty.
    shut_down: bool,
}

/// The shared implementation. A `std::sync::Mutex` guards the items (held for a push or a pop only,
/// never across an `.await`), and three `event_listener::Event`s carry the wake-ups.
struct Core<S> {
    state: Mutex<State<S>>,
    maxsize: Option<usize>,
    /// Getters waiting for an item.
    not_empty: event_listener::Event,
    /// Putters waiting for room (bounded queues only).
    not_full: event_listener::Event,
    /// `join` callers waiting for `unfinished == 0`.
    all_done: event_listener::Event,
}

impl<S> Core<S> {
    fn new(items: S, maxsize: Option<usize>) -> Self {
        Core {
            state: Mutex::new(State {
                items,
                unfinished: 0,
                shut_down: false,
            }),
            maxsize,
            not_empty: event_listener::Event::new(),
            not_full: event_listener::Event::new(),
            all_done: event_listener::Event::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        // A panic cannot leave `State` half-updated (each change is one push or pop plus a counter),
        // so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put_nowait<T>(&self, item: T) -> Result<(), TryPutError<T>>
    where
        S: Store<T>,
    {
        let mut st = self.lock();
        if st.shut_down {
            return Err(TryPutError::ShutDown(item));
        }
        if self.maxsize.is_some_and(|max| st.items.len() >= max) {
            return Err(TryPutError::Full(item));
        }
        st.items.push(item);
        st.unfinished += 1;
        drop(st);
        // "Additional": two quick puts wake two getters even if the first has not run yet.
        self.not_empty.notify(1.additional());
        Ok(())
    }

    fn get_nowait<T>(&self) -> Result<T, TryGetError>
    where
        S: Store<T>,
    {
        let item = {
            let mut st = self.lock();
            match st.items.pop() {
                Some(item) => item,
                None if st.shut_down => return Err(TryGetError::ShutDown),
                None => return Err(TryGetError::Empty),
            }
        };
        if self.maxsize.is_some() {
            self.not_full.notify(1.additional());
        }
        Ok(item)
    }

    async fn put<T>(&self, mut item: T) -> Result<(), QueueShutDown<T>>
    where
        S: Store<T>,
    {
        loop {
            match self.put_nowait(item) {
                Ok(()) => return Ok(()),
                Err(TryPutError::ShutDown(back)) => return Err(QueueShutDown(back)),
                Err(TryPutError::Full(back)) => item = back,
            }
            let listener = self.not_full.listen();
            match self.put_nowait(item) {
                Ok(()) => return Ok(()), // A wake-up `listener` got meanwhile passes on when it drops.
                Err(TryPutError::ShutDown(back)) => return Err(QueueShutDown(back)),
                Err(TryPutError::Full(back)) => item = back,
            }
            listener.await;
        }
    }

    async fn get<T>(&self) -> Result<T, QueueShutDown>
    where
        S: Store<T>,
    {
        loop {
            match self.get_nowait() {
                Ok(item) => return Ok(item),
                Err(TryGetError::ShutDown) => return Err(QueueShutDown(())),
                Err(TryGetError::Empty) => {}
            }
            let listener = self.not_empty.listen();
            match self.get_nowait() {
                Ok(item) => return Ok(item),
                Err(TryGetError::ShutDown) => return Err(QueueShutDown(())),
                Err(TryGetError::Empty) => {}
            }
            listener.await;
        }
    }

    /// Refuses further puts and wakes every waiting putter and getter; with `immediate`, also removes
    /// the items (returned, in get order) and counts each as done for `join`.
    fn shutdown<T>(&self, immediate: bool) -> Vec<T>
    where
        S: Store<T>,
    {
        let mut removed = Vec::new();
        let mut st = self.lock();
        st.shut_down = true;
        if immediate {
            while let Some(item) = st.items.pop() {
                removed.push(item);
            }
            st.unfinished = st.unfinished.saturating_sub(removed.len());
        }
        let all_done = st.unfinished == 0;
        drop(st);
        self.not_empty.notify(usize::MAX);
        self.not_full.notify(usize::MAX);
        if immediate && all_done {
            self.all_done.notify(usize::MAX);
        }
        removed
    }

    fn is_shut_down(&self) -> bool {
        self.lock().shut_down
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut st = self.lock();
        st.unfinished = st.unfinished.checked_sub(1).ok_or(TaskDoneError)?;
        let all_done = st.unfinished == 0;
        drop(st);
        if all_done {
            self.all_done.notify(usize::MAX);
        }
        Ok(())
    }

    async fn join(&self) {
        loop {
            if self.lock().unfinished == 0 {
                return;
            }
            let listener = self.all_done.listen();
            if self.lock().unfinished == 0 {
                return;
            }
            listener.await;
        }
    }

    fn qsize<T>(&self) -> usize
    where
        S: Store<T>,
    {
        self.lock().items.len()
    }

    fn fmt_fields<T>(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        S: Store<T>,
    {
        let st = self.lock();
        f.debug_struct(name)
            .field("qsize", &st.items.len())
            .field("maxsize", &self.maxsize)
            .field("unfinished", &st.unfinished)
            .finish()
    }
}

/// Generates a queue type over `Core<$store>`, with every method documented and exemplified.
macro_rules! queue_type {
    (
        $(#[$attr:meta])*
        $Name:ident, $store:ty, $new_store:expr, $py:literal, [$($bound:tt)*]
    ) => {
        $(#[$attr])*
        pub struct $Name<T> {
            core: Core<$store>,
        }

        impl<T $($bound)*> $Name<T> {
            #[doc = concat!("An unbounded queue.\n\n**asyncio:** `asyncio.", $py, "()` (`maxsize=0`).")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::<u32>::new();")]
            /// assert_eq!(q.maxsize(), None);
            /// ```
            pub fn new() -> Self {
                $Name { core: Core::new($new_store, None) }
            }

            #[doc = concat!("A queue holding at most `maxsize` items: `put` waits while it is full. ",
                "`maxsize` 0 means unbounded, as in asyncio (the same queue as `new()`).\n\n",
                "**asyncio:** `asyncio.", $py, "(maxsize)`.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::bounded(2);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.maxsize(), Some(2));
            #[doc = concat!("let unbounded = tulip_core::sync::", stringify!($Name), "::<u8>::bounded(0);")]
            /// assert_eq!(unbounded.maxsize(), None);
            /// ```
            pub fn bounded(maxsize: usize) -> Self {
                $Name { core: Core::new($new_store, (maxsize > 0).then_some(maxsize)) }
            }

            #[doc = concat!("Waits for room (bounded queues only), then adds `item`.\n\n",
                "**asyncio:** `await ", $py, ".put(item)`.")]
            ///
            /// # Cancel safety
            ///
            /// Dropping the future before it completes drops `item` without adding it.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::rc::Rc;
            /// tulip_core::run(async {
            #[doc = concat!("    let q = Rc::new(tulip_core::sync::", stringify!($Name), "::bounded(1));")]
            ///     q.put(1).await.unwrap();
            ///     let q2 = q.clone();
            ///     let putter = tulip_core::spawn(async move { q2.put(2).await });
            ///     tulip_core::yield_now().await;
            ///     assert!(!putter.is_finished()); // full: the putter waits
            ///     assert_eq!(q.get().await, Ok(1));
            ///     putter.await.unwrap();
            ///     assert_eq!(q.get().await, Ok(2));
            /// });
            /// ```
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`] holding `item` once the queue is shut down (also for a putter waiting
            /// when it happens).
            pub async fn put(&self, item: T) -> Result<(), QueueShutDown<T>> {
                self.core.put(item).await
            }

            #[doc = concat!("Removes and returns the next item, waiting until there is one.\n\n",
                "**asyncio:** `await ", $py, ".get()`.")]
            ///
            /// # Cancel safety
            ///
            /// Dropping the future before it completes takes no item; a wake-up it had received passes to
            /// the next getter.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::rc::Rc;
            /// tulip_core::run(async {
            #[doc = concat!("    let q = Rc::new(tulip_core::sync::", stringify!($Name), "::new());")]
            ///     let q2 = q.clone();
            ///     let getter = tulip_core::spawn(async move { q2.get().await });
            ///     tulip_core::yield_now().await;
            ///     q.put_nowait("item").unwrap();
            ///     assert_eq!(getter.await, Ok("item"));
            /// });
            /// ```
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`] once the queue is shut down and empty (also for a getter waiting when it
            /// happens). Items put before a graceful `shutdown()` are still handed out first.
            pub async fn get(&self) -> Result<T, QueueShutDown> {
                self.core.get().await
            }

            #[doc = concat!("Adds `item` if there is room, without waiting.\n\n",
                "**asyncio:** `", $py, ".put_nowait(item)`.")]
            ///
            /// # Errors
            ///
            /// [`TryPutError::Full`] (holding `item`) when a bounded queue is full,
            /// [`TryPutError::ShutDown`] once the queue is shut down.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::bounded(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
            /// ```
            #[doc(alias = "try_put")]
            pub fn put_nowait(&self, item: T) -> Result<(), TryPutError<T>> {
                self.core.put_nowait(item)
            }

            #[doc = concat!("Removes and returns the next item if there is one, without waiting.\n\n",
                "**asyncio:** `", $py, ".get_nowait()`.")]
            ///
            /// # Errors
            ///
            /// [`TryGetError::Empty`] when the queue is empty, [`TryGetError::ShutDown`] when it is also
            /// shut down.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::new();")]
            /// q.put_nowait(7).unwrap();
            /// assert_eq!(q.get_nowait(), Ok(7));
            /// assert_eq!(q.get_nowait(), Err(tulip_core::sync::TryGetError::Empty));
            /// ```
            #[doc(alias = "try_get")]
            pub fn get_nowait(&self) -> Result<T, TryGetError> {
                self.core.get_nowait()
            }

            #[doc = concat!("Marks one item taken with `get` as processed. Once every item ever put has been ",
                "marked, [`join`](", stringify!($Name), "::join) returns.\n\n",
                "**asyncio:** `", $py, ".task_done()`.")]
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`] when called more times than items were put.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::new();")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// assert!(q.task_done().is_ok());
            /// assert!(q.task_done().is_err()); // called too many times
            /// ```
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.core.task_done()
            }

            #[doc = concat!("Waits until every item put so far has been marked with ",
                "[`task_done`](", stringify!($Name), "::task_done).\n\n",
                "**asyncio:** `await ", $py, ".join()`.")]
            ///
            /// # Cancel safety
            ///
            /// Dropping the future leaves nothing behind.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::rc::Rc;
            /// tulip_core::run(async {
            #[doc = concat!("    let q = Rc::new(tulip_core::sync::", stringify!($Name), "::new());")]
            ///     for job in 0..3 {
            ///         q.put_nowait(job).unwrap();
            ///     }
            ///     let q2 = q.clone();
            ///     tulip_core::spawn(async move {
            ///         while let Ok(_job) = q2.get().await {
            ///             q2.task_done().unwrap();
            ///         }
            ///     })
            ///     .detach();
            ///     q.join().await; // every job was processed
            ///     assert!(q.empty());
            /// });
            /// ```
            pub async fn join(&self) {
                self.core.join().await
            }

            #[doc = concat!("Shuts the queue down: `put` and `put_nowait` are refused from now on (a putter ",
                "waiting for room is woken with its item back), and `get` / `get_nowait` fail once the ",
                "items already in the queue have been taken (waiting getters are woken). `join` still ",
                "waits for `task_done` on every item handed out. Calling it again does nothing more.\n\n",
                "**asyncio:** `", $py, ".shutdown()` (3.13).")]
            ///
            /// # Examples
            ///
            /// ```
            /// use tulip_core::sync::QueueShutDown;
            /// tulip_core::run(async {
            #[doc = concat!("    let q = tulip_core::sync::", stringify!($Name), "::new();")]
            ///     q.put_nowait(1).unwrap();
            ///     q.shutdown();
            ///     assert_eq!(q.put(2).await, Err(QueueShutDown(2)));
            ///     assert_eq!(q.get().await, Ok(1)); // what was queued is still handed out
            ///     assert_eq!(q.get().await, Err(QueueShutDown(())));
            /// });
            /// ```
            pub fn shutdown(&self) {
                let _ = self.core.shutdown::<T>(false);
            }

            #[doc = concat!("Shuts the queue down as [`shutdown`](", stringify!($Name), "::shutdown) does, and ",
                "removes every queued item: they are returned (in the order `get` would have given them) ",
                "instead of dropped, and each counts as done for `join`. Getters fail at once.\n\n",
                "**asyncio:** `", $py, ".shutdown(immediate=True)` (3.13). Differences: the removed items are ",
                "returned rather than discarded.")]
            ///
            /// # Examples
            ///
            /// ```
            /// tulip_core::run(async {
            #[doc = concat!("    let q = tulip_core::sync::", stringify!($Name), "::new();")]
            ///     q.put_nowait(1).unwrap();
            ///     assert_eq!(q.shutdown_immediate(), [1]);
            ///     assert!(q.get().await.is_err());
            ///     q.join().await; // the removed item counts as done
            /// });
            /// ```
            pub fn shutdown_immediate(&self) -> Vec<T> {
                self.core.shutdown(true)
            }

            #[doc = concat!("Whether [`shutdown`](", stringify!($Name), "::shutdown) was called.\n\n",
                "**asyncio:** `", $py, "._is_shutdown` (private in asyncio).")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::<u8>::new();")]
            /// q.shutdown();
            /// assert!(q.is_shut_down());
            /// ```
            pub fn is_shut_down(&self) -> bool {
                self.core.is_shut_down()
            }

            #[doc = concat!("The number of items in the queue.\n\n**asyncio:** `", $py, ".qsize()`.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::new();")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.qsize(), 1);
            /// ```
            #[doc(alias = "len")]
            pub fn qsize(&self) -> usize {
                self.core.qsize()
            }

            #[doc = concat!("Whether the queue holds no item.\n\n**asyncio:** `", $py, ".empty()`.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::<u8>::new();")]
            /// assert!(q.empty());
            /// ```
            #[doc(alias = "is_empty")]
            pub fn empty(&self) -> bool {
                self.qsize() == 0
            }

            #[doc = concat!("Whether a bounded queue holds `maxsize` items (never true for an unbounded ",
                "one).\n\n**asyncio:** `", $py, ".full()`.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = tulip_core::sync::", stringify!($Name), "::bounded(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(q.full());
            /// ```
            #[doc(alias = "is_full")]
            pub fn full(&self) -> bool {
                self.core.maxsize.is_some_and(|max| self.qsize() >= max)
            }

            #[doc = concat!("The bound, or `None` for an unbounded queue.\n\n**asyncio:** `", $py,
                ".maxsize` (where 0 means unbounded).")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(tulip_core::sync::", stringify!($Name), "::<u8>::bounded(3).maxsize(), Some(3));")]
            /// ```
            pub fn maxsize(&self) -> Option<usize> {
                self.core.maxsize
            }
        }

        impl<T $($bound)*> Default for $Name<T> {
            fn default() -> Self {
                $Name::new()
            }
        }

        impl<T $($bound)*> fmt::Debug for $Name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.core.fmt_fields(stringify!($Name), f)
            }
        }
    };
}

queue_type! {
    /// A first-in, first-out queue for passing items between tasks, bounded or not, with asyncio's
    /// `task_done` / `join` accounting of finished work.
    ///
    /// **asyncio:** `asyncio.Queue`. Differences: `new()` / `bounded(n)` instead of `maxsize=0`;
    /// `put_nowait` returns the item back in `Err(TryPutError::Full(item))`; after `shutdown()` (3.13)
    /// `put` and `get` return `Err(QueueShutDown)` instead of raising; `task_done` returns
    /// `Err(TaskDoneError)` instead of raising `ValueError`; `Send + Sync` (share it with `Rc` or `Arc`),
    /// so it also works between loops and threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use tulip_core::sync::Queue;
    /// tulip_core::run(async {
    ///     let q = Rc::new(Queue::bounded(2));
    ///     let producer = {
    ///         let q = q.clone();
    ///         tulip_core::spawn(async move {
    ///             for i in 0..5 {
    ///                 q.put(i).await.unwrap(); // waits while 2 items are queued
    ///             }
    ///         })
    ///     };
    ///     let mut got = Vec::new();
    ///     for _ in 0..5 {
    ///         got.push(q.get().await.unwrap());
    ///         q.task_done().unwrap();
    ///     }
    ///     producer.await;
    ///     q.join().await;
    ///     assert_eq!(got, [0, 1, 2, 3, 4]);
    /// });
    /// ```
    Queue, VecDeque<T>, VecDeque::new(), "Queue", []
}

queue_type! {
    /// A queue that hands out the smallest item first (by `Ord`), bounded or not.
    ///
    /// **asyncio:** `asyncio.PriorityQueue`. Differences: as for [`Queue`]; items are compared with
    /// `Ord` (use a `(priority, item)` tuple as in Python, or `std::cmp::Reverse` for largest first).
    /// Equal items come out in no particular order, as with Python's `heapq`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = tulip_core::sync::PriorityQueue::new();
    /// for (prio, job) in [(3, "low"), (1, "urgent"), (2, "normal")] {
    ///     q.put_nowait((prio, job)).unwrap();
    /// }
    /// assert_eq!(q.get_nowait(), Ok((1, "urgent")));
    /// assert_eq!(q.get_nowait(), Ok((2, "normal")));
    /// ```
    PriorityQueue, BinaryHeap<Reverse<T>>, BinaryHeap::new(), "PriorityQueue", [: Ord]
}

queue_type! {
    /// A last-in, first-out queue (a stack), bounded or not.
    ///
    /// **asyncio:** `asyncio.LifoQueue`. Differences: as for [`Queue`].
    ///
    /// # Examples
    ///
    /// ```
    /// let q = tulip_core::sync::LifoQueue::new();
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(2));
    /// ```
    LifoQueue, Vec<T>, Vec::new(), "LifoQueue", []
}
