//! The blocking pool's hand-off: the slot a pool thread leaves a job's result in for the task awaiting
//! it, and a loop's count of jobs in flight.

use std::sync::Arc;
use std::task::Waker;

use super::atomic::{AtomicUsize, Ordering};
use super::{lock, Mutex};

/// Where a pool thread leaves a job's result, with the waker of the task awaiting it and a guard `G`
/// (the job's unit of its loop's [`InFlightCount`]) to release once that task has been woken.
///
/// Protocol: [`Handoff::complete`] stores the result and takes the waker under the lock, then wakes,
/// then drops the guard; [`Handoff::poll`] takes the result, or stores the waker, under the same lock.
/// So the waiter either finds the result or is woken after it is there, and a loop that sees the
/// guard released also sees the wake-up (the work it queued).
///
/// **asyncio:** the `concurrent.futures.Future` that `run_in_executor` wraps, and its
/// `call_soon_threadsafe` back to the loop.
pub struct Handoff<T, G> {
    state: Mutex<State<T, G>>,
}

struct State<T, G> {
    result: Option<T>,
    waker: Option<Waker>,
    guard: Option<G>,
}

impl<T, G> std::fmt::Debug for Handoff<T, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff").finish_non_exhaustive()
    }
}

impl<T, G> Handoff<T, G> {
    /// An empty slot holding `guard` until the result is handed over.
    pub fn new(guard: Option<G>) -> Handoff<T, G> {
        Handoff {
            state: Mutex::new(State {
                result: None,
                waker: None,
                guard,
            }),
        }
    }

    /// The pool thread, once the job is done: leaves `result`, wakes the waiter, and only then drops
    /// the guard.
    pub fn complete(&self, result: T) {
        let (waker, guard) = {
            let mut state = lock(&self.state);
            state.result = Some(result);
            (state.waker.take(), state.guard.take())
        };
        if let Some(w) = waker {
            w.wake();
        }
        drop(guard);
    }

    /// The awaiting task: the result if it is there; otherwise stores `waker` to be woken with it, and
    /// a guard from `guard` if the slot has none yet (a job started outside a loop counts on the loop
    /// that awaits it).
    pub fn poll(&self, waker: &Waker, guard: impl FnOnce() -> Option<G>) -> Option<T> {
        let mut state = lock(&self.state);
        if let Some(result) = state.result.take() {
            return Some(result);
        }
        match &mut state.waker {
            Some(w) => w.clone_from(waker),
            None => state.waker = Some(waker.clone()),
        }
        if state.guard.is_none() {
            state.guard = guard();
        }
        None
    }
}

/// A loop's count of blocking jobs in flight: while it is above zero, a loop with a paused clock does
/// not jump the clock to its next timer (the jobs take real time the paused clock does not see).
///
/// Every access is `SeqCst`: a job wakes its waiter before [`InFlightCount::leave`], so a loop that
/// reads zero with [`InFlightCount::is_idle`] and then looks for work finds that wake-up.
#[derive(Debug, Clone, Default)]
pub struct InFlightCount(Arc<AtomicUsize>);

impl InFlightCount {
    /// A count of zero.
    pub fn new() -> InFlightCount {
        InFlightCount(Arc::new(AtomicUsize::new(0)))
    }

    /// One more job in flight.
    pub fn enter(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// One job fewer; true when it was the last.
    pub fn leave(&self) -> bool {
        self.0.fetch_sub(1, Ordering::SeqCst) == 1
    }

    /// Whether no job is in flight.
    pub fn is_idle(&self) -> bool {
        self.0.load(Ordering::SeqCst) == 0
    }
}
