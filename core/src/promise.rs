//! `Promise`: a one-shot result that callback code sets and tasks await (asyncio's `Future`).

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::event_loop::{Loop, LoopInner};

/// A result that is set once, by whoever holds the promise, and awaited by any number of tasks.
///
/// A `Promise` is a cheap, clonable, loop-local reference (`!Send`): every clone sees the same state.
/// It starts pending and ends exactly once, by [`set_result`](Promise::set_result),
/// [`set_exception`](Promise::set_exception) or [`cancel`](Promise::cancel). Callbacks, `Protocol`
/// methods and tasks may all end it; later attempts get [`PromiseError::InvalidState`] back (with the
/// value) and change nothing.
///
/// A `Promise` is itself the future: awaiting it (or a reference to one) gives `Result<T, PromiseError<E>>`: a copy of the result
/// (`T: Clone`), so several tasks can await one promise at once. For a `T` that is not `Clone`, await
/// [`wait`](Promise::wait) and move the value out with [`take_result`](Promise::take_result). The error is
/// kept behind an `Rc`, so every awaiter gets it whatever `E` is.
///
/// **asyncio:** `asyncio.Future` / `loop.create_future()`. Differences: the Rust name avoids a clash with
/// `std::future::Future`; the exception is a typed error value `E` (default `io::Error`); awaiting
/// returns the outcome as a `Result` instead of raising; done-callbacks receive the promise, as in
/// asyncio, and are removed by the [`DoneCallbackId`] that adding returned, not by function identity.
///
/// # Examples
///
/// ```
/// use tulip_core::Promise;
/// tulip_core::run(async {
///     let fut: Promise<u32> = tulip_core::get_running_loop().create_future();
///     let setter = fut.clone();
///     tulip_core::call_soon(move || setter.set_result(42).unwrap());
///     assert_eq!(fut.await.unwrap(), 42);
/// });
/// ```
#[doc(alias = "Future")]
#[doc(alias = "create_future")]
pub struct Promise<T, E = io::Error> {
    inner: Rc<Inner<T, E>>,
    /// This handle's waker slot while it is being awaited.
    key: Cell<Option<usize>>,
}

/// A done-callback: called with the promise once it is done.
type Callback<T, E> = Box<dyn FnOnce(&Promise<T, E>)>;

struct Inner<T, E> {
    state: RefCell<State<T, E>>,
    /// The loop that runs the done-callbacks.
    lp: Weak<LoopInner>,
}

struct State<T, E> {
    slot: Slot<T, E>,
    /// Parked awaiters, each with the id it took when it started waiting: an awaiter's wake-up is
    /// ordered among the done-callbacks by that id (asyncio's awaiter adds its wake-up as a callback).
    waiters: Slab<(u64, Waker)>,
    /// Done-callbacks not yet scheduled, in the order they were added, with their ids.
    callbacks: Vec<(u64, Callback<T, E>)>,
    /// The id the next done-callback or newly parked awaiter takes.
    next_callback_id: u64,
}

enum Slot<T, E> {
    Pending,
    Result(T),
    Exception(Rc<E>),
    Cancelled,
    /// Done with a result that [`Promise::take_result`] moved out.
    Taken,
}

/// Identifies a done-callback for [`Promise::remove_done_callback`] or
/// [`Task::remove_done_callback`](crate::Task::remove_done_callback).
///
/// **asyncio:** the callback function itself, which `remove_done_callback(fn)` compares by identity.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let fut = tulip_core::Promise::<()>::new();
///     let id: tulip_core::DoneCallbackId = fut.add_done_callback(|_| {});
///     assert!(fut.remove_done_callback(id));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DoneCallbackId(pub(crate) u64);

/// Why a [`Promise`] gave no result.
///
/// **asyncio:** what `future.result()` raises: `asyncio.InvalidStateError`, `asyncio.CancelledError`, or
/// the exception given to `set_exception`.
///
/// # Examples
///
/// ```
/// use tulip_core::{Promise, PromiseError};
/// tulip_core::run(async {
///     let fut: Promise<u8> = Promise::new();
///     assert!(fut.result().unwrap_err().is_invalid_state());
///     fut.cancel();
///     assert!(matches!(fut.result(), Err(PromiseError::Cancelled)));
/// });
/// ```
#[derive(Debug)]
pub enum PromiseError<E> {
    /// The promise is not done yet, or its result was already moved out by `take_result`
    /// (asyncio: `InvalidStateError`).
    InvalidState,
    /// The promise was cancelled (asyncio: `CancelledError`).
    Cancelled,
    /// The error given to [`Promise::set_exception`].
    Exception(Rc<E>),
}

