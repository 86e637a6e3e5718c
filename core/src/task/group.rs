//! `TaskGroup`: spawn children into a scope, wait for all of them, cancel the rest when one fails and
//! report every failure.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::{panic_message, Task};

/// A scope of child tasks: [`spawn`](TaskGroup::spawn) children into it, then
/// [`join`](TaskGroup::join) it to wait for every one of them. The first child that fails (panics, or
/// returns `Err` when spawned with [`try_spawn`](TaskGroup::try_spawn)) cancels all its siblings, and
/// `join` reports **every** failure in a [`TaskGroupError`], as asyncio reports an `ExceptionGroup`.
///
/// **asyncio:** `async with asyncio.TaskGroup() as tg: tg.create_task(coro)` (Python 3.11). Differences:
///
/// - **The scope ends at `join().await`**, not at the end of an `async with` block. Dropping a group
///   without joining it cancels its children without waiting for them (Rust has no async drop).
/// - **The owner is not interrupted.** asyncio cancels the body of the `async with` block when a child
///   fails; here the code between `spawn` and `join` runs on and learns of the failure from `join`.
///   Spawn work that must be interrupted into the group as a child.
/// - **Children cannot spawn into their own group** (the group is not `'static`); use a nested group.
/// - **A child spawned after a failure** starts cancelled and never runs (asyncio raises
///   `RuntimeError`).
/// - **Same-iteration failures are all reported.** As in asyncio, where a failing child cancels its
///   siblings from a done-callback, the cancellation is scheduled with `call_soon`: children already
///   running in the same loop iteration finish their step, and if they fail too, both failures are
///   reported.
/// - **Outputs**: children return one type `T`; `join` gives their outputs in spawn order, and `spawn`
///   returns the child's index in that `Vec`.
///
/// The group is loop-local (`!Send`): spawn and join it on one loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_core::task::TaskGroup;
/// tulip_core::run(async {
///     let group = TaskGroup::new();
///     for ms in [30, 10, 20] {
///         group.spawn(async move {
///             tulip_time::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     assert_eq!(group.join().await.unwrap(), [30, 10, 20]);
///
///     let group = TaskGroup::new();
///     group.spawn(async { panic!("first") });
///     group.spawn(async { panic!("second") });
///     group.spawn(tulip_time::sleep(Duration::from_secs(3600))); // cancelled by the failures
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.failures().len(), 2);
///     assert_eq!(err.cancelled(), [2]);
/// });
/// ```
pub struct TaskGroup<T, E = Infallible> {
    shared: Rc<Shared<E>>,
    tasks: RefCell<Vec<Task<Child<T>>>>,
}

/// What the children and the group share.
struct Shared<E> {
    /// The siblings were told to stop: every child checks this before each poll.
    aborted: Cell<bool>,
    /// The abort is scheduled (with `call_soon`) but may not have run yet.
    abort_scheduled: Cell<bool>,
    /// Each child's waker while it is pending, by index, so the abort can wake it.
    wakers: RefCell<Vec<Option<Waker>>>,
    /// Every failure, in the order it happened.
    failures: RefCell<Vec<ChildFailure<E>>>,
}

impl<E: 'static> Shared<E> {
    fn record(self: &Rc<Self>, failure: ChildFailure<E>) {
        self.failures.borrow_mut().push(failure);
        if !self.abort_scheduled.replace(true) {
            let shared = self.clone();
            let _ = crate::call_soon(move || shared.abort());
        }
    }

    fn abort(&self) {
        self.abort_scheduled.set(true);
        if self.aborted.replace(true) {
            return;
        }
        // Take the wakers first: waking runs no user code here, but keep the borrow short anyway.
        let wakers: Vec<Waker> = self
            .wakers
            .borrow_mut()
            .iter_mut()
            .flat_map(Option::take)
            .collect();
        for w in wakers {
            w.wake();
        }
    }

    fn set_waker(&self, index: usize, waker: Option<&Waker>) {
        let mut wakers = self.wakers.borrow_mut();
        match (&mut wakers[index], waker) {
            (Some(old), Some(new)) if old.will_wake(new) => {}
            (slot, new) => *slot = new.cloned(),
        }
    }
}

/// What a child task returns to the group. Failures are stored in `Shared` as they happen.
enum Child<T> {
    Done(T),
    Failed,
    Cancelled,
}

