//! Tasks: spawned futures that can be awaited, cancelled, detached and watched with done-callbacks.

pub mod cancellation;
mod context_vars;
mod factory;
mod gather;
mod group;
mod harness;
mod meta;
mod origin;
mod ready;
mod registry;
pub(crate) mod running;
mod wait;

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{resume_unwind, Location};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::promise::{DoneCallbackId, Promise};

use crate::executor::{self, Shared, TaskRunnable};

pub(crate) use harness::{Failure, TaskResult};
pub(crate) use meta::TaskMeta;
pub(crate) use registry::{DoneCallback, Registry};

pub(crate) use context_vars::{
    capture as capture_context, capture_done as capture_context_done, discard as discard_context,
    is_set as context_in_effect, run_isolated as run_callback_isolated, ContextStore,
};
pub use context_vars::{ContextVar, TaskContext};
pub(crate) use factory::apply_factory;
pub use factory::TaskFactory;

use harness::Harness;

#[doc(hidden)]
pub use gather::__gather;
pub use gather::{gather, gather_all, try_gather, Gather, GatherAll, TryGather};
pub use group::{ChildFailure, TaskGroup, TaskGroupError};
pub use wait::{as_completed, shield, wait, wait_for, AsCompleted, ReturnWhen, Shield};

/// A unique task id (unique across every loop of the process).
///
/// **asyncio:** asyncio has no task ids; `id(task)` plays that part.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let a = tulip_core::spawn(async {});
///     let b = tulip_core::spawn(async {});
///     assert_ne!(a.id(), b.id());
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a number.
    ///
    /// **asyncio:** `id(task)`, the object's identity (asyncio tasks have no id of their own).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {});
    ///     assert_eq!(t.id().as_u64().to_string(), t.id().to_string());
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How a task ended, as its done-callbacks see it.
///
/// **asyncio:** what a done-callback learns from `task.cancelled()` and `task.exception()`.
///
/// # Examples
///
/// ```
/// use tulip_core::TaskOutcome;
/// assert!(TaskOutcome::Finished.is_finished());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskOutcome {
    /// The future returned its output.
    Finished,
    /// The task was cancelled (by `cancel()`, by dropping its handle, or at loop shutdown).
    Cancelled,
    /// The future panicked; the loop and other tasks went on.
    Panicked,
}

impl TaskOutcome {
    /// Whether the future returned its output.
    ///
    /// **asyncio:** `not task.cancelled() and task.exception() is None` in a done-callback.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::TaskOutcome;
    /// assert!(TaskOutcome::Finished.is_finished() && !TaskOutcome::Panicked.is_finished());
    /// ```
    pub fn is_finished(self) -> bool {
        self == TaskOutcome::Finished
    }
    /// Whether the task was cancelled.
    ///
    /// **asyncio:** `task.cancelled()` in a done-callback.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::TaskOutcome;
    /// assert!(TaskOutcome::Cancelled.is_cancelled() && !TaskOutcome::Finished.is_cancelled());
    /// ```
    pub fn is_cancelled(self) -> bool {
        self == TaskOutcome::Cancelled
    }
    /// Whether the future panicked.
    ///
    /// **asyncio:** `task.exception() is not None` in a done-callback.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::TaskOutcome;
    /// assert!(TaskOutcome::Panicked.is_panicked() && !TaskOutcome::Cancelled.is_panicked());
    /// ```
    pub fn is_panicked(self) -> bool {
        self == TaskOutcome::Panicked
    }
}

