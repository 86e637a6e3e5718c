//! The loop's exception handler: where panics nobody observed and debug-mode reports go.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use crate::task::{panic_message, TaskInfo};

/// What kind of problem an [`ExceptionContext`] reports.
///
/// **asyncio:** the `message` key of the context dict passed to the exception handler.
///
/// # Examples
///
/// ```
/// use tulip_core::ExceptionKind;
/// assert_ne!(ExceptionKind::UnobservedTaskPanic, ExceptionKind::CallbackPanic);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExceptionKind {
    /// A task panicked and nobody awaited it: it was detached, or its handle was dropped
    /// (asyncio: "Task exception was never retrieved").
    UnobservedTaskPanic,
    /// A `call_soon` / `call_later` / `call_at` / done-callback panicked (asyncio: "Exception in callback").
    CallbackPanic,
    /// A task's future panicked while it was being dropped (when the task was cancelled, or after it
    /// finished). The task still got its outcome and its done-callbacks (asyncio has no counterpart:
    /// a coroutine's `finally` raising is the closest).
    TaskDropPanic,
    /// Debug mode: a task poll or a callback held the loop longer than `slow_callback_duration`
    /// (asyncio logs "Executing <Task ...> took 0.153 seconds").
    SlowCallback {
        /// How long it held the loop.
        elapsed: Duration,
    },
    /// The poller failed; the loop keeps going.
    ReactorError,
    /// A protocol broke its contract and its connection was closed with that error (asyncio's transports
    /// report "Fatal error: protocol.get_buffer() call failed." and close): a `BufferedProtocol` whose
    /// `get_buffer` returned an empty buffer.
    ProtocolError,
    /// Work was due on a loop that is closed (or already dropped), so it can never run and was dropped
    /// unrun: a [`Promise`](crate::Promise)'s done-callbacks when it ends after its loop closed
    /// (asyncio: `loop.call_soon` raises `RuntimeError('Event loop is closed')` out of
    /// `future.set_result()`).
    LoopClosed,
    /// Reported by user code through [`Loop::call_exception_handler`](crate::Loop::call_exception_handler)
    /// with a context made by [`ExceptionContext::new`].
    Reported,
}

/// What the exception handler is told.
///
/// **asyncio:** the `context` dict of `loop.set_exception_handler(handler)` / `call_exception_handler`.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use tulip_core::{ExceptionKind, Loop};
///
/// let lp = Loop::new().unwrap();
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let s = seen.clone();
/// lp.set_exception_handler(move |ctx| s.borrow_mut().push(ctx.kind()));
/// lp.block_on(async {
///     tulip_core::spawn(async { panic!("lost") }).detach();
///     tulip_core::yield_now().await;
/// });
/// assert_eq!(*seen.borrow(), [ExceptionKind::UnobservedTaskPanic]);
/// ```
pub struct ExceptionContext<'a> {
    pub(crate) kind: ExceptionKind,
    pub(crate) message: String,
    pub(crate) task: Option<&'a TaskInfo>,
    pub(crate) panic: Option<&'a (dyn Any + Send)>,
}

