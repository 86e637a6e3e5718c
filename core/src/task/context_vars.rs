//! Task-local context: asyncio's `contextvars` as tasks use them.
//!
//! # Implementation
//!
//! A context is a copy-on-write map from variable to value behind an `Rc`: copying it (what spawning a
//! task does) is a reference-count increment, and the first `set` after a copy clones the map. The
//! context in effect lives in a thread-local slot. A task that has a context keeps it in its loop, keyed
//! by task id, while it is parked; its poll moves it into the slot and back out (`enter_task` /
//! `leave_task`). A task without one costs no memory and, per poll, one thread-local flag test.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::meta::TaskMeta;
use crate::event_loop::LoopInner;

pub(crate) type Vars = HashMap<u64, Rc<dyn Any>, BuildHasherDefault<IdHasher>>;

/// Hashes the `u64` keys of these maps (variable ids, task ids: unique counters) with one multiply
/// instead of SipHash; the keys are not attacker-chosen.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

thread_local! {
    /// The context in effect on this thread (`None`: empty).
    static CURRENT: RefCell<Option<Rc<Vars>>> = const { RefCell::new(None) };
    /// Whether `CURRENT` is `Some`: a flag without a destructor, so the per-poll test is one load.
    static IS_SET: Cell<bool> = const { Cell::new(false) };
}

static NEXT_VAR_ID: AtomicU64 = AtomicU64::new(1);

/// Replaces the context in effect on this thread; returns the previous one.
fn replace_current(ctx: Option<Rc<Vars>>) -> Option<Rc<Vars>> {
    IS_SET.with(|s| s.set(ctx.is_some()));
    CURRENT.with(|c| c.replace(ctx))
}

/// A copy of the context in effect on this thread.
fn current() -> Option<Rc<Vars>> {
    if !IS_SET.with(Cell::get) {
        return None;
    }
    CURRENT.with(|c| c.borrow().clone())
}

/// Whether a context is in effect on this thread (the per-poll test).
#[inline]
pub(crate) fn is_set() -> bool {
    IS_SET.with(Cell::get)
}

/// A context variable: a key whose value depends on the task (or [`TaskContext::run`] scope) reading it.
///
/// A value set in a task is seen by everything that task runs and awaits, and by the tasks it spawns
/// afterwards (each gets a copy of the spawner's context, so later changes on either side stay apart).
/// Values are cloned out by [`get`](ContextVar::get), so use cheap-to-clone types (`Rc`, `Arc`, ids).
///
/// **asyncio:** `contextvars.ContextVar`, as `asyncio.create_task` copies the context into each task.
/// Differences: no `Token`/`reset`; [`set`](ContextVar::set) returns the previous value instead and
/// [`remove`](ContextVar::remove) unsets. Tasks spawned from another thread (`Handle::spawn`) start
/// with an empty context.
///
/// # Examples
///
/// ```
/// use tulip_core::task::ContextVar;
///
/// static REQUEST_ID: ContextVar<u32> = ContextVar::new("request_id");
///
/// tulip_core::run(async {
///     let handler = tulip_core::spawn(async {
///         REQUEST_ID.set(7);
///         // A task spawned now gets a copy of this task's context.
///         let child = tulip_core::spawn(async { REQUEST_ID.get() });
///         REQUEST_ID.set(8);
///         (child.await, REQUEST_ID.get())
///     });
///     assert_eq!(handler.await, (Some(7), Some(8)));
///     assert_eq!(REQUEST_ID.get(), None, "the main future has its own context");
/// });
/// ```
pub struct ContextVar<T> {
    name: &'static str,
    /// Assigned on first use (0: not yet), so `new` can be `const`.
    id: AtomicU64,
    _value: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ContextVar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextVar")
            .field("name", &self.name)
            .finish()
    }
}