/// What `all_tasks()` and `current_task()` say about a live task.
///
/// **asyncio:** the `Task` objects `asyncio.all_tasks()` returns, reduced to what diagnostics need:
/// `get_name()`, plus where it was spawned.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let t = tulip_core::task::Builder::new().name("worker").spawn(async {
///         tulip_core::current_task().unwrap()
///     });
///     let info = t.await;
///     assert_eq!(info.name(), Some("worker"));
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl TaskInfo {
    /// The task's id.
    ///
    /// **asyncio:** `id(task)`, the object's identity (asyncio tasks have no id of their own).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("worker").spawn(async {
    ///         tulip_core::current_task().unwrap()
    ///     });
    ///     let id = t.id();
    ///     let info = t.await;
    ///     assert_eq!(info.id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
    /// The task's name, if it was given one (asyncio `get_name()`).
    ///
    /// **asyncio:** `task.get_name()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("worker").spawn(async {
    ///         tulip_core::current_task().unwrap()
    ///     });
    ///     let id = t.id();
    ///     let info = t.await;
    ///     assert_eq!(info.name(), Some("worker"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Where the task was spawned.
    ///
    /// **asyncio:** `task._source_traceback`, the creation traceback asyncio keeps in debug mode only.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("worker").spawn(async {
    ///         tulip_core::current_task().unwrap()
    ///     });
    ///     let id = t.id();
    ///     let info = t.await;
    ///     assert_eq!(info.location().file(), file!());
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "task {} '{}' spawned at {}", self.id, n, self.location),
            None => write!(f, "task {} spawned at {}", self.id, self.location),
        }
    }
}

/// A spawned task: await it for its output, cancel it, detach it, or hang done-callbacks on it.
///
/// Awaiting a `Task<T>` gives `T`. If the task panicked, awaiting it resumes the panic in the awaiting
/// task (as asyncio re-raises a task's exception when it is awaited); use [`Task::join`] to get a
/// [`TaskError`] instead.
///
/// **asyncio:** `asyncio.Task`. Differences: **dropping the handle cancels the task** (Rust's
/// convention, as in smol; asyncio keeps running a task nobody references, then may garbage-collect it).
/// Call [`Task::detach`] to let it run on. Cancellation drops the future at its current `.await`, so
/// cleanup goes in `Drop` impls rather than in an `except CancelledError` block.
///
/// `Task<T>` is `Send` when `T` is, so it can be awaited from another loop or thread.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let task = tulip_core::spawn(async { 1 + 2 });
///     assert_eq!(task.await, 3);
/// });
/// ```
#[doc(alias = "create_task")]
#[must_use = "dropping a Task cancels it; call .detach() to let it run in the background"]
pub struct Task<T> {
    inner: async_task::Task<TaskResult<T>, TaskMeta>,
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meta = self.inner.metadata();
        f.debug_struct("Task")
            .field("id", &meta.id())
            .field("name", &meta.name())
            .field("finished", &self.inner.is_finished())
            .finish()
    }
}