impl<E> Clone for PromiseError<E> {
    fn clone(&self) -> Self {
        match self {
            PromiseError::InvalidState => PromiseError::InvalidState,
            PromiseError::Cancelled => PromiseError::Cancelled,
            PromiseError::Exception(e) => PromiseError::Exception(e.clone()),
        }
    }
}

impl<E> PromiseError<E> {
    /// Whether the promise was not done (or its result already taken).
    ///
    /// **asyncio:** `isinstance(e, asyncio.InvalidStateError)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     assert!(fut.result().unwrap_err().is_invalid_state());
    /// });
    /// ```
    pub fn is_invalid_state(&self) -> bool {
        matches!(self, PromiseError::InvalidState)
    }

    /// Whether the promise was cancelled.
    ///
    /// **asyncio:** `isinstance(e, asyncio.CancelledError)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     fut.cancel();
    ///     assert!(fut.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, PromiseError::Cancelled)
    }

    /// The error given to `set_exception`, if that is how the promise ended.
    ///
    /// **asyncio:** `future.exception()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     fut.set_exception(io::Error::from(io::ErrorKind::NotFound)).unwrap();
    ///     let err = fut.await.unwrap_err();
    ///     assert_eq!(err.exception().unwrap().kind(), io::ErrorKind::NotFound);
    /// });
    /// ```
    pub fn exception(&self) -> Option<&E> {
        match self {
            PromiseError::Exception(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for PromiseError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::InvalidState => f.write_str("the promise has no result to give"),
            PromiseError::Cancelled => f.write_str("the promise was cancelled"),
            PromiseError::Exception(e) => e.fmt(f),
        }
    }
}

impl<E: Error + 'static> Error for PromiseError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PromiseError::Exception(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<PromiseError<io::Error>> for io::Error {
    /// The error itself when this was its last reference; otherwise a copy with the same OS error code
    /// or kind and message. `Cancelled` becomes `Interrupted`, `InvalidState` becomes `Other`.
    fn from(e: PromiseError<io::Error>) -> io::Error {
        match e {
            PromiseError::Exception(rc) => {
                Rc::try_unwrap(rc).unwrap_or_else(|rc| match rc.raw_os_error() {
                    Some(code) => io::Error::from_raw_os_error(code),
                    None => io::Error::new(rc.kind(), rc.to_string()),
                })
            }
            PromiseError::Cancelled => {
                io::Error::new(io::ErrorKind::Interrupted, "the promise was cancelled")
            }
            PromiseError::InvalidState => io::Error::other("the promise has no result to give"),
        }
    }
}

/// A value handed back because the promise was already done.
///
/// **asyncio:** `asyncio.InvalidStateError` from `set_result` / `set_exception` on a done future.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let fut = tulip_core::Promise::<u8>::new();
///     fut.set_result(1).unwrap();
///     let err: tulip_core::AlreadyDone<u8> = fut.set_result(2).unwrap_err();
///     assert_eq!(err.into_inner(), 2);
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyDone<V>(V);

impl<V> AlreadyDone<V> {
    /// The value that was not stored.
    ///
    /// **asyncio:** the argument of the `set_result(value)` call that raised `InvalidStateError`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<String>::new();
    ///     fut.cancel();
    ///     assert_eq!(fut.set_result("late".into()).unwrap_err().into_inner(), "late");
    /// });
    /// ```
    pub fn into_inner(self) -> V {
        self.0
    }
}

impl<V> fmt::Display for AlreadyDone<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the promise is already done")
    }
}

impl<V: fmt::Debug> Error for AlreadyDone<V> {}

impl<T, E> Clone for Promise<T, E> {
    fn clone(&self) -> Self {
        Promise {
            inner: self.inner.clone(),
            key: Cell::new(None),
        }
    }
}

impl<T, E> fmt::Debug for Promise<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.state.try_borrow() {
            Ok(s) => match s.slot {
                Slot::Pending => "pending",
                Slot::Result(_) | Slot::Taken => "finished",
                Slot::Exception(_) => "exception",
                Slot::Cancelled => "cancelled",
            },
            Err(_) => "busy",
        };
        f.debug_struct("Promise").field("state", &state).finish()
    }
}

