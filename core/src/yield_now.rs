//! `yield_now`: let every task step and callback that is ready run first.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the loop: the task's next step goes to the back of the ready queue, so every task step and
/// callback that was ready before it (and due timers) runs first; it resumes in the next loop iteration.
/// A task that keeps yielding cannot starve timers or I/O.
///
/// **asyncio:** `await asyncio.sleep(0)`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let t = tulip_core::spawn(async { 1 });
///     tulip_core::yield_now().await;
///     assert!(t.is_finished());
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// **asyncio:** the awaitable `asyncio.sleep(0)` returns.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let y: tulip_core::YieldNow = tulip_core::yield_now();
///     y.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