impl<'a> ExceptionContext<'a> {
    /// A context for user code to report a problem, of kind [`ExceptionKind::Reported`], with no task or
    /// panic attached until [`with_task`](ExceptionContext::with_task) /
    /// [`with_panic`](ExceptionContext::with_panic) add them.
    ///
    /// **asyncio:** the `context` dict passed to `loop.call_exception_handler(context)`, with its
    /// `message` key.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::{ExceptionContext, ExceptionKind};
    /// let ctx = ExceptionContext::new("protocol error: bad header");
    /// assert_eq!(ctx.kind(), ExceptionKind::Reported);
    /// assert_eq!(ctx.message(), "protocol error: bad header");
    /// ```
    pub fn new(message: impl Into<String>) -> ExceptionContext<'a> {
        ExceptionContext {
            kind: ExceptionKind::Reported,
            message: message.into(),
            task: None,
            panic: None,
        }
    }

    /// A context of kind [`ExceptionKind::ProtocolError`], for tulip's transports.
    #[doc(hidden)]
    pub fn protocol_error(message: impl Into<String>) -> ExceptionContext<'a> {
        ExceptionContext {
            kind: ExceptionKind::ProtocolError,
            ..ExceptionContext::new(message)
        }
    }

    /// A context of kind [`ExceptionKind::LoopClosed`]: work due on a closed loop was dropped unrun.
    pub(crate) fn loop_closed(message: impl Into<String>) -> ExceptionContext<'a> {
        ExceptionContext {
            kind: ExceptionKind::LoopClosed,
            ..ExceptionContext::new(message)
        }
    }

    /// A context of kind [`ExceptionKind::CallbackPanic`], for tulip's transports: a protocol method
    /// they called panicked and they carry on (asyncio: "Exception in callback ...").
    #[doc(hidden)]
    pub fn callback_panic(message: impl Into<String>) -> ExceptionContext<'a> {
        ExceptionContext {
            kind: ExceptionKind::CallbackPanic,
            ..ExceptionContext::new(message)
        }
    }

    /// Calls protocol method `what` through `f` for one of tulip's transports. A panic is caught and
    /// reported to the running loop's exception handler as a [`ExceptionKind::CallbackPanic`] ("Exception
    /// in callback {what}()", standard error off a loop), so the transport can go on as asyncio's do when
    /// a protocol method raises. Returns `false` if `f` panicked.
    #[doc(hidden)]
    pub fn contain_callback_panic(what: &str, f: impl FnOnce()) -> bool {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(()) => true,
            Err(payload) => {
                Self::report_callback_panic(format!("Exception in callback {what}()"), &*payload);
                false
            }
        }
    }

    /// Tells a protocol to pause (`pause`) or resume writing through `f`, for one of tulip's
    /// transports. A panic is caught and reported as a [`ExceptionKind::CallbackPanic`] with asyncio's
    /// message ("protocol.pause_writing() failed" / "protocol.resume_writing() failed", from
    /// `_FlowControlMixin._maybe_pause_protocol` / `_maybe_resume_protocol`), and the transport goes on.
    #[doc(hidden)]
    pub fn contain_flow_panic(pause: bool, f: impl FnOnce()) {
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let message = if pause {
                "protocol.pause_writing() failed"
            } else {
                "protocol.resume_writing() failed"
            };
            Self::report_callback_panic(message, &*payload);
        }
    }

    /// Reports `payload`, a panic caught in a callback of one of tulip's transports, to the running
    /// loop's exception handler as a [`ExceptionKind::CallbackPanic`] with `message` (on standard
    /// error, with the panic's text, off a loop).
    #[doc(hidden)]
    #[cold]
    pub fn report_callback_panic(message: impl Into<String>, payload: &(dyn Any + Send)) {
        let message = message.into();
        match crate::try_get_running_loop() {
            Some(lp) => lp.call_exception_handler(
                &ExceptionContext::callback_panic(message).with_panic(payload),
            ),
            None => eprintln!("tulip: {message}: {}", panic_message(payload)),
        }
    }

    /// Adds the task involved.
    ///
    /// **asyncio:** the context's `task` key.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let t = tulip_core::spawn(async { tulip_core::current_task().unwrap() });
    ///     let info = t.await;
    ///     let ctx = tulip_core::ExceptionContext::new("stuck").with_task(&info);
    ///     assert_eq!(ctx.task().map(|t| t.id()), Some(info.id()));
    /// });
    /// ```
    pub fn with_task(mut self, task: &'a TaskInfo) -> ExceptionContext<'a> {
        self.task = Some(task);
        self
    }

    /// Adds a panic payload (a caught panic, or any value standing for the exception).
    ///
    /// **asyncio:** the context's `exception` key.
    ///
    /// # Examples
    ///
    /// ```
    /// let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
    /// let ctx = tulip_core::ExceptionContext::new("caught").with_panic(&*payload);
    /// assert_eq!(ctx.panic_message(), Some("boom"));
    /// ```
    pub fn with_panic(mut self, payload: &'a (dyn Any + Send)) -> ExceptionContext<'a> {
        self.panic = Some(payload);
        self
    }

    /// What happened.
    ///
    /// **asyncio:** the context's `message` key, as a kind to match on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| *s.borrow_mut() = Some(ctx.kind()));
    /// lp.block_on(async {
    ///     tulip_core::spawn(async { panic!("lost") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// assert_eq!(*seen.borrow(), Some(tulip_core::ExceptionKind::UnobservedTaskPanic));
    /// ```
    pub fn kind(&self) -> ExceptionKind {
        self.kind
    }
    /// A one-line description, as the default handler prints it.
    ///
    /// **asyncio:** `context['message']`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| *s.borrow_mut() = Some(ctx.message().to_string()));
    /// lp.block_on(async {
    ///     tulip_core::spawn(async { panic!("lost") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// assert!(!seen.borrow().as_deref().unwrap().is_empty());
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The task involved, if any.
    ///
    /// **asyncio:** `context['task']`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| *s.borrow_mut() = Some(ctx.task().map(|t| t.id())));
    /// lp.block_on(async {
    ///     tulip_core::spawn(async { panic!("lost") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// assert!(seen.borrow().unwrap().is_some());
    /// ```
    pub fn task(&self) -> Option<&'a TaskInfo> {
        self.task
    }
    /// The panic payload, for panics.
    ///
    /// **asyncio:** `context['exception']`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| {
    ///     *s.borrow_mut() = Some(ctx.panic().and_then(|p| p.downcast_ref::<&str>().copied()))
    /// });
    /// lp.block_on(async {
    ///     tulip_core::spawn(async { panic!("lost") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// assert_eq!(*seen.borrow(), Some(Some("lost")));
    /// ```
    pub fn panic(&self) -> Option<&'a (dyn Any + Send)> {
        self.panic
    }
    /// The panic message, when the payload is a string.
    ///
    /// **asyncio:** `str(context['exception'])`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// lp.set_exception_handler(move |ctx| {
    ///     *s.borrow_mut() = Some(ctx.panic_message().map(String::from))
    /// });
    /// lp.block_on(async {
    ///     tulip_core::spawn(async { panic!("lost") }).detach();
    ///     tulip_core::yield_now().await;
    /// });
    /// assert_eq!(*seen.borrow(), Some(Some("lost".to_string())));
    /// ```
    pub fn panic_message(&self) -> Option<&'a str> {
        self.panic.map(panic_message)
    }
}