impl<T: 'static, E: 'static> Promise<T, E> {
    /// A pending promise on the loop running on this thread.
    ///
    /// **asyncio:** `asyncio.get_running_loop().create_future()`.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread; use [`Loop::create_future`] outside one.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     assert!(!fut.is_done());
    /// });
    /// ```
    #[track_caller]
    #[allow(clippy::new_without_default)] // it needs a running loop: a `Default` would hide that panic
    pub fn new() -> Promise<T, E> {
        Promise::on(&crate::event_loop::expect_current("Promise::new"))
    }

    pub(crate) fn on(lp: &Rc<LoopInner>) -> Promise<T, E> {
        Promise {
            inner: Rc::new(Inner {
                state: RefCell::new(State {
                    slot: Slot::Pending,
                    waiters: Slab::new(),
                    callbacks: Vec::new(),
                    next_callback_id: 0,
                }),
                lp: Rc::downgrade(lp),
            }),
            key: Cell::new(None),
        }
    }

    /// Ends the promise with `value`: wakes every awaiter and schedules the done-callbacks.
    ///
    /// **asyncio:** `future.set_result(value)`.
    ///
    /// # Errors
    ///
    /// [`AlreadyDone`] with `value` when the promise was already done (asyncio: `InvalidStateError`).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<&str>::new();
    ///     fut.set_result("hi").unwrap();
    ///     assert_eq!(fut.result().unwrap(), "hi");
    /// });
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), AlreadyDone<T>> {
        self.finish(value, Slot::Result)
    }

    /// Ends the promise with the error `error`: awaiters get `PromiseError::Exception(error)`.
    ///
    /// **asyncio:** `future.set_exception(exception)`.
    ///
    /// # Errors
    ///
    /// [`AlreadyDone`] with `error` when the promise was already done (asyncio: `InvalidStateError`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     fut.set_exception(io::Error::other("no")).unwrap();
    ///     assert_eq!(fut.exception().unwrap().unwrap().to_string(), "no");
    /// });
    /// ```
    pub fn set_exception(&self, error: E) -> Result<(), AlreadyDone<E>> {
        self.finish(error, |e| Slot::Exception(Rc::new(e)))
    }

    /// Cancels the promise: returns `false` (and changes nothing) when it was already done, `true`
    /// otherwise. Awaiters get [`PromiseError::Cancelled`].
    ///
    /// **asyncio:** `future.cancel()`. Differences: no `msg` argument.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     assert!(fut.cancel());
    ///     assert!(!fut.cancel());
    ///     assert!(fut.is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.finish((), |()| Slot::Cancelled).is_ok()
    }

    /// Stores the end state made from `v`, then schedules the done-callbacks (each with `call_soon`) and
    /// wakes the awaiters, all in the order they were registered, as asyncio's awaiters are callbacks.
    fn finish<V>(&self, v: V, make: impl FnOnce(V) -> Slot<T, E>) -> Result<(), AlreadyDone<V>> {
        let (waiters, callbacks) = {
            let mut st = self.inner.state.borrow_mut();
            if !matches!(st.slot, Slot::Pending) {
                return Err(AlreadyDone(v));
            }
            st.slot = make(v);
            (
                std::mem::take(&mut st.waiters),
                std::mem::take(&mut st.callbacks),
            )
        };
        if callbacks.is_empty() && waiters.len() <= 1 {
            for (_, (_, w)) in waiters {
                w.wake();
            }
            return Ok(());
        }
        let mut waiters: Vec<(u64, Waker)> = waiters.into_iter().map(|(_, w)| w).collect();
        waiters.sort_unstable_by_key(|&(seq, _)| seq);
        let mut waiters = waiters.into_iter().peekable();
        let lp = self.inner.lp.upgrade();
        if !callbacks.is_empty() && lp.as_ref().is_none_or(|lp| lp.is_closed()) {
            for (_, w) in waiters {
                w.wake();
            }
            refuse_callbacks(lp.as_ref(), callbacks.into_iter().map(|(_, cb)| cb));
            return Ok(());
        }
        for (id, cb) in callbacks {
            while let Some((_, w)) = waiters.next_if(|&(seq, _)| seq < id) {
                w.wake();
            }
            if let Some(lp) = &lp {
                let me = self.clone();
                lp.call_soon(Box::new(move || cb(&me)));
            }
        }
        for (_, w) in waiters {
            w.wake();
        }
        Ok(())
    }

    /// Whether the promise is done: it has a result, an exception, or was cancelled.
    ///
    /// **asyncio:** `future.done()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     assert!(!fut.is_done());
    ///     fut.set_result(1).unwrap();
    ///     assert!(fut.is_done());
    /// });
    /// ```
    #[doc(alias = "done")]
    pub fn is_done(&self) -> bool {
        !matches!(self.inner.state.borrow().slot, Slot::Pending)
    }

    /// Whether the promise was cancelled.
    ///
    /// **asyncio:** `future.cancelled()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     fut.cancel();
    ///     assert!(fut.is_cancelled());
    /// });
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.state.borrow().slot, Slot::Cancelled)
    }

    /// A copy of the result.
    ///
    /// **asyncio:** `future.result()`.
    ///
    /// # Errors
    ///
    /// [`PromiseError::InvalidState`] while pending (or once `take_result` moved the value out),
    /// [`PromiseError::Cancelled`], or [`PromiseError::Exception`] with the error that was set.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<String>::new();
    ///     fut.set_result("done".into()).unwrap();
    ///     assert_eq!(fut.result().unwrap(), "done");
    ///     assert_eq!(fut.result().unwrap(), "done");
    /// });
    /// ```
    pub fn result(&self) -> Result<T, PromiseError<E>>
    where
        T: Clone,
    {
        match &self.inner.state.borrow().slot {
            Slot::Result(v) => Ok(v.clone()),
            other => Err(error_of(other)),
        }
    }

    /// Moves the result out, for a `T` that is not `Clone` or a single consumer. Afterwards the promise
    /// stays done and `result()` / `take_result()` give `InvalidState`. Errors leave the promise as it is.
    ///
    /// **asyncio:** `future.result()` by its only reader.
    ///
    /// # Errors
    ///
    /// As [`result`](Promise::result).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<Vec<u8>>::new();
    ///     fut.set_result(vec![1, 2]).unwrap();
    ///     assert_eq!(fut.take_result().unwrap(), [1, 2]);
    ///     assert!(fut.take_result().unwrap_err().is_invalid_state());
    /// });
    /// ```
    pub fn take_result(&self) -> Result<T, PromiseError<E>> {
        let mut st = self.inner.state.borrow_mut();
        match std::mem::replace(&mut st.slot, Slot::Taken) {
            Slot::Result(v) => Ok(v),
            other => {
                let err = error_of(&other);
                st.slot = other;
                Err(err)
            }
        }
    }

    /// The error the promise ended with, `None` when it ended with a result.
    ///
    /// **asyncio:** `future.exception()`.
    ///
    /// # Errors
    ///
    /// [`PromiseError::InvalidState`] while pending, [`PromiseError::Cancelled`] when cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     fut.set_result(3).unwrap();
    ///     assert!(fut.exception().unwrap().is_none());
    /// });
    /// ```
    pub fn exception(&self) -> Result<Option<Rc<E>>, PromiseError<E>> {
        match &self.inner.state.borrow().slot {
            Slot::Result(_) | Slot::Taken => Ok(None),
            Slot::Exception(e) => Ok(Some(e.clone())),
            other => Err(error_of(other)),
        }
    }

    /// Adds `f`, to be called with the promise once it is done: scheduled with `call_soon` on the
    /// promise's loop (never called inline), in the order callbacks were added, each exactly once. The
    /// tasks awaiting the promise resume in their places among them: after the callbacks added before
    /// they started waiting, before those added later (asyncio's awaiter wake-up is a done-callback).
    /// Added to a done promise, it is scheduled at once.
    ///
    /// A callback due when the promise's loop is closed or dropped can never run: it is dropped unrun
    /// and an [`ExceptionKind::LoopClosed`](crate::ExceptionKind::LoopClosed) report goes to the
    /// promise's loop's exception handler (once that loop is dropped, to the loop running on this
    /// thread, else standard error). asyncio raises `RuntimeError('Event loop is closed')` out of
    /// `add_done_callback` / `set_result` instead; here the promise still ends as asked.
    ///
    /// **asyncio:** `future.add_done_callback(fn)`. Differences: returns an id for
    /// [`remove_done_callback`](Promise::remove_done_callback); no `context` argument (the callback runs
    /// in a copy of the context in effect when it was added, asyncio's default).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     let seen = Rc::new(Cell::new(0));
    ///     let s = seen.clone();
    ///     fut.add_done_callback(move |f| s.set(f.result().unwrap()));
    ///     fut.set_result(7).unwrap();
    ///     assert_eq!(seen.get(), 0); // scheduled, not called inline
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(seen.get(), 7);
    /// });
    /// ```
    pub fn add_done_callback(&self, f: impl FnOnce(&Promise<T, E>) + 'static) -> DoneCallbackId {
        // Runs in a copy of the context in effect now, as asyncio's `add_done_callback`.
        let f: Callback<T, E> = if crate::task::context_in_effect() {
            let mut ctx = crate::task::TaskContext::current();
            Box::new(move |p: &Promise<T, E>| ctx.run(|| f(p)))
        } else {
            Box::new(f)
        };
        let mut st = self.inner.state.borrow_mut();
        let id = st.next_callback_id;
        st.next_callback_id += 1;
        if matches!(st.slot, Slot::Pending) {
            st.callbacks.push((id, f));
        } else {
            drop(st);
            match self.inner.lp.upgrade() {
                Some(lp) if !lp.is_closed() => {
                    let me = self.clone();
                    lp.call_soon(Box::new(move || f(&me)));
                }
                lp => refuse_callbacks(lp.as_ref(), [f]),
            }
        }
        DoneCallbackId(id)
    }

    /// Removes a done-callback that has not been scheduled yet; returns whether it was there. Once the
    /// promise is done its callbacks are scheduled and can no longer be removed.
    ///
    /// **asyncio:** `future.remove_done_callback(fn)`, which returns how many it removed (0 or 1 here).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<u8>::new();
    ///     let id = fut.add_done_callback(|_| unreachable!());
    ///     assert!(fut.remove_done_callback(id));
    ///     assert!(!fut.remove_done_callback(id));
    ///     fut.set_result(1).unwrap();
    ///     tulip_core::yield_now().await;
    /// });
    /// ```
    pub fn remove_done_callback(&self, id: DoneCallbackId) -> bool {
        let mut st = self.inner.state.borrow_mut();
        match st.callbacks.iter().position(|(i, _)| *i == id.0) {
            Some(pos) => {
                let (_, cb) = st.callbacks.remove(pos);
                drop(st);
                drop(cb); // user code (captures' Drop) runs with the state released
                true
            }
            None => false,
        }
    }

    /// The loop this promise schedules its callbacks on, while it exists.
    ///
    /// **asyncio:** `future.get_loop()`. Differences: `None` once the loop has been dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let fut: tulip_core::Promise<u8> = lp.create_future();
    /// assert!(fut.get_loop().is_some());
    /// ```
    pub fn get_loop(&self) -> Option<Loop> {
        self.inner.lp.upgrade().and_then(|lp| lp.get_loop())
    }

    /// Waits until the promise is done, without reading it (no `Clone` bound); then read it with
    /// [`result`](Promise::result), [`take_result`](Promise::take_result) or
    /// [`exception`](Promise::exception). Any number of tasks may wait at once.
    ///
    /// **asyncio:** `await asyncio.wait([future])`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future unregisters its waker and leaves the promise unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let fut = tulip_core::Promise::<Box<dyn std::any::Any>>::new();
    ///     let f2 = fut.clone();
    ///     tulip_core::call_soon(move || { let _ = f2.set_result(Box::new(5u8)); });
    ///     fut.wait().await;
    ///     assert_eq!(*fut.take_result().unwrap().downcast::<u8>().unwrap(), 5);
    /// });
    /// ```
    pub fn wait(&self) -> Wait<'_, T, E> {
        Wait {
            promise: self,
            key: None,
        }
    }
}