impl<T: Clone + 'static> ContextVar<T> {
    /// A new variable, unset in every context. Usable in a `static`.
    ///
    /// **asyncio:** `contextvars.ContextVar(name)`.
    ///
    /// # Examples
    ///
    /// ```
    /// static USER: tulip_core::task::ContextVar<String> = tulip_core::task::ContextVar::new("user");
    /// assert_eq!(USER.name(), "user");
    /// assert_eq!(USER.get(), None);
    /// ```
    pub const fn new(name: &'static str) -> Self {
        ContextVar {
            name,
            id: AtomicU64::new(0),
            _value: PhantomData,
        }
    }

    /// The name given to [`new`](ContextVar::new).
    ///
    /// **asyncio:** `ContextVar.name`.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = tulip_core::task::ContextVar::<u8>::new("level");
    /// assert_eq!(v.name(), "level");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn key(&self) -> u64 {
        match self.id.load(Ordering::Relaxed) {
            0 => {
                let fresh = NEXT_VAR_ID.fetch_add(1, Ordering::Relaxed);
                match self
                    .id
                    .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
                {
                    Ok(_) => fresh,
                    Err(won) => won,
                }
            }
            id => id,
        }
    }

    /// The value in the current context, or `None` when it is not set there.
    ///
    /// **asyncio:** `ContextVar.get(None)`.
    ///
    /// # Examples
    ///
    /// ```
    /// static DEPTH: tulip_core::task::ContextVar<u8> = tulip_core::task::ContextVar::new("depth");
    /// tulip_core::run(async {
    ///     assert_eq!(tulip_core::spawn(async { DEPTH.get() }).await, None);
    ///     DEPTH.set(1);
    ///     assert_eq!(tulip_core::spawn(async { DEPTH.get() }).await, Some(1));
    /// });
    /// ```
    pub fn get(&self) -> Option<T> {
        if !is_set() {
            return None;
        }
        let key = self.key();
        CURRENT.with(|c| c.borrow().as_ref()?.get(&key)?.downcast_ref::<T>().cloned())
    }

    /// Sets the value in the current context; returns the previous one.
    ///
    /// **asyncio:** `ContextVar.set(value)` (which returns a `Token` rather than the old value).
    ///
    /// # Examples
    ///
    /// ```
    /// static MODE: tulip_core::task::ContextVar<&str> = tulip_core::task::ContextVar::new("mode");
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async {
    ///         assert_eq!(MODE.set("fast"), None);
    ///         assert_eq!(MODE.set("slow"), Some("fast"));
    ///         MODE.get()
    ///     });
    ///     assert_eq!(t.await, Some("slow"));
    ///     assert_eq!(MODE.get(), None);
    /// });
    /// ```
    pub fn set(&self, value: T) -> Option<T> {
        let key = self.key();
        let old = modify_current(|vars| vars.insert(key, Rc::new(value)));
        old.and_then(|v| v.downcast_ref::<T>().cloned())
    }

    /// Unsets the variable in the current context; returns the value it had.
    ///
    /// **asyncio:** `ContextVar.reset(token)` back to "unset".
    ///
    /// # Examples
    ///
    /// ```
    /// static MODE: tulip_core::task::ContextVar<u8> = tulip_core::task::ContextVar::new("mode");
    /// tulip_core::run(async {
    ///     MODE.set(3);
    ///     assert_eq!(MODE.remove(), Some(3));
    ///     assert_eq!(MODE.get(), None);
    /// });
    /// ```
    pub fn remove(&self) -> Option<T> {
        if !is_set() {
            return None;
        }
        let key = self.key();
        let old = modify_current(|vars| vars.remove(&key));
        old.and_then(|v| v.downcast_ref::<T>().cloned())
    }
}

/// Applies `f` to the current context, copying its map first when it is shared with a copy.
fn modify_current<R>(f: impl FnOnce(&mut Vars) -> R) -> R {
    let mut ctx = replace_current(None).unwrap_or_default();
    let out = f(Rc::make_mut(&mut ctx));
    let ctx = (!ctx.is_empty()).then_some(ctx);
    // The map replaced here is the one taken above: nothing to drop.
    replace_current(ctx);
    out
}

/// A snapshot of context variables: what a task runs in.
///
/// Cloning is cheap (copy-on-write). [`TaskContext::current`] copies the context in effect,
/// [`Task::get_context`](crate::Task::get_context) a task's, and [`TaskContext::run`] runs code in this
/// one, keeping what it sets.
///
/// **asyncio:** `contextvars.Context` (`contextvars.copy_context()`, `Context.run`, `Task.get_context()`,
/// `create_task(..., context=ctx)` through [`Builder::context`](crate::task::Builder::context)).
///
/// # Examples
///
/// ```
/// use tulip_core::task::{ContextVar, TaskContext};
///
/// static USER: ContextVar<&str> = ContextVar::new("user");
///
/// let mut ctx = TaskContext::default();
/// ctx.run(|| USER.set("ada"));
/// assert_eq!(ctx.get(&USER), Some("ada"));
/// assert_eq!(USER.get(), None, "set inside the context only");
/// ```
#[derive(Clone, Default)]
pub struct TaskContext {
    vars: Option<Rc<Vars>>,
}

