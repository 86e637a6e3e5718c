//! The cooperative budget: how many runtime operations a task may complete in one poll before it must yield.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete per poll before the runtime's own futures start returning `Pending`.
pub(crate) const TASK_BUDGET: u32 = 128;

thread_local! {
    static BUDGET: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Spends one unit of the running task's budget, or, when it is used up, wakes the task and returns
/// `Pending` so it goes to the back of the run queue and timers and I/O get their turn.
///
/// The runtime's leaf futures (socket reads and writes, accepts, `yield_now`) call this first, so a task
/// whose I/O is always ready still yields now and then (tokio's coop budget). Outside a task the budget
/// is unlimited.
///
/// **asyncio:** no counterpart: asyncio's coroutines yield only at real suspension points, so a socket
/// that is always readable can starve the loop there.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(tulip_core::coop::poll_proceed(&mut cx).is_ready());
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|b| {
        let left = b.get();
        if left == 0 {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            b.set(left - 1);
            Poll::Ready(())
        }
    })
}

/// Whether the running task still has budget left.
///
/// **asyncio:** none (asyncio has no cooperative budget: a coroutine that never awaits starves the loop).
///
/// # Examples
///
/// ```
/// assert!(tulip_core::coop::has_budget_remaining());
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    BUDGET.with(|b| b.get() > 0)
}

/// Gives the current poll a fresh budget; the previous one comes back when the guard drops.
#[inline]
pub(crate) fn with_budget<R>(budget: u32, f: impl FnOnce() -> R) -> R {
    struct Restore(u32);
    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            let _ = BUDGET.try_with(|b| b.set(self.0));
        }
    }
    let prev = BUDGET.with(|b| b.replace(budget));
    let _restore = Restore(prev);
    f()
}