impl<T> Task<T> {
    /// The task's id.
    ///
    /// **asyncio:** `id(task)`, the object's identity (asyncio tasks have no id of their own).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async { tulip_core::current_task().unwrap().id() });
    ///     let id = t.id();
    ///     assert_eq!(t.await, id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.inner.metadata().id()
    }

    /// The task's name, if it was spawned with one (asyncio `Task.get_name()`).
    ///
    /// **asyncio:** `Task.get_name()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("fetch").spawn(async { 5 });
    ///     assert_eq!(t.name(), Some("fetch"));
    ///     assert_eq!(t.await, 5);
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.metadata().name().map(|n| &**n)
    }

    /// Where the task was spawned.
    ///
    /// **asyncio:** `task._source_traceback`, the creation traceback asyncio keeps in debug mode only.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("fetch").spawn(async { 5 });
    ///     assert_eq!(t.location().line(), line!() - 1);
    ///     assert_eq!(t.await, 5);
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.inner.metadata().location()
    }

    /// Whether the task has ended: finished, cancelled or panicked.
    ///
    /// **asyncio:** `Task.done()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {});
    ///     assert!(!t.is_finished());
    ///     tulip_core::yield_now().await;
    ///     assert!(t.is_finished());
    /// });
    /// ```
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// How the task ended, or `None` while it runs.
    ///
    /// **asyncio:** `Task.cancelled()` and `Task.exception() is not None` in one call.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::TaskOutcome;
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {});
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(t.outcome(), Some(TaskOutcome::Finished));
    /// });
    /// ```
    pub fn outcome(&self) -> Option<TaskOutcome> {
        self.inner.metadata().outcome()
    }

    /// Lets the task run to completion in the background; its output is dropped. A panic in a detached
    /// task reaches the loop's exception handler.
    ///
    /// **asyncio:** a task created and not awaited.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     tulip_core::spawn(async { println!("in the background") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// ```
    pub fn detach(self) {
        self.inner.detach()
    }

    /// Cancels the task and waits until it has stopped. Returns its output if it had already finished,
    /// `None` if it was cancelled (or had panicked; the panic then reaches the exception handler).
    /// Cancelling a finished or already cancelled task is harmless.
    ///
    /// **asyncio:** `Task.cancel()` followed by awaiting the task. Differences: the future is dropped at
    /// its
    /// current `.await` rather than receiving `CancelledError`, and this waits for that to happen.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(tulip_time::sleep(Duration::from_secs(3600)));
    ///     assert_eq!(t.cancel().await, None);
    /// });
    /// ```
    pub async fn cancel(self) -> Option<T> {
        match self.inner.cancel().await {
            Some(Ok(v)) => Some(v),
            _ => None,
        }
    }

    /// Waits for the task and reports a panic or a cancellation as a [`TaskError`] instead of resuming it.
    ///
    /// **asyncio:** `await task` inside `try: ... except Exception` / `except CancelledError`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async { panic!("boom") });
    ///     let err = t.join().await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn join(self) -> Join<T> {
        Join { task: Some(self) }
    }

    /// Adds a callback to run on the task's loop once the task has ended, with its outcome. Added after
    /// the task ended, it is still run, scheduled with `call_soon` (never called inline). Callbacks run in
    /// the order they were added, each exactly once. A task awaiting this one resumes in its place among
    /// them: after the callbacks added before it started waiting and before those added later, as
    /// asyncio's awaiter adds its wake-up as a done-callback. A panic in the future's `Drop` still gives
    /// the task an outcome and runs its callbacks.
    ///
    /// **asyncio:** `Task.add_done_callback(fn)`. Differences: the callback receives the outcome rather
    /// than the task (the handle may have been moved or awaited meanwhile); to read the result, use
    /// [`add_result_callback`](Task::add_result_callback) or [`into_promise`](Task::into_promise).
    /// Returns an id for [`remove_done_callback`](Task::remove_done_callback).
    ///
    /// # Panics
    ///
    /// When called off the task's loop thread or after its loop was dropped: done-callbacks are
    /// loop-local, as in asyncio.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let seen = Rc::new(Cell::new(None));
    ///     let t = tulip_core::spawn(async {});
    ///     let s = seen.clone();
    ///     t.add_done_callback(move |outcome| s.set(Some(outcome)));
    ///     t.await;
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(seen.get(), Some(tulip_core::TaskOutcome::Finished));
    /// });
    /// ```
    #[track_caller]
    pub fn add_done_callback(&self, f: impl FnOnce(TaskOutcome) + 'static) -> DoneCallbackId {
        let meta = self.inner.metadata();
        let inner = self.loop_inner("add_done_callback");
        DoneCallbackId(inner.add_done_callback(meta, Box::new(f)))
    }

    /// Removes a done-callback that has not been scheduled yet; returns whether it was there. Once the
    /// task has ended its callbacks are scheduled and can no longer be removed.
    ///
    /// **asyncio:** `Task.remove_done_callback(fn)`, which returns how many it removed (0 or 1 here).
    ///
    /// # Panics
    ///
    /// When called off the task's loop thread or after its loop was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {});
    ///     let id = t.add_done_callback(|_| unreachable!("removed"));
    ///     assert!(t.remove_done_callback(id));
    ///     assert!(!t.remove_done_callback(id));
    ///     t.await;
    ///     tulip_core::yield_now().await;
    /// });
    /// ```
    #[track_caller]
    pub fn remove_done_callback(&self, id: DoneCallbackId) -> bool {
        let meta = self.inner.metadata();
        self.loop_inner("remove_done_callback")
            .remove_done_callback(meta.id(), id.0)
    }

    /// Takes the task over and calls `f` with its result once it has ended: the output, or a
    /// [`TaskError`] when it panicked or was cancelled. Scheduled with `call_soon` like the other
    /// done-callbacks, in the order they were added. The task keeps running meanwhile (the callback owns
    /// it; it is cancelled only if the loop shuts down first, and then `f` is dropped unrun). To let
    /// several callbacks read one result, turn the task into a [`Promise`] with
    /// [`into_promise`](Task::into_promise).
    ///
    /// **asyncio:** `task.add_done_callback(fn)` with `fn` calling `task.result()`.
    ///
    /// # Panics
    ///
    /// When called off the task's loop thread or after its loop was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let got = Rc::new(Cell::new(0));
    ///     let g = got.clone();
    ///     tulip_core::spawn(async { 6 * 7 }).add_result_callback(move |r| g.set(r.unwrap()));
    ///     for _ in 0..3 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(got.get(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn add_result_callback(self, f: impl FnOnce(Result<T, TaskError>) + 'static)
    where
        T: 'static,
    {
        let meta = self.inner.metadata();
        let (id, outcome) = (meta.id(), meta.outcome());
        if outcome.is_none() {
            meta.mark_has_callbacks();
        }
        let inner = self.loop_inner("add_result_callback");
        let mut join = self.join();
        let cb = move |_: TaskOutcome| {
            let mut cx = Context::from_waker(Waker::noop());
            match Pin::new(&mut join).poll(&mut cx) {
                Poll::Ready(r) => f(r),
                // The task has an outcome, so its result is stored: only a task cancelled before it
                // ever ran can get here, and `poll_result` reports that as `Cancelled` already.
                Poll::Pending => f(Err(TaskError {
                    id,
                    kind: ErrorKind::Cancelled,
                })),
            }
        };
        inner.add_done_callback_for(id, outcome, Box::new(cb));
    }

    /// Takes the task over and gives a [`Promise`] that gets its result: set to the output, or to a
    /// [`TaskError`] exception when the task panicked or was cancelled. Any number of tasks may await
    /// the promise and any number of done-callbacks read it (by reference through the promise: `result()`
    /// copies, `take_result()` moves).
    ///
    /// **asyncio:** a `Task` is a `Future`: awaiting it from several places, and done-callbacks calling
    /// `task.result()`.
    ///
    /// # Panics
    ///
    /// When called off the task's loop thread or after its loop was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let p = tulip_core::spawn(async { "shared" }).into_promise();
    ///     let (a, b) = (p.clone(), p.clone());
    ///     let t1 = tulip_core::spawn(async move { a.await.unwrap() });
    ///     let t2 = tulip_core::spawn(async move { b.await.unwrap() });
    ///     assert_eq!((t1.await, t2.await), ("shared", "shared"));
    /// });
    /// ```
    #[track_caller]
    pub fn into_promise(self) -> Promise<T, TaskError>
    where
        T: 'static,
    {
        let promise = Promise::on(&self.loop_inner("into_promise"));
        let p = promise.clone();
        self.add_result_callback(move |r| {
            let _ = match r {
                Ok(v) => p.set_result(v).map_err(drop),
                Err(e) => p.set_exception(e).map_err(drop),
            };
        });
        promise
    }

    /// A copy of the task's context: the context variables it has set or inherited, as they are while it
    /// is parked (or, called from the task itself, now). Empty once the task has ended: its context is
    /// dropped with it.
    ///
    /// **asyncio:** `Task.get_context()` (3.12). Differences: a copy (changes to it do not reach the
    /// task), and empty after the task ended.
    ///
    /// # Panics
    ///
    /// When called off the task's loop thread or after its loop was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::ContextVar;
    /// static USER: ContextVar<&str> = ContextVar::new("user");
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {
    ///         USER.set("ada");
    ///         std::future::pending::<()>().await
    ///     });
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(t.get_context().get(&USER), Some("ada"));
    /// });
    /// ```
    #[track_caller]
    pub fn get_context(&self) -> TaskContext {
        let meta = self.inner.metadata();
        let inner = self.loop_inner("get_context");
        if std::ptr::eq(inner.current_task_meta(), meta) {
            return TaskContext::current();
        }
        inner.task_contexts.copy_of(meta)
    }

    /// The loop the task runs on, when called on that loop's thread while the loop is alive (`None`
    /// elsewhere: a `Loop` cannot leave its thread; use a [`Handle`](crate::Handle) there).
    ///
    /// **asyncio:** `Task.get_loop()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {});
    ///     assert!(t.get_loop().unwrap().is_running());
    /// });
    /// ```
    pub fn get_loop(&self) -> Option<crate::Loop> {
        crate::context::loop_on_this_thread(self.inner.metadata().loop_id())?.get_loop()
    }

    /// The task's loop, when it runs on this thread or was made here and is alive.
    #[track_caller]
    fn loop_inner(&self, what: &str) -> std::rc::Rc<crate::event_loop::LoopInner> {
        let loop_id = self.inner.metadata().loop_id();
        match crate::context::loop_on_this_thread(loop_id) {
            Some(inner) => inner,
            None => off_loop(what),
        }
    }
}