impl fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskContext")
            .field("len", &self.len())
            .finish()
    }
}

impl TaskContext {
    /// A copy of the context in effect: the running task's, or the thread's outside tasks.
    ///
    /// **asyncio:** `contextvars.copy_context()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::{ContextVar, TaskContext};
    /// static V: ContextVar<u8> = ContextVar::new("v");
    /// tulip_core::run(async {
    ///     V.set(1);
    ///     let snapshot = TaskContext::current();
    ///     V.set(2);
    ///     assert_eq!(snapshot.get(&V), Some(1));
    /// });
    /// ```
    pub fn current() -> TaskContext {
        TaskContext { vars: current() }
    }

    /// The value of `var` in this context.
    ///
    /// **asyncio:** `ctx.get(var)` / `ctx[var]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::{ContextVar, TaskContext};
    /// static V: ContextVar<u8> = ContextVar::new("v");
    /// assert_eq!(TaskContext::default().get(&V), None);
    /// ```
    pub fn get<T: Clone + 'static>(&self, var: &ContextVar<T>) -> Option<T> {
        self.vars
            .as_ref()?
            .get(&var.key())?
            .downcast_ref::<T>()
            .cloned()
    }

    /// How many variables are set in this context.
    ///
    /// **asyncio:** `len(ctx)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::task::TaskContext::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.vars.as_ref().map_or(0, |v| v.len())
    }

    /// Whether no variable is set in this context.
    ///
    /// **asyncio:** `not ctx`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tulip_core::task::TaskContext::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` with this context in effect; what `f` sets stays in this context, and the previous
    /// context is back afterwards (also when `f` panics).
    ///
    /// **asyncio:** `Context.run(callable, *args)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::task::{ContextVar, TaskContext};
    /// static V: ContextVar<u8> = ContextVar::new("v");
    /// let mut ctx = TaskContext::default();
    /// assert_eq!(ctx.run(|| { V.set(5); V.get() }), Some(5));
    /// assert_eq!(ctx.get(&V), Some(5));
    /// assert_eq!(V.get(), None);
    /// ```
    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        struct Restore<'a> {
            ctx: &'a mut TaskContext,
            saved: Option<Option<Rc<Vars>>>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                if let Some(saved) = self.saved.take() {
                    self.ctx.vars = replace_current(saved);
                }
            }
        }
        let saved = replace_current(self.vars.take());
        let _restore = Restore {
            ctx: self,
            saved: Some(saved),
        };
        f()
    }

    /// [`run`](TaskContext::run) for a context entered often (the main future's, at each poll): when it
    /// and the context in effect are both empty nothing is swapped (two flag tests), and what `f` sets
    /// is moved into this context afterwards.
    #[inline]
    pub(crate) fn run_cheap<R>(&mut self, f: impl FnOnce() -> R) -> R {
        if self.vars.is_some() || is_set() {
            return self.run(f);
        }
        struct Keep<'a>(&'a mut TaskContext);
        impl Drop for Keep<'_> {
            #[inline]
            fn drop(&mut self) {
                if is_set() {
                    self.0.vars = replace_current(None);
                }
            }
        }
        let _keep = Keep(self);
        f()
    }

    pub(crate) fn into_vars(self) -> Option<Rc<Vars>> {
        self.vars.filter(|v| !v.is_empty())
    }
}

/// The context in effect, for a task being spawned on the loop's thread.
#[inline]
pub(crate) fn inherit() -> Option<Rc<Vars>> {
    current()
}

/// Wraps a callback being scheduled so it runs in a copy of the context in effect now, as asyncio's
/// `Handle` keeps `copy_context()`. With no context in effect (the common case: one flag test) the
/// callback is returned as is; [`run_isolated`] runs it in an empty context then.
#[inline]
pub(crate) fn capture(f: Box<dyn FnOnce()>) -> Box<dyn FnOnce()> {
    if !is_set() {
        return f;
    }
    capture_slow(f)
}