impl fmt::Debug for ExceptionContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExceptionContext")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("task", &self.task)
            .finish()
    }
}

impl fmt::Display for ExceptionContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The handler used when none is set: prints the message to stderr.
///
/// **asyncio:** `loop.default_exception_handler(context)`.
///
/// # Examples
///
/// ```
/// let lp = tulip_core::Loop::new().unwrap();
/// lp.set_exception_handler(|ctx| {
///     // add something, then fall back to the default
///     tulip_core::default_exception_handler(ctx);
/// });
/// ```
pub fn default_exception_handler(ctx: &ExceptionContext<'_>) {
    eprintln!("tulip: {}", ctx.message);
}

/// An installed exception handler, as [`Loop::get_exception_handler`](crate::Loop::get_exception_handler)
/// returns it.
///
/// **asyncio:** the handler function `loop.get_exception_handler()` returns.
///
/// # Examples
///
/// ```
/// let lp = tulip_core::Loop::new().unwrap();
/// lp.set_exception_handler(|_| {});
/// let h: tulip_core::ExceptionHandler = lp.get_exception_handler().unwrap();
/// h(&tulip_core::ExceptionContext::new("called directly"));
/// ```
pub type ExceptionHandler = std::rc::Rc<dyn Fn(&ExceptionContext<'_>)>;