#[cold]
#[track_caller]
fn off_loop(what: &str) -> ! {
    panic!("Task::{what} called off the task's loop thread or after its loop was dropped")
}

impl<T> Task<T> {
    /// Polls for the stored result. A task cancelled before it ran (spawned on a closed loop, or dropped
    /// with the loop's leftovers) has no stored result, and async-task's `Task` panics when polled then;
    /// the outcome, recorded once the future is dropped, says `Cancelled` in every such case.
    fn poll_result(&mut self, cx: &mut Context<'_>) -> Poll<TaskResult<T>> {
        if self.inner.metadata().outcome() == Some(TaskOutcome::Cancelled) {
            return Poll::Ready(Err(Failure::Cancelled));
        }
        let res = Pin::new(&mut self.inner).poll(cx);
        if res.is_pending() {
            // Done-callbacks added from now on run after this awaiter resumes (asyncio's order).
            self.inner.metadata().mark_awaited();
        }
        res
    }
}

impl<T> Future for Task<T> {
    type Output = T;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.poll_result(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(v)) => Poll::Ready(v),
            Poll::Ready(Err(Failure::Panicked(p))) => resume_unwind(p.take()),
            Poll::Ready(Err(Failure::Cancelled)) => {
                let id = self.inner.metadata().id();
                panic!("awaited task {id} was cancelled (its loop shut down); use Task::join to handle this")
            }
        }
    }
}