pin_project! {
    /// A child's future as the group runs it: stops at the group's abort, catches panics, records
    /// failures.
    struct Guarded<F, E> {
        #[pin]
        future: Option<F>,
        index: usize,
        shared: Rc<Shared<E>>,
    }
}

impl<F, T, E> Future for Guarded<F, E>
where
    F: Future<Output = Result<T, E>>,
    E: 'static,
{
    type Output = Child<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Child<T>> {
        let mut this = self.project();
        let index = *this.index;
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(Child::Cancelled);
        };
        if this.shared.aborted.get() {
            this.future.set(None);
            return Poll::Ready(Child::Cancelled);
        }
        let res = catch_unwind(AssertUnwindSafe(|| future.poll(cx)));
        let child = match res {
            Ok(Poll::Pending) => {
                this.shared.set_waker(index, Some(cx.waker()));
                return Poll::Pending;
            }
            Ok(Poll::Ready(Ok(v))) => Child::Done(v),
            Ok(Poll::Ready(Err(error))) => {
                this.shared.record(ChildFailure::Failed { index, error });
                Child::Failed
            }
            Err(payload) => {
                this.shared
                    .record(ChildFailure::Panicked { index, payload });
                Child::Failed
            }
        };
        this.shared.set_waker(index, None);
        this.future.set(None);
        Poll::Ready(child)
    }
}

impl<T> TaskGroup<T> {
    /// An empty group whose children return `T` and fail only by panicking.
    ///
    /// **asyncio:** `asyncio.TaskGroup()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { 1 });
    ///     assert_eq!(group.join().await.unwrap(), [1]);
    /// });
    /// ```
    pub fn new() -> Self {
        TaskGroup::fallible()
    }
}

impl<T> Default for TaskGroup<T> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> TaskGroup<T, E> {
    /// An empty group whose children may also fail by returning `Err(E)` (see
    /// [`try_spawn`](TaskGroup::try_spawn)).
    ///
    /// **asyncio:** `asyncio.TaskGroup()` with children that raise exceptions.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::fallible();
    ///     group.try_spawn(async { Ok(1) });
    ///     group.try_spawn(async { Err("bad input") });
    ///     let err = group.join().await.unwrap_err();
    ///     assert_eq!(err.failures()[0].error(), Some(&"bad input"));
    /// });
    /// ```
    pub fn fallible() -> Self {
        TaskGroup {
            shared: Rc::new(Shared {
                aborted: Cell::new(false),
                abort_scheduled: Cell::new(false),
                wakers: RefCell::new(Vec::new()),
                failures: RefCell::new(Vec::new()),
            }),
            tasks: RefCell::new(Vec::new()),
        }
    }