#[cold]
fn capture_slow(f: Box<dyn FnOnce()>) -> Box<dyn FnOnce()> {
    let mut ctx = TaskContext::current();
    Box::new(move || ctx.run(f))
}

/// [`capture`] for a done-callback, which gets an argument.
#[inline]
pub(crate) fn capture_done<A: 'static>(f: Box<dyn FnOnce(A)>) -> Box<dyn FnOnce(A)> {
    if !is_set() {
        return f;
    }
    let mut ctx = TaskContext::current();
    Box::new(move |a| ctx.run(|| f(a)))
}

/// Runs a callback from the ready queue while a context is in effect (the caller tests
/// [`is_set`] first): in an empty context, the one in effect put back afterwards (also on a panic). A
/// captured callback enters its own copy inside. With no context in effect the caller runs the callback
/// directly and calls [`discard`] if it set something, so what a callback sets never outlives it.
#[cold]
pub(crate) fn run_isolated(f: Box<dyn FnOnce()>) {
    struct Restore(Option<Option<Rc<Vars>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(saved) = self.0.take() {
                drop(replace_current(saved));
            }
        }
    }
    let _restore = Restore(Some(replace_current(None)));
    f();
}

/// Empties the context in effect: what a callback run with none in effect set.
#[cold]
pub(crate) fn discard() {
    drop(replace_current(None));
}

/// Per-loop storage of parked tasks' contexts.
#[derive(Default)]
pub(crate) struct ContextStore {
    by_task: RefCell<HashMap<u64, Rc<Vars>, BuildHasherDefault<IdHasher>>>,
}

impl ContextStore {
    /// Gives a new task its context.
    pub(crate) fn attach(&self, meta: &TaskMeta, vars: Rc<Vars>) {
        self.by_task.borrow_mut().insert(meta.id().0, vars);
        meta.set_has_context(true);
    }

    /// Drops the context of a task that ended (it is not in effect: the task is not being polled, or
    /// its poll already moved it out).
    pub(crate) fn detach(&self, meta: &TaskMeta) {
        let vars = self.by_task.borrow_mut().remove(&meta.id().0);
        meta.set_has_context(false);
        // Values are dropped with the store released: their `Drop` is user code.
        drop(vars);
    }

    /// A copy of a parked task's context.
    pub(crate) fn copy_of(&self, meta: &TaskMeta) -> TaskContext {
        TaskContext {
            vars: self.by_task.borrow().get(&meta.id().0).cloned(),
        }
    }

    fn take(&self, meta: &TaskMeta) -> Option<Rc<Vars>> {
        self.by_task.borrow_mut().remove(&meta.id().0)
    }
}

/// What `enter_task` replaced, for `leave_task` to restore.
pub(crate) struct Entered(Option<Rc<Vars>>);

impl Entered {
    /// Nothing was in effect before (the poll did not go through `enter_task`).
    pub(crate) fn none() -> Entered {
        Entered(None)
    }
}

/// Before a poll: puts the task's context (or none) in effect. Called only when the task has a
/// context or one is in effect.
#[cold]
pub(crate) fn enter_task(meta: &TaskMeta) -> Entered {
    let vars = if meta.has_context() {
        with_task_loop(meta, |inner| inner.task_contexts.take(meta)).flatten()
    } else {
        None
    };
    Entered(replace_current(vars))
}

/// After a poll: stores what the task's context became (unless the task ended) and restores the
/// context that was in effect before.
#[cold]
pub(crate) fn leave_task(meta: &TaskMeta, entered: Entered) {
    let vars = replace_current(entered.0);
    match vars {
        Some(vars) if meta.outcome().is_none() => {
            let stored = with_task_loop(meta, |inner| inner.task_contexts.attach(meta, vars));
            if stored.is_none() {
                meta.set_has_context(false);
            }
        }
        other => {
            meta.set_has_context(false);
            drop(other);
        }
    }
}

fn with_task_loop<R>(meta: &TaskMeta, f: impl FnOnce(&LoopInner) -> R) -> Option<R> {
    crate::context::with_current(|inner| Arc::ptr_eq(&inner.shared, &meta.shared).then(|| f(inner)))
        .flatten()
}