/// The future returned by [`Task::join`].
///
/// **asyncio:** `await asyncio.gather(task, return_exceptions=True)` for one task: the outcome as a
/// value, not re-raised.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let join: tulip_core::Join<u32> = tulip_core::spawn(async { 3 }).join();
///     assert_eq!(join.await.unwrap(), 3);
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join<T> {
    task: Option<Task<T>>,
}

impl<T> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = self.task.as_mut().expect("Join polled after completion");
        let res = match task.poll_result(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        let id = task.id();
        self.task = None;
        Poll::Ready(match res {
            Ok(v) => Ok(v),
            Err(Failure::Cancelled) => Err(TaskError {
                id,
                kind: ErrorKind::Cancelled,
            }),
            Err(Failure::Panicked(p)) => Err(TaskError {
                id,
                kind: ErrorKind::Panicked(p.take()),
            }),
        })
    }
}

enum ErrorKind {
    Cancelled,
    Panicked(Box<dyn Any + Send>),
}

/// Why a task gave no output: it was cancelled, or it panicked.
///
/// **asyncio:** `asyncio.CancelledError`, or the exception a task raised.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let err = tulip_core::spawn(async { panic!("boom") }).join().await.unwrap_err();
///     assert!(err.is_panic() && !err.is_cancelled());
///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// });
/// ```
pub struct TaskError {
    id: TaskId,
    kind: ErrorKind,
}

impl TaskError {
    /// The task's id.
    ///
    /// **asyncio:** `id(task)` of the task that raised (asyncio's exception does not name its task).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async { panic!("boom") });
    ///     let id = t.id();
    ///     assert_eq!(t.join().await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
    /// Whether the task was cancelled.
    ///
    /// **asyncio:** `isinstance(e, asyncio.CancelledError)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = tulip_core::run(async {
    ///     tulip_core::spawn(std::future::pending::<()>())
    /// });
    /// // `run` cancelled the task it left pending.
    /// let other = tulip_core::Loop::new().unwrap();
    /// assert!(other.block_on(t.join()).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, ErrorKind::Cancelled)
    }
    /// Whether the task panicked.
    ///
    /// **asyncio:** an exception other than `CancelledError` from `await task`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let err = tulip_core::spawn(async { panic!("boom") }).join().await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, ErrorKind::Panicked(_))
    }
    /// The panic payload.
    ///
    /// **asyncio:** the exception object itself.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let err = tulip_core::spawn(async { panic!("boom") }).join().await.unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        self.try_into_panic()
            .unwrap_or_else(|_| panic!("TaskError::into_panic on a cancelled task"))
    }
    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// **asyncio:** `task.exception()`, without raising `CancelledError` for a cancelled task.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let err = tulip_core::spawn(async { panic!("boom") }).join().await.unwrap_err();
    ///     assert!(err.try_into_panic().is_ok());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, TaskError> {
        match self.kind {
            ErrorKind::Panicked(p) => Ok(p),
            kind => Err(TaskError { id: self.id, kind }),
        }
    }
}

