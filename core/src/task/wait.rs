//! `wait`, `as_completed`, `shield` and `wait_for`: waiting on several tasks, in completion order,
//! past cancellation, or against a deadline.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};

use super::ready::Driver;
use super::{Task, TaskOutcome};

/// When [`wait`] returns.
///
/// **asyncio:** the `return_when` constants `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`.
///
/// # Examples
///
/// ```
/// use tulip_core::task::ReturnWhen;
/// assert_eq!(ReturnWhen::default(), ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReturnWhen {
    /// As soon as any task has ended (finished, panicked or been cancelled).
    #[doc(alias = "FIRST_COMPLETED")]
    FirstCompleted,
    /// As soon as any task has panicked; when none does, once all have ended. A cancelled task does
    /// not count as an exception (as in asyncio), and neither does an `Err` output: it is a value.
    #[doc(alias = "FIRST_EXCEPTION")]
    FirstException,
    /// Once every task has ended.
    #[default]
    #[doc(alias = "ALL_COMPLETED")]
    AllCompleted,
}

/// What the done-callbacks of [`wait`] report to the waiting future.
#[derive(Default)]
struct WaitState {
    ended: Cell<usize>,
    panicked: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

/// Waits until `return_when` is met or `timeout` has passed, then hands every task back: `(done,
/// pending)`, each in input order. Nothing is cancelled, not even on timeout; a task in `done` can be
/// awaited (or [`join`](Task::join)ed) without waiting.
///
/// An empty input returns two empty `Vec`s at once.
///
/// **asyncio:** `done, pending = await asyncio.wait(tasks, timeout=None, return_when=ALL_COMPLETED)`.
/// Differences: `Vec`s in input order instead of sets; `timeout` is an `Option<Duration>`; an empty input
/// is not an error. As in asyncio, completion is learnt through done-callbacks, which run one loop
/// iteration after a task ends.
///
/// # Panics
///
/// When a task belongs to another loop or no loop runs on this thread (done-callbacks are loop-local).
///
/// # Cancel safety
///
/// Dropping the future drops the tasks handed to it, and a dropped [`Task`] is cancelled (asyncio's
/// `wait` leaves its tasks running when it is cancelled). Tasks whose work must outlive a cancelled
/// waiter can run their future under [`shield`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_core::task::{wait, ReturnWhen};
/// tulip_core::run(async {
///     let tasks = [10, 3600].map(|s| tulip_core::spawn(tulip_time::sleep(Duration::from_secs(s))));
///     let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted, None).await;
///     assert_eq!((done.len(), pending.len()), (1, 1));
/// });
/// ```
pub async fn wait<T, I>(
    tasks: I,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> (Vec<Task<T>>, Vec<Task<T>>)
where
    I: IntoIterator<Item = Task<T>>,
{
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    if tasks.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let state = Rc::new(WaitState::default());
    for task in &tasks {
        let state = state.clone();
        task.add_done_callback(move |outcome| {
            state.ended.set(state.ended.get() + 1);
            if outcome == TaskOutcome::Panicked {
                state.panicked.set(true);
            }
            if let Some(w) = state.waker.take() {
                w.wake();
            }
        });
    }
    let n = tasks.len();
    let mut deadline = timeout.map(tulip_time::sleep);
    poll_fn(|cx| {
        let ended = state.ended.get();
        let met = match return_when {
            ReturnWhen::FirstCompleted => ended > 0,
            ReturnWhen::FirstException => state.panicked.get() || ended == n,
            ReturnWhen::AllCompleted => ended == n,
        };
        if met {
            return Poll::Ready(());
        }
        if let Some(sleep) = deadline.as_mut() {
            if Pin::new(sleep).poll(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        state.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    })
    .await;
    tasks.into_iter().partition(|t| t.is_finished())
}

/// Runs the futures concurrently in the calling task and yields each output as soon as its future
/// completes: a [`Stream`] in completion order.
///
/// A panic in a future propagates out of the stream's poll; pass [`Task::join`] futures to receive it
/// as a [`TaskError`](crate::TaskError) instead.
///
/// **asyncio:** `for coro in asyncio.as_completed(aws): result = await coro`. Differences: a stream of
/// outputs rather than an iterator of awaitables; no `timeout` argument (wrap each
/// [`next`](AsCompleted::next) in [`tulip_time::timeout`]); the futures are polled in place, not
/// spawned.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let mut s = tulip_core::as_completed([30, 10, 20].map(|ms| async move {
///         tulip_time::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some(ms) = s.next().await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        driver: Driver::new(futures),
        ready: VecDeque::new(),
    }
}

/// The stream returned by [`as_completed`].
///
/// **asyncio:** the iterator `asyncio.as_completed` returns.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let s: tulip_core::task::AsCompleted<_> = tulip_core::as_completed([async { 1 }]);
///     assert_eq!(s.len(), 1);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<F: Future> {
    driver: Driver<F>,
    /// Outputs completed in one poll of the driver, waiting to be yielded.
    ready: VecDeque<F::Output>,
}

impl<F: Future> fmt::Debug for AsCompleted<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("len", &self.len())
            .finish()
    }
}