impl<T, E> Promise<T, E> {
    /// Registers (or refreshes) an awaiter's waker; `Ready` once done.
    fn poll_done(&self, key: &mut Option<usize>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.inner.state.borrow_mut();
        if !matches!(st.slot, Slot::Pending) {
            *key = None;
            return Poll::Ready(());
        }
        match key.and_then(|k| st.waiters.get_mut(k)) {
            Some((_, w)) => {
                if !w.will_wake(cx.waker()) {
                    w.clone_from(cx.waker());
                }
            }
            None => {
                let seq = st.next_callback_id;
                st.next_callback_id += 1;
                *key = Some(st.waiters.insert((seq, cx.waker().clone())));
            }
        }
        Poll::Pending
    }

    fn unregister(&self, key: Option<usize>) {
        if let Some(k) = key {
            if let Ok(mut st) = self.inner.state.try_borrow_mut() {
                // A finished promise emptied its slab: the key is stale then, and try_remove ignores it.
                let _ = st.waiters.try_remove(k);
            }
        }
    }
}

/// Done-callbacks that can never run, because the promise's loop (`lp`, `None` once dropped) is closed:
/// drops them (a panicking `Drop` contained and reported) and reports how many were lost, to `lp`'s
/// exception handler, else to the loop running on this thread, else on standard error. asyncio's
/// `call_soon` raises `RuntimeError('Event loop is closed')` at this point.
#[cold]
fn refuse_callbacks<C>(lp: Option<&Rc<LoopInner>>, callbacks: impl IntoIterator<Item = C>) {
    let report =
        |ctx: &crate::ExceptionContext<'_>| match lp.cloned().or_else(crate::context::current) {
            Some(lp) => lp.call_exception_handler(ctx),
            None => eprintln!("tulip: {}", ctx.message()),
        };
    let mut lost = 0usize;
    for cb in callbacks {
        lost += 1;
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(cb))) {
            report(
                &crate::ExceptionContext::callback_panic(
                    "dropping a done-callback its closed loop cannot run",
                )
                .with_panic(&*payload),
            );
        }
    }
    let message = if lost == 1 {
        "Event loop is closed: 1 done-callback of a Promise was dropped unrun".to_owned()
    } else {
        format!("Event loop is closed: {lost} done-callbacks of a Promise were dropped unrun")
    };
    report(&crate::ExceptionContext::loop_closed(message));
}