/// The text of a panic payload, when it is a string (`"Box<dyn Any>"` otherwise).
#[doc(hidden)]
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "Box<dyn Any>"
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Cancelled => write!(f, "TaskError::Cancelled({})", self.id),
            ErrorKind::Panicked(p) => {
                write!(
                    f,
                    "TaskError::Panicked({}, {:?})",
                    self.id,
                    panic_message(&**p)
                )
            }
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Cancelled => write!(f, "task {} was cancelled", self.id),
            ErrorKind::Panicked(p) => {
                write!(f, "task {} panicked: {}", self.id, panic_message(&**p))
            }
        }
    }
}

impl Error for TaskError {}

impl From<TaskError> for io::Error {
    fn from(e: TaskError) -> io::Error {
        io::Error::other(e.to_string())
    }
}

/// Spawn options: a name (asyncio's `create_task(coro, name=...)` / `Task.set_name`), eager start
/// and the context to run in.
///
/// **asyncio:** the keyword arguments of `asyncio.create_task(coro, name=..., context=...)` (and
/// `eager_start=` of Python 3.14).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let t = tulip_core::task::Builder::new().name("fetch").spawn(async { 5 });
///     assert_eq!(t.name(), Some("fetch"));
///     assert_eq!(t.await, 5);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
    eager: bool,
    context: Option<TaskContext>,
}

impl Builder {
    /// Default options: no name, not eager, a copy of the current context.
    ///
    /// **asyncio:** `asyncio.create_task(coro)` without keyword arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().spawn(async { 1 });
    ///     assert_eq!(t.name(), None);
    ///     assert_eq!(t.await, 1);
    /// });
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the task (asyncio `set_name`); the name shows in `all_tasks()`, debug-mode reports and
    /// panic reports.
    ///
    /// **asyncio:** `asyncio.create_task(coro, name=name)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("fetch").spawn(async {});
    ///     assert_eq!(t.name(), Some("fetch"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name set so far (for a [`TaskFactory`] that reads it).
    ///
    /// **asyncio:** the `name=` keyword argument a task factory receives.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tulip_core::task::Builder::new().name("fetch");
    /// assert_eq!(b.get_name(), Some("fetch"));
    /// ```
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Eager start: when the loop is running, the task's first step runs inside `spawn`, up to its first
    /// suspension, before `spawn` returns; a task that finishes without waiting never enters the run
    /// queue. On a loop that is not running (`Loop::spawn` between runs) the task is queued as usual.
    /// Applies to spawns on the loop's thread ([`spawn`](Builder::spawn)), not to
    /// [`spawn_on`](Builder::spawn_on), which may run on another thread.
    ///
    /// **asyncio:** `create_task(coro, eager_start=True)` (Python 3.14); for every task, the loop's
    /// [`TaskFactory::eager`] (`asyncio.eager_task_factory`, 3.12).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let ran = Rc::new(Cell::new(false));
    ///     let r = ran.clone();
    ///     let t = tulip_core::task::Builder::new().eager(true).spawn(async move { r.set(true) });
    ///     assert!(ran.get() && t.is_finished(), "ran inside spawn");
    /// });
    /// ```
    pub fn eager(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }

    /// Whether [`eager`](Builder::eager) start is set.
    ///
    /// **asyncio:** the `eager_start=` keyword argument (3.14) a task factory receives.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::task::Builder::new().eager(true).is_eager());
    /// ```
    pub fn is_eager(&self) -> bool {
        self.eager
    }