impl<F: Future> AsCompleted<F> {
    /// The next output in completion order; `None` once every future has been yielded.
    ///
    /// **asyncio:** `await next_coro` inside `for next_coro in as_completed(aws)`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future loses nothing: an output is only taken when it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut s = tulip_core::as_completed([async { 1 }]);
    ///     assert_eq!(s.next().await, Some(1));
    ///     assert_eq!(s.next().await, None);
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<F::Output> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many outputs are still to come.
    ///
    /// **asyncio:** no counterpart (the `as_completed` iterator has no length).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let mut s = tulip_core::as_completed([1, 2].map(|i| async move { i }));
    ///     s.next().await;
    ///     assert_eq!(s.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.driver.remaining() + self.ready.len()
    }

    /// Whether every output has been yielded.
    ///
    /// **asyncio:** no counterpart.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tulip_core::as_completed(Vec::<std::future::Ready<()>>::new());
    /// assert!(s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// The futures are boxed and the outputs are never pinned.
impl<F: Future> Unpin for AsCompleted<F> {}

impl<F: Future> Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = &mut *self;
        if this.ready.is_empty() {
            let ready = &mut this.ready;
            let _ = this.driver.poll(cx, |_, out| {
                ready.push_back(out);
                ControlFlow::Continue(())
            });
        }
        match this.ready.pop_front() {
            Some(out) => Poll::Ready(Some(out)),
            None if this.driver.remaining() == 0 => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl<F: Future> FusedStream for AsCompleted<F> {
    fn is_terminated(&self) -> bool {
        self.is_empty()
    }
}

/// Runs `future` as a task of its own that survives the cancellation of whoever awaits it.
///
/// Awaiting the `Shield` gives the future's output (a panic is resumed, as awaiting a [`Task`] does).
/// Dropping the `Shield` before that, which is how the awaiting task gets cancelled, **detaches** the
/// task instead of cancelling it: the future runs to completion and its output is dropped.
///
/// **asyncio:** `await asyncio.shield(aw)`. Differences: the inner task is spawned at once (asyncio
/// does too, via `ensure_future`); cancelling the inner task itself is not possible through the
/// shield.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// // A paused clock: the two sleeps end in deadline order, however busy the machine is.
/// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
/// lp.block_on(async {
///     let saved = Rc::new(Cell::new(false));
///     let s = saved.clone();
///     let outer = tulip_core::spawn(tulip_core::shield(async move {
///         tulip_time::sleep(Duration::from_millis(10)).await;
///         s.set(true); // e.g. commit a transaction
///     }));
///     tulip_core::yield_now().await;
///     outer.cancel().await; // the outer task is cancelled...
///     tulip_time::sleep(Duration::from_millis(20)).await;
///     assert!(saved.get()); // ...the shielded one still finished
/// });
/// ```
#[track_caller]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Shield {
        task: Some(crate::spawn(future)),
    }
}

/// The future returned by [`shield`]; dropping it detaches the inner task.
///
/// **asyncio:** the outer future `asyncio.shield` returns.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let s: tulip_core::task::Shield<i32> = tulip_core::shield(async { 4 });
///     assert_eq!(s.await, 4);
/// });
/// ```
#[must_use = "dropping a Shield lets the shielded task run on, detached; await it for the output"]
pub struct Shield<T> {
    task: Option<Task<T>>,
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("task", &self.task).finish()
    }
}

impl<T> Shield<T> {
    /// The shielded task, to cancel it after all, or to detach it explicitly.
    ///
    /// **asyncio:** the inner task `shield` creates with `ensure_future(aw)`, which asyncio code
    /// cancels through its own reference to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// tulip_core::run(async {
    ///     let s = tulip_core::shield(tulip_time::sleep(Duration::from_secs(3600)));
    ///     assert_eq!(s.into_task().cancel().await, None);
    /// });
    /// ```
    pub fn into_task(mut self) -> Task<T> {
        self.task.take().expect("Shield polled after completion")
    }
}

impl<T> Future for Shield<T> {
    type Output = T;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let task = self.task.as_mut().expect("Shield polled after completion");
        let out = std::task::ready!(Pin::new(task).poll(cx));
        self.task = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for Shield<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

/// Runs `future` for at most `timeout`; past that it is dropped and the result is
/// [`Elapsed`](tulip_time::Elapsed). The same as [`tulip_time::timeout`], with asyncio's argument order.
///
/// The deadline is checked as [`tulip_time::timeout`]'s: a future ready on its first poll wins, and
/// a result arriving in the loop iteration in which the deadline passes loses to it.
///
/// **asyncio:** `await asyncio.wait_for(aw, timeout)`. Differences: the future is dropped (Rust's
/// cancellation) rather than cancelled and awaited; the error is `Elapsed` (asyncio's `TimeoutError`);
/// as in 3.12 (where `wait_for` is `async with timeout()`), not 3.11 (which ran `aw` as a task of its
/// own and returned a result that came with the deadline).
/// For asyncio 3.11's `async with asyncio.timeout(delay)` block use [`tulip_time::timeout`], whose
/// deadline can be moved with [`Timeout::reschedule`](tulip_time::Timeout::reschedule).
///
/// # Cancel safety
///
/// Dropping the returned future drops `future` and cancels the timer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let slow = tulip_time::sleep(Duration::from_secs(3600));
///     assert!(tulip_core::wait_for(slow, Duration::from_millis(5)).await.is_err());
///     assert_eq!(tulip_core::wait_for(async { 1 }, Duration::from_millis(5)).await, Ok(1));
/// });
/// ```
pub fn wait_for<F: Future>(future: F, timeout: Duration) -> tulip_time::Timeout<F> {
    tulip_time::timeout(timeout, future)
}