fn error_of<T, E>(slot: &Slot<T, E>) -> PromiseError<E> {
    match slot {
        Slot::Cancelled => PromiseError::Cancelled,
        Slot::Exception(e) => PromiseError::Exception(e.clone()),
        Slot::Pending | Slot::Taken | Slot::Result(_) => PromiseError::InvalidState,
    }
}

/// The future of [`Promise::wait`]: ready once the promise is done.
///
/// **asyncio:** `await asyncio.wait([future])`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let fut = tulip_core::Promise::<u8>::new();
///     fut.cancel();
///     let w: tulip_core::promise::Wait<'_, u8> = fut.wait();
///     w.await;
///     assert!(fut.is_cancelled());
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<'a, T, E = io::Error> {
    promise: &'a Promise<T, E>,
    key: Option<usize>,
}

impl<T, E> fmt::Debug for Wait<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("promise", self.promise)
            .finish()
    }
}

impl<T, E> Future for Wait<'_, T, E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.promise.poll_done(&mut this.key, cx)
    }
}

impl<T, E> Drop for Wait<'_, T, E> {
    fn drop(&mut self) {
        self.promise.unregister(self.key);
    }
}

impl<T: Clone + 'static, E: 'static> Future for Promise<T, E> {
    type Output = Result<T, PromiseError<E>>;