    /// Runs the task in `context` instead of a copy of the context in effect at `spawn`. Applies to
    /// [`spawn`](Builder::spawn); [`spawn_on`](Builder::spawn_on) tasks start with an empty context.
    ///
    /// **asyncio:** `asyncio.create_task(coro, context=ctx)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::{Builder, ContextVar, TaskContext};
    /// static USER: ContextVar<&str> = ContextVar::new("user");
    /// tulip_core::run(async {
    ///     let mut ctx = TaskContext::default();
    ///     ctx.run(|| USER.set("ada"));
    ///     let t = Builder::new().context(ctx).spawn(async { USER.get() });
    ///     assert_eq!(t.await, Some("ada"));
    /// });
    /// ```
    pub fn context(mut self, context: TaskContext) -> Self {
        self.context = Some(context);
        self
    }

    pub(crate) fn into_parts(self) -> (Option<Arc<str>>, bool, Option<TaskContext>) {
        (self.name, self.eager, self.context)
    }

    /// Spawns on the loop running on this thread; see [`spawn`](crate::spawn).
    ///
    /// **asyncio:** `asyncio.create_task(coro, name=...)`.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::task::Builder::new().name("adder").spawn(async { 1 + 2 });
    ///     assert_eq!(t.await, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::event_loop::expect_current("spawn").spawn_local(
            Some(self),
            Location::caller(),
            future,
        )
    }

    /// Spawns a `Send` future on the loop behind `handle`, from any thread. The name applies; eager
    /// start and a context do not (the task may be created on another thread): it is queued, with an
    /// empty context, and the loop's task factory is not consulted.
    ///
    /// **asyncio:** `asyncio.run_coroutine_threadsafe(coro, loop)`, with a task name.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let handle = tulip_core::Handle::current();
    ///     let t = std::thread::spawn(move || {
    ///         tulip_core::task::Builder::new().name("from-thread").spawn_on(&handle, async { 4 })
    ///     })
    ///     .join()
    ///     .unwrap();
    ///     assert_eq!(t.name(), Some("from-thread"));
    ///     assert_eq!(t.await, 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, handle: &crate::Handle, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_named(self.name, Location::caller(), future)
    }
}

/// Gives a task spawned on `inner`'s thread its context: `explicit`, or a copy of the one in effect.
/// Nothing is stored (and nothing allocated) for a task whose context is empty.
#[inline]
pub(crate) fn attach_context<T>(
    inner: &crate::event_loop::LoopInner,
    task: &Task<T>,
    explicit: Option<TaskContext>,
) {
    let vars = match explicit {
        None => context_vars::inherit(),
        Some(ctx) => ctx.into_vars(),
    };
    if let Some(vars) = vars {
        inner.task_contexts.attach(task.inner.metadata(), vars);
    }
}

/// Creates a task on `shared`'s loop. The caller schedules the returned runnable.
pub(crate) fn create<F>(
    shared: &Arc<Shared>,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    local: bool,
    future: F,
) -> (TaskRunnable, Task<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
{
    let meta = TaskMeta::new(name, location, shared.clone(), local);
    let future = crate::trace::instrument(future, &meta);
    let schedule = executor::schedule;
    // SAFETY: `spawn_unchecked` lifts three bounds; each is upheld here.
    // - `Send` on the future: when `local` is true the future may be `!Send`. Its runnable is only run on
    //   the loop's thread (the loop is the only caller of `run`; wakes from other threads go through the
    //   injector, which the loop drains on its own thread) and only dropped there (at shutdown the loop
    //   cancels every task on its thread; after that `schedule_remote` leaks rather than drops a local
    //   runnable). Callers pass `local: false` only with `F: Send` (`Handle::spawn`).
    // - `'static` on the future: `F: 'static`, and the harness borrows nothing.
    // - The schedule function is a plain `fn` (`Send + Sync + 'static`), so wakers may go anywhere.
    let (runnable, task) = unsafe {
        async_task::Builder::new()
            .metadata(meta)
            .spawn_unchecked(move |_| Harness::new(future), schedule)
    };
    (TaskRunnable::new(runnable), Task { inner: task })
}