    /// How many children were spawned into the group.
    ///
    /// **asyncio:** no public counterpart (`len(tg._tasks)` counts the unfinished ones).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async {});
    ///     assert_eq!(group.len(), 1);
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Whether no child was spawned yet.
    ///
    /// **asyncio:** no public counterpart.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = tulip_core::task::TaskGroup::<()>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a child has failed, so the others are being (or have been) cancelled.
    ///
    /// **asyncio:** the group's private `_aborting` flag.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     tulip_core::yield_now().await;
    ///     assert!(group.is_aborting());
    ///     assert!(group.join().await.is_err());
    /// });
    /// ```
    pub fn is_aborting(&self) -> bool {
        self.shared.abort_scheduled.get()
    }
}

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// Spawns `future` as a child task on the running loop and returns its index in the output of
    /// [`join`](TaskGroup::join). A panic in the child cancels its siblings.
    ///
    /// **asyncio:** `tg.create_task(coro)`.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     let a = group.spawn(async { "a" });
    ///     let b = group.spawn(async { "b" });
    ///     let out = group.join().await.unwrap();
    ///     assert_eq!((out[a], out[b]), ("a", "b"));
    /// });
    /// ```
    #[doc(alias = "create_task")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> usize
    where
        F: Future<Output = T> + 'static,
    {
        self.try_spawn(async move { Ok(future.await) })
    }

    /// Spawns a child that fails by returning `Err` (or by panicking); either cancels its siblings.
    /// Returns its index in the output of [`join`](TaskGroup::join).
    ///
    /// **asyncio:** `tg.create_task(coro)` for a coroutine that may raise.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::fallible();
    ///     group.try_spawn(async { "42".parse::<u8>() });
    ///     assert_eq!(group.join().await.unwrap(), [42]);
    /// });
    /// ```
    #[track_caller]
    pub fn try_spawn<F>(&self, future: F) -> usize
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        let mut tasks = self.tasks.borrow_mut();
        let index = tasks.len();
        self.shared.wakers.borrow_mut().push(None);
        let guarded = Guarded {
            future: Some(future),
            index,
            shared: self.shared.clone(),
        };
        tasks.push(super::Builder::new().spawn(guarded));
        index
    }

    /// Waits for every child, then returns their outputs in spawn order, or every failure.
    ///
    /// **asyncio:** leaving the `async with asyncio.TaskGroup()` block. Differences: see
    /// [`TaskGroup`].
    ///
    /// # Errors
    ///
    /// When a child failed: a [`TaskGroupError`] with every failure, in the order they happened, and
    /// the indices of the children cancelled because of them.
    ///
    /// # Cancel safety
    ///
    /// Dropping the `join` future cancels the children still running (asyncio cancels them too when
    /// the task in `__aexit__` is cancelled), without waiting for them.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { 1 });
    ///     group.spawn(async { 2 });
    ///     assert_eq!(group.join().await.unwrap(), [1, 2]);
    /// });
    /// ```
    pub async fn join(self) -> Result<Vec<T>, TaskGroupError<E>> {
        let TaskGroup { shared, tasks } = self;
        let tasks = tasks.into_inner();
        let total = tasks.len();
        let mut outputs = Vec::with_capacity(total);
        let mut cancelled = Vec::new();
        for (index, task) in tasks.into_iter().enumerate() {
            let out = match task.join().await {
                Ok(Child::Done(v)) => Some(v),
                Ok(Child::Failed) => None,
                Ok(Child::Cancelled) => {
                    cancelled.push(index);
                    None
                }
                // The harness caught a panic the guard could not (the child's future panicked while
                // being dropped), or the loop cancelled the task at shutdown.
                Err(e) => {
                    match e.try_into_panic() {
                        Ok(payload) => {
                            shared
                                .failures
                                .borrow_mut()
                                .push(ChildFailure::Panicked { index, payload });
                            shared.abort();
                        }
                        Err(_) => cancelled.push(index),
                    }
                    None
                }
            };
            outputs.push(out);
        }
        let failures = shared.failures.take();
        if failures.is_empty() && cancelled.is_empty() {
            Ok(outputs.into_iter().flatten().collect())
        } else {
            Err(TaskGroupError {
                failures,
                cancelled,
                total,
            })
        }
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.len())
            .field("failures", &self.shared.failures.borrow().len())
            .field("aborting", &self.is_aborting())
            .finish()
    }
}

/// One failed child of a [`TaskGroup`].
///
/// **asyncio:** one of the exceptions in `ExceptionGroup.exceptions`.
///
/// # Examples
///
/// ```
/// use tulip_core::task::{ChildFailure, TaskGroup};
/// tulip_core::run(async {
///     let group = TaskGroup::<(), &str>::fallible();
///     group.try_spawn(async { Err("nope") });
///     let err = group.join().await.unwrap_err();
///     match &err.failures()[0] {
///         ChildFailure::Failed { index, error } => assert_eq!((*index, *error), (0, "nope")),
///         ChildFailure::Panicked { .. } => unreachable!(),
///     }
/// });
/// ```
pub enum ChildFailure<E> {
    /// The child panicked; `payload` is what `std::panic::catch_unwind` caught.
    Panicked {
        /// The child's index (its position in spawn order).
        index: usize,
        /// The panic payload.
        payload: Box<dyn Any + Send>,
    },
    /// The child returned `Err(error)`.
    Failed {
        /// The child's index (its position in spawn order).
        index: usize,
        /// The error it returned.
        error: E,
    },
}

impl<E> ChildFailure<E> {
    /// The failed child's index, in spawn order.
    ///
    /// **asyncio:** no counterpart (an exception in an `ExceptionGroup` does not name its task).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async {});
    ///     group.spawn(async { panic!("boom") });
    ///     assert_eq!(group.join().await.unwrap_err().failures()[0].index(), 1);
    /// });
    /// ```
    pub fn index(&self) -> usize {
        match self {
            ChildFailure::Panicked { index, .. } | ChildFailure::Failed { index, .. } => *index,
        }
    }