    /// Each clone awaits on its own: its waker has its own slot, freed when the clone is dropped.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut key = this.key.get();
        let ready = this.poll_done(&mut key, cx);
        this.key.set(key);
        match ready {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(this.result()),
        }
    }
}

impl<T, E> Drop for Promise<T, E> {
    fn drop(&mut self) {
        self.unregister(self.key.get());
    }
}

impl<T: Clone + 'static, E: 'static> IntoFuture for &Promise<T, E> {
    type Output = Result<T, PromiseError<E>>;
    type IntoFuture = Promise<T, E>;

    /// Awaits a clone, so `(&fut).await` leaves `fut` usable.
    fn into_future(self) -> Promise<T, E> {
        self.clone()
    }
}

impl Loop {
    /// A pending [`Promise`] whose done-callbacks run on this loop.
    ///
    /// **asyncio:** `loop.create_future()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let fut: tulip_core::Promise<&str> = lp.create_future();
    /// let setter = fut.clone();
    /// lp.call_soon(move || setter.set_result("from a callback").unwrap());
    /// assert_eq!(lp.block_on(fut).unwrap(), "from a callback");
    /// ```
    #[doc(alias = "Future")]
    pub fn create_future<T: 'static, E: 'static>(&self) -> Promise<T, E> {
        Promise::on(self.inner())
    }
}
