//! `Driver` and `ReadySet`: drive many futures in place (`gather`, `as_completed`) with one waker per
//! child, so a wake-up polls only the child that was woken instead of all of them.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use concurrent_queue::ConcurrentQueue;

/// What the child wakers share with their parent.
struct Shared {
    /// The waker of the task polling the parent future.
    parent: Mutex<Option<Waker>>,
    /// Indices woken since the last drain, each at most once (see `queued`).
    woken: ConcurrentQueue<usize>,
    /// `queued[i]`: `i` is in `woken` and not yet drained.
    queued: Box<[AtomicBool]>,
}

/// The waker handed to child `index`.
struct ChildWaker {
    shared: Arc<Shared>,
    index: usize,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.shared.queued[self.index].swap(true, Ordering::AcqRel) {
            return; // Already queued: the parent will poll this child anyway.
        }
        // Unbounded and never closed, so `push` cannot fail.
        let _ = self.shared.woken.push(self.index);
        let parent = self
            .shared
            .parent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(w) = parent {
            w.wake();
        }
    }
}

/// Tracks which of `n` children were woken. Every child starts out woken, so the first poll polls all.
pub(crate) struct ReadySet {
    shared: Arc<Shared>,
    wakers: Vec<Waker>,
}

impl ReadySet {
    pub(crate) fn new(n: usize) -> ReadySet {
        let shared = Arc::new(Shared {
            parent: Mutex::new(None),
            woken: ConcurrentQueue::unbounded(),
            queued: (0..n).map(|_| AtomicBool::new(true)).collect(),
        });
        for i in 0..n {
            let _ = shared.woken.push(i);
        }
        let wakers = (0..n)
            .map(|index| {
                Waker::from(Arc::new(ChildWaker {
                    shared: shared.clone(),
                    index,
                }))
            })
            .collect();
        ReadySet { shared, wakers }
    }

    /// Records the parent's waker, then moves the woken indices into `out`. A child woken after this
    /// call (even while it is being polled) is queued again and wakes the parent.
    pub(crate) fn drain(&self, cx: &Context<'_>, out: &mut Vec<usize>) {
        {
            let mut parent = self.shared.parent.lock().unwrap_or_else(|e| e.into_inner());
            match &*parent {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *parent = Some(cx.waker().clone()),
            }
        }
        out.clear();
        while let Ok(i) = self.shared.woken.pop() {
            self.shared.queued[i].store(false, Ordering::Release);
            out.push(i);
        }
    }

    /// The waker to poll child `index` with.
    pub(crate) fn waker(&self, index: usize) -> &Waker {
        &self.wakers[index]
    }
}

/// Owns `n` futures and polls the woken ones. Each future is boxed so it stays pinned without `unsafe`
/// (one allocation per child, as asyncio allocates a task per awaitable) and dropped as soon as it
/// completes.
pub(crate) struct Driver<F> {
    futures: Vec<Option<Pin<Box<F>>>>,
    ready: ReadySet,
    woken: Vec<usize>,
    remaining: usize,
}

impl<F: Future> Driver<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        let n = futures.len();
        Driver {
            futures,
            ready: ReadySet::new(n),
            woken: Vec::new(),
            remaining: n,
        }
    }

    /// How many futures the driver was given.
    pub(crate) fn len(&self) -> usize {
        self.futures.len()
    }

    /// How many futures have not completed (and were not dropped by [`Driver::clear`]).
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// Polls every woken child once and calls `on_done(index, output)` for each one that completes,
    /// stopping early when `on_done` breaks. A panic in a child propagates to the caller.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        mut on_done: impl FnMut(usize, F::Output) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if self.remaining == 0 {
            return ControlFlow::Continue(());
        }
        let mut woken = std::mem::take(&mut self.woken);
        self.ready.drain(cx, &mut woken);
        let mut flow = ControlFlow::Continue(());
        for (k, &i) in woken.iter().enumerate() {
            let Some(fut) = self.futures[i].as_mut() else {
                continue; // Completed earlier; a stale wake.
            };
            let mut child_cx = Context::from_waker(self.ready.waker(i));
            if let Poll::Ready(out) = fut.as_mut().poll(&mut child_cx) {
                self.futures[i] = None;
                self.remaining -= 1;
                if on_done(i, out).is_break() {
                    // Children woken but not polled yet stay queued for the next poll.
                    for &j in &woken[k + 1..] {
                        self.ready.waker(j).wake_by_ref();
                    }
                    flow = ControlFlow::Break(());
                    break;
                }
            }
        }
        self.woken = woken;
        flow
    }

    /// Drops every future that has not completed (cancels them).
    pub(crate) fn clear(&mut self) {
        for f in &mut self.futures {
            *f = None;
        }
        self.remaining = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn first_drain_yields_every_child_then_only_woken_ones() {
        let set = ReadySet::new(3);
        let noop = Waker::from(Arc::new(Noop));
        let cx = Context::from_waker(&noop);
        let mut out = Vec::new();
        set.drain(&cx, &mut out);
        assert_eq!(out, [0, 1, 2]);
        set.drain(&cx, &mut out);
        assert!(out.is_empty());
        set.waker(2).wake_by_ref();
        set.waker(2).wake_by_ref();
        set.waker(0).wake_by_ref();
        set.drain(&cx, &mut out);
        assert_eq!(out, [2, 0]);
    }
}
