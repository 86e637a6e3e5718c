//! `Permits`: a counter of permits that a release hands to the longest-waiting task, as asyncio's
//! `Lock` and `Semaphore` do: a task asking while others wait queues behind them, even if it asks in the
//! same step as the release, before the woken waiter has run.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The permit counter [`Lock`](super::Lock), [`Semaphore`](super::Semaphore) and
/// [`BoundedSemaphore`](super::BoundedSemaphore) share. `Send + Sync`: a short `std` mutex guards it.
///
/// # Invariant
///
/// `available > 0` only while no waiter is waiting for a permit: a release hands its permit to the
/// first waiter not yet served, and only adds to `available` when there is none.
pub(super) struct Permits {
    state: Mutex<State>,
    /// Permits given up with `SemaphoreGuard::forget` and not released back (`BoundedSemaphore`'s
    /// bound check).
    pub(super) forgotten: AtomicUsize,
}

struct State {
    /// Permits nobody holds and nobody was handed.
    available: usize,
    next_id: u64,
    /// Waiting [`Acquire`]s in arrival order; `granted` ones were handed a permit and have not run yet.
    queue: VecDeque<Waiter>,
}

struct Waiter {
    id: u64,
    waker: Waker,
    granted: bool,
}

impl Permits {
    pub(super) const fn new(n: usize) -> Permits {
        Permits {
            state: Mutex::new(State {
                available: n,
                next_id: 0,
                queue: VecDeque::new(),
            }),
            forgotten: AtomicUsize::new(0),
        }
    }

    /// The state; a panic while it was held (none of the code below panics) leaves it consistent.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a free permit (none is free while tasks wait: see the invariant).
    pub(super) fn try_take(&self) -> bool {
        let mut st = self.state();
        if st.available > 0 {
            st.available -= 1;
            true
        } else {
            false
        }
    }

    /// Waits for a permit, in arrival order.
    pub(super) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            permits: self,
            id: None,
        }
    }

    /// Gives a permit back: to the first waiter not yet served, or to the free count.
    pub(super) fn release(&self) {
        let waker = {
            let mut st = self.state();
            match st.queue.iter_mut().find(|w| !w.granted) {
                Some(w) => {
                    w.granted = true;
                    Some(w.waker.clone())
                }
                None => {
                    // asyncio's count is unbounded; at `usize::MAX` free permits one more changes
                    // nothing a program can observe, whereas wrapping to 0 would block every acquire.
                    st.available = st.available.saturating_add(1);
                    None
                }
            }
        };
        // Woken with the state released: a waker may run anything.
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether a released permit is waiting for the waiter it was handed to (which has not run yet).
    pub(super) fn handing_over(&self) -> bool {
        self.state().queue.iter().any(|w| w.granted)
    }

    /// Free permits (not counting the ones handed to waiters that have not run yet).
    pub(super) fn available(&self) -> usize {
        self.state().available
    }
}

/// The future of [`Permits::acquire`]; `Ready` holds one permit, which the caller must give back with
/// [`Permits::release`]. Dropped after it was handed a permit, it passes the permit on.
pub(super) struct Acquire<'a> {
    permits: &'a Permits,
    /// Its place in the queue once it waits; `None` before, and after it got its permit.
    id: Option<u64>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.permits.state();
        let Some(id) = self.id else {
            if st.available > 0 {
                st.available -= 1;
                return Poll::Ready(());
            }
            let id = st.next_id;
            st.next_id += 1;
            st.queue.push_back(Waiter {
                id,
                waker: cx.waker().clone(),
                granted: false,
            });
            drop(st);
            self.id = Some(id);
            return Poll::Pending;
        };
        let Some(pos) = st.queue.iter().position(|w| w.id == id) else {
            // Not reachable: only this future removes its entry, and it then clears `id`.
            drop(st);
            self.id = None;
            return Poll::Ready(());
        };
        if st.queue[pos].granted {
            st.queue.remove(pos);
            drop(st);
            self.id = None;
            return Poll::Ready(());
        }
        let w = &mut st.queue[pos].waker;
        if !w.will_wake(cx.waker()) {
            w.clone_from(cx.waker());
        }
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let waiter = {
            let mut st = self.permits.state();
            let pos = st.queue.iter().position(|w| w.id == id);
            pos.and_then(|pos| st.queue.remove(pos))
        };
        // Its waker is dropped with the state released.
        if waiter.is_some_and(|w| w.granted) {
            // Cancelled after a release picked it: the permit goes to the next waiter.
            self.permits.release();
        }
    }
}
