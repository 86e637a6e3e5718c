//! The loop's task factory (`set_task_factory` / `get_task_factory`) and the eager factory.

use std::fmt;
use std::rc::Rc;

use super::Builder;
use crate::event_loop::LoopInner;
use crate::Loop;

/// What a loop does to the options of every task spawned on its thread: a function from the caller's
/// [`Builder`] to the one used. [`TaskFactory::eager`] makes every task start eagerly.
///
/// A factory cannot replace the task type (Rust's `Task<T>` is the runtime's own); it chooses how each
/// task is created: its name, eager start, its context, and it may observe every creation.
///
/// **asyncio:** the `factory` of `loop.set_task_factory(factory)`. Differences: it receives and returns
/// the spawn options rather than building the `Task` itself; applies to spawns on the loop's thread
/// (`spawn`, `Loop::spawn`, `Builder::spawn`, `TaskGroup::spawn`), not to `Handle::spawn` from other
/// threads.
///
/// # Examples
///
/// ```
/// use tulip_core::task::TaskFactory;
///
/// tulip_core::run(async {
///     let lp = tulip_core::get_running_loop();
///     lp.set_task_factory(Some(TaskFactory::new(|b| {
///         if b.get_name().is_none() { b.name("unnamed") } else { b }
///     })));
///     let t = tulip_core::spawn(async {});
///     assert_eq!(t.name(), Some("unnamed"));
/// });
/// ```
#[derive(Clone)]
pub struct TaskFactory {
    f: Rc<dyn Fn(Builder) -> Builder>,
    eager: bool,
}

impl fmt::Debug for TaskFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFactory")
            .field("eager", &self.eager)
            .finish_non_exhaustive()
    }
}

impl TaskFactory {
    /// A factory from a function of the spawn options. A panic in it propagates to the `spawn` call.
    ///
    /// **asyncio:** a callable `factory(loop, coro, **kwargs)` for `loop.set_task_factory`.
    ///
    /// # Examples
    ///
    /// ```
    /// let f = tulip_core::task::TaskFactory::new(|b| b.eager(true));
    /// assert!(!f.is_eager_factory());
    /// ```
    pub fn new(f: impl Fn(Builder) -> Builder + 'static) -> Self {
        TaskFactory {
            f: Rc::new(f),
            eager: false,
        }
    }

    /// The eager task factory: every task spawned on the loop's thread while it runs executes its first
    /// step inside `spawn`, up to its first suspension. A task that finishes without waiting is done
    /// when `spawn` returns and never enters the run queue (see [`Builder::eager`]).
    ///
    /// **asyncio:** `asyncio.eager_task_factory` (Python 3.12).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::TaskFactory;
    /// tulip_core::run(async {
    ///     tulip_core::get_running_loop().set_task_factory(Some(TaskFactory::eager()));
    ///     let t = tulip_core::spawn(async { 7 });
    ///     assert!(t.is_finished());
    ///     assert_eq!(t.await, 7);
    /// });
    /// ```
    pub fn eager() -> Self {
        TaskFactory {
            f: Rc::new(|b: Builder| b.eager(true)),
            eager: true,
        }
    }

    /// Whether this is [`TaskFactory::eager`] (a factory made with [`new`](TaskFactory::new) says
    /// `false`, whatever it does).
    ///
    /// **asyncio:** `loop.get_task_factory() is asyncio.eager_task_factory`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::task::TaskFactory::eager().is_eager_factory());
    /// ```
    pub fn is_eager_factory(&self) -> bool {
        self.eager
    }

    /// Applies the factory to spawn options, as the loop does at every spawn on its thread.
    ///
    /// **asyncio:** calling `factory(loop, coro, **kwargs)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::{Builder, TaskFactory};
    /// assert!(TaskFactory::eager().apply(Builder::new()).is_eager());
    /// ```
    pub fn apply(&self, options: Builder) -> Builder {
        (self.f)(options)
    }
}

/// The options a spawn on `inner`'s thread uses: the caller's, through the loop's factory if it has one.
#[inline]
pub(crate) fn apply_factory(inner: &LoopInner, options: Builder) -> Builder {
    if !inner.has_task_factory.get() {
        return options;
    }
    apply_slow(inner, options)
}

#[cold]
fn apply_slow(inner: &LoopInner, options: Builder) -> Builder {
    // Cloned out, so the factory may spawn or replace the factory itself.
    let factory = inner.task_factory.borrow().clone();
    match factory {
        Some(f) => f.apply(options),
        None => options,
    }
}

impl Loop {
    /// Sets the factory applied to every task spawned on this loop's thread from now on; `None`
    /// restores the default (options used as given).
    ///
    /// **asyncio:** `loop.set_task_factory(factory)`; `set_task_factory(asyncio.eager_task_factory)` is
    /// `set_task_factory(Some(TaskFactory::eager()))`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::TaskFactory;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// lp.set_task_factory(Some(TaskFactory::eager()));
    /// assert!(lp.get_task_factory().unwrap().is_eager_factory());
    /// lp.set_task_factory(None);
    /// assert!(lp.get_task_factory().is_none());
    /// ```
    pub fn set_task_factory(&self, factory: Option<TaskFactory>) {
        let inner = self.inner();
        inner.has_task_factory.set(factory.is_some());
        let old = inner.task_factory.replace(factory);
        // Dropped with the cell released: the closure's captures may be anything.
        drop(old);
    }

    /// The factory set with [`set_task_factory`](Loop::set_task_factory), if any.
    ///
    /// **asyncio:** `loop.get_task_factory()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// assert!(lp.get_task_factory().is_none());
    /// ```
    pub fn get_task_factory(&self) -> Option<TaskFactory> {
        self.inner().task_factory.borrow().clone()
    }
}
