//! The queue other threads hand a loop work through, and its closed flag.

use super::atomic::{AtomicBool, Ordering};

/// A multi-producer queue the loop drains, which refuses work once the loop has shut down.
///
/// Protocol: a producer checks `closed` and then pushes; a push the queue accepted before
/// [`Injector::close`] is drained by the loop after it (the loop closes, then pops until empty), and a
/// push after it is refused by the queue itself, so the producer gets its work back. No work is both
/// accepted and left undrained, none is run twice. The flag only spares a refused producer the push.
///
/// The queue is `concurrent_queue::ConcurrentQueue` (unbounded); in a loom build, a `Mutex`ed
/// `VecDeque` with its own closed bit, which has the same linearizable push/pop/close.
///
/// **asyncio:** the loop's `_ready` deque that `call_soon_threadsafe` appends to under the GIL, plus
/// the closed check of `_check_closed()`.
pub struct Injector<T> {
    closed: AtomicBool,
    queue: Queue<T>,
}

impl<T> std::fmt::Debug for Injector<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Injector")
            .field("closed", &self.is_closed())
            .field("len", &self.len())
            .finish()
    }
}

impl<T> Default for Injector<T> {
    fn default() -> Self {
        Injector::new()
    }
}

impl<T> Injector<T> {
    /// An open, empty injector.
    pub fn new() -> Injector<T> {
        Injector {
            closed: AtomicBool::new(false),
            queue: Queue::new(),
        }
    }

    /// Queues `work` for the loop, or gives it back if the injector is closed.
    #[inline]
    pub fn push(&self, work: T) -> Result<(), T> {
        if self.closed.load(Ordering::Acquire) {
            return Err(work);
        }
        self.queue.push(work)
    }

    /// Takes the oldest queued work.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.queue.pop()
    }

    /// Whether nothing is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How much is queued.
    #[inline]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether [`Injector::close`] has run.
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Refuses every later push. What was accepted before stays queued for the loop to drain.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.queue.close();
    }
}

#[cfg(not(tulip_loom))]
struct Queue<T>(concurrent_queue::ConcurrentQueue<T>);

#[cfg(not(tulip_loom))]
impl<T> Queue<T> {
    fn new() -> Self {
        Queue(concurrent_queue::ConcurrentQueue::unbounded())
    }
    #[inline]
    fn push(&self, work: T) -> Result<(), T> {
        self.0.push(work).map_err(|e| e.into_inner())
    }
    #[inline]
    fn pop(&self) -> Option<T> {
        self.0.pop().ok()
    }
    #[inline]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
    fn close(&self) {
        self.0.close();
    }
}

#[cfg(tulip_loom)]
struct Queue<T>(loom::sync::Mutex<(std::collections::VecDeque<T>, bool)>);

#[cfg(tulip_loom)]
impl<T> Queue<T> {
    fn new() -> Self {
        Queue(loom::sync::Mutex::new((
            std::collections::VecDeque::new(),
            false,
        )))
    }
    fn push(&self, work: T) -> Result<(), T> {
        let mut q = super::lock(&self.0);
        if q.1 {
            return Err(work);
        }
        q.0.push_back(work);
        Ok(())
    }
    fn pop(&self) -> Option<T> {
        super::lock(&self.0).0.pop_front()
    }
    fn is_empty(&self) -> bool {
        super::lock(&self.0).0.is_empty()
    }
    fn len(&self) -> usize {
        super::lock(&self.0).0.len()
    }
    fn close(&self) {
        super::lock(&self.0).1 = true;
    }
}