    /// Whether the child panicked (rather than returned `Err`).
    ///
    /// **asyncio:** no counterpart: Python has only exceptions, Rust tells a panic from an `Err`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     assert!(group.join().await.unwrap_err().failures()[0].is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, ChildFailure::Panicked { .. })
    }

    /// The panic message, when the child panicked with a string.
    ///
    /// **asyncio:** `str(exc)` for an exception in `eg.exceptions`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     let err = group.join().await.unwrap_err();
    ///     assert_eq!(err.failures()[0].panic_message(), Some("boom"));
    /// });
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            ChildFailure::Panicked { payload, .. } => Some(panic_message(&**payload)),
            ChildFailure::Failed { .. } => None,
        }
    }

    /// The error, when the child returned `Err`.
    ///
    /// **asyncio:** the exception object in `eg.exceptions`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::<(), _>::fallible();
    ///     group.try_spawn(async { Err(7) });
    ///     assert_eq!(group.join().await.unwrap_err().failures()[0].error(), Some(&7));
    /// });
    /// ```
    pub fn error(&self) -> Option<&E> {
        match self {
            ChildFailure::Failed { error, .. } => Some(error),
            ChildFailure::Panicked { .. } => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for ChildFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildFailure::Panicked { index, payload } => f
                .debug_struct("Panicked")
                .field("index", index)
                .field("message", &panic_message(&**payload))
                .finish(),
            ChildFailure::Failed { index, error } => f
                .debug_struct("Failed")
                .field("index", index)
                .field("error", error)
                .finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for ChildFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildFailure::Panicked { index, payload } => {
                write!(f, "child {index} panicked: {}", panic_message(&**payload))
            }
            ChildFailure::Failed { index, error } => write!(f, "child {index} failed: {error}"),
        }
    }
}

/// Every failure of a [`TaskGroup`]'s children, in the order they happened, plus which children were
/// cancelled because of them.
///
/// **asyncio:** `ExceptionGroup` (and `BaseExceptionGroup`) as raised by `asyncio.TaskGroup`.
/// Differences: cancelled siblings are listed by index, not as exceptions (asyncio leaves their
/// `CancelledError`s out of the group too).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let group = tulip_core::task::TaskGroup::new();
///     group.spawn(async { panic!("a") });
///     group.spawn(async { panic!("b") });
///     let err = group.join().await.unwrap_err();
///     let messages: Vec<_> = err.failures().iter().map(|f| f.panic_message().unwrap()).collect();
///     assert_eq!(messages, ["a", "b"]);
///     assert_eq!(err.to_string(), "2 of 2 tasks in the group failed: child 0 panicked: a; child 1 panicked: b");
/// });
/// ```
#[doc(alias = "ExceptionGroup")]
pub struct TaskGroupError<E> {
    failures: Vec<ChildFailure<E>>,
    cancelled: Vec<usize>,
    total: usize,
}

impl<E> TaskGroupError<E> {
    /// Every failure, in the order it happened.
    ///
    /// **asyncio:** `ExceptionGroup.exceptions`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     assert_eq!(group.join().await.unwrap_err().failures().len(), 1);
    /// });
    /// ```
    #[doc(alias = "exceptions")]
    pub fn failures(&self) -> &[ChildFailure<E>] {
        &self.failures
    }

    /// Takes the failures out.
    ///
    /// **asyncio:** `eg.exceptions`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     let failures = group.join().await.unwrap_err().into_failures();
    ///     assert!(failures[0].is_panic());
    /// });
    /// ```
    pub fn into_failures(self) -> Vec<ChildFailure<E>> {
        self.failures
    }

    /// The indices of the children that were cancelled (because a sibling failed, or at loop
    /// shutdown), in spawn order.
    ///
    /// **asyncio:** no counterpart: cancelled siblings leave no trace in the `ExceptionGroup`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::pending;
    /// tulip_core::run(async {
    ///     let group = tulip_core::task::TaskGroup::new();
    ///     group.spawn(pending::<()>());
    ///     group.spawn(async { panic!("boom") });
    ///     assert_eq!(group.join().await.unwrap_err().cancelled(), [0]);
    /// });
    /// ```
    pub fn cancelled(&self) -> &[usize] {
        &self.cancelled
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError")
            .field("failures", &self.failures)
            .field("cancelled", &self.cancelled)
            .field("total", &self.total)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} tasks in the group failed",
            self.failures.len(),
            self.total
        )?;
        for (i, failure) in self.failures.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> Error for TaskGroupError<E> {}
