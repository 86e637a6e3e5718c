//! Unix signals delivered through the loop's reactor: [`ctrl_c`], a [`Signal`] stream per signal,
//! [`shutdown_signal`], and the loop's `add_signal_handler` / `remove_signal_handler`.
//!
//! **asyncio:** `loop.add_signal_handler()` / `loop.remove_signal_handler()`
//! (<https://docs.python.org/3/library/asyncio-eventloop.html#unix-signals>), and the
//! `KeyboardInterrupt` that `asyncio.run` turns Ctrl-C into.
//!
//! # Implementation
//!
//! The process has one signal handler per signal, installed by `signal-hook`. Every listener (a
//! [`Signal`], a loop's signal handler) registers its own action with it: a write of one byte into the
//! listener's own non-blocking socket pair (the self-pipe trick). The read end is an [`Async`](crate::Async) source of
//! the loop that polls it, so a delivery wakes that loop out of its poller like any readiness, and the
//! handler itself does nothing but that one async-signal-safe `send`. Several loops (on several
//! threads) and several listeners of the same signal each get every delivery. Deliveries that arrive
//! while nobody reads coalesce into one, as pending signals do in the kernel.
//!
//! Dropping the last listener of a signal gives it back its default action (as asyncio's
//! `remove_signal_handler` does), provided it had the default action before tulip first listened to it;
//! a signal that was ignored stays ignored.
//!
//! # Examples
//!
//! ```
//! use tulip_core::signal::{self, SIGUSR1};
//!
//! tulip_core::run(async {
//!     let mut usr1 = signal::signal(SIGUSR1)?;
//!     signal::raise(SIGUSR1)?;
//!     usr1.recv().await?;
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

mod handlers;
mod registration;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) use handlers::{add_handler, remove_handler};
use registration::{Pipe, Registration};

macro_rules! signal_consts {
    ($($name:ident: $what:literal,)*) => {$(
        #[doc = concat!("`", stringify!($name), "`: ", $what, ".")]
        ///
        #[doc = concat!("**asyncio:** `signal.", stringify!($name), "`.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let sig = tulip_core::signal::", stringify!($name), ";")]
        /// assert!(sig > 0);
        /// ```
        pub const $name: i32 = libc::$name;
    )*};
}

signal_consts! {
    SIGHUP: "the controlling terminal hung up; daemons reload their configuration on it",
    SIGINT: "interrupt from the keyboard (Ctrl-C)",
    SIGQUIT: "quit from the keyboard (Ctrl-\\)",
    SIGTERM: "polite request to terminate, sent by `kill`, init systems and container runtimes",
    SIGUSR1: "user-defined signal 1",
    SIGUSR2: "user-defined signal 2",
    SIGALRM: "a timer set with `alarm` expired",
    SIGCHLD: "a child process stopped or exited",
    SIGCONT: "continue after a stop",
    SIGPIPE: "write to a pipe with no reader",
    SIGTSTP: "stop request from the keyboard (Ctrl-Z)",
    SIGWINCH: "the terminal window changed size",
}

/// Sends `signum` to the calling thread, as if the OS had delivered it.
///
/// **asyncio:** none (a `signal`-module call); Python's `signal.raise_signal(signum)`.
///
/// # Errors
///
/// When `signum` is not a valid signal number (`InvalidInput`).
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, SIGUSR2};
/// tulip_core::run(async {
///     let mut sig = signal::signal(SIGUSR2)?;
///     signal::raise(SIGUSR2)?;
///     sig.recv().await
/// })
/// .unwrap();
/// ```
#[doc(alias = "raise_signal")]
pub fn raise(signum: i32) -> io::Result<()> {
    signal_hook::low_level::raise(signum)
}

/// Starts listening for `signum`; see [`Signal`].
///
/// **asyncio:** `loop.add_signal_handler(signum, callback)`, as a stream instead of a callback.
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be caught (`SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`,
/// `SIGSEGV`) or is not a signal number; otherwise an OS error (out of descriptors).
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, SIGHUP};
/// tulip_core::run(async {
///     let mut hup = signal::signal(SIGHUP)?;
///     signal::raise(SIGHUP)?;
///     hup.recv().await // e.g. reload the configuration now
/// })
/// .unwrap();
/// ```
pub fn signal(signum: i32) -> io::Result<Signal> {
    Signal::new(signum)
}

/// A stream of deliveries of one signal.
///
/// Listening starts when the `Signal` is made, so a delivery that arrives before the first
/// [`recv`](Signal::recv) is kept; deliveries that arrive while nobody reads coalesce into one. The read
/// end joins the reactor of the loop that first polls it. Dropping the `Signal` stops listening; when it
/// was the signal's last listener, the signal gets its default action back (see the [module
/// docs](self)).
///
/// **asyncio:** `loop.add_signal_handler(signum, callback)` / `remove_signal_handler(signum)`, with
/// the callback turned into an awaitable stream.
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{Signal, SIGUSR1};
/// tulip_core::run(async {
///     let mut a = Signal::new(SIGUSR1)?;
///     let mut b = Signal::new(SIGUSR1)?;
///     tulip_core::signal::raise(SIGUSR1)?;
///     a.recv().await?; // every listener gets every delivery
///     b.recv().await?;
///     assert_eq!(a.signum(), SIGUSR1);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "Signals")]
#[must_use = "a Signal stops listening when dropped"]
pub struct Signal {
    // Field order is drop order: unregister the handler's action before closing the pipe it writes to.
    reg: Registration,
    pipe: Pipe,
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("signum", &self.reg.signum())
            .finish_non_exhaustive()
    }
}

impl Signal {
    /// Starts listening for `signum`. Needs no running loop.
    ///
    /// **asyncio:** `loop.add_signal_handler(signum, callback)`.
    ///
    /// # Errors
    ///
    /// As [`signal()`](fn@signal).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::signal::{Signal, SIGTERM};
    /// assert!(Signal::new(SIGTERM).is_ok());
    /// let err = Signal::new(9).unwrap_err(); // SIGKILL cannot be caught
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn new(signum: i32) -> io::Result<Signal> {
        let (reg, pipe) = Registration::new(signum)?;
        Ok(Signal { reg, pipe })
    }

    /// The signal number this stream listens for.
    ///
    /// **asyncio:** the `signum` passed to `add_signal_handler`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::signal::{signal, SIGWINCH};
    /// assert_eq!(signal(SIGWINCH).unwrap().signum(), SIGWINCH);
    /// ```
    pub fn signum(&self) -> i32 {
        self.reg.signum()
    }

    /// Waits for the next delivery (or returns at once if one arrived since the last call).
    ///
    /// **asyncio:** the callback of `loop.add_signal_handler` being called.
    ///
    /// # Errors
    ///
    /// Only if the reactor fails to watch the pipe.
    ///
    /// # Panics
    ///
    /// When first polled with no tulip loop running on this thread.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery is consumed only when `recv` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::signal::{self, SIGUSR1};
    /// tulip_core::run(async {
    ///     let mut sig = signal::signal(SIGUSR1)?;
    ///     signal::raise(SIGUSR1)?;
    ///     signal::raise(SIGUSR1)?; // may coalesce with the first
    ///     sig.recv().await
    /// })
    /// .unwrap();
    /// ```
    pub fn recv(&mut self) -> Recv<'_> {
        Recv { signal: self }
    }

    /// Polls for the next delivery; see [`Signal::recv`].
    ///
    /// **asyncio:** none (asyncio calls back instead); for hand-written futures and streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::Poll;
    /// use tulip_core::signal::{self, SIGUSR2};
    /// tulip_core::run(async {
    ///     let mut sig = signal::signal(SIGUSR2).unwrap();
    ///     let first = std::future::poll_fn(|cx| Poll::Ready(sig.poll_recv(cx).is_pending())).await;
    ///     assert!(first);
    /// });
    /// ```
    #[track_caller]
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pipe.poll_recv(cx)
    }

    /// Splits into the registration and the pipe (for the loop's signal handlers).
    fn into_parts(self) -> (Registration, Pipe) {
        (self.reg, self.pipe)
    }
}

impl futures_core::Stream for Signal {
    type Item = io::Result<()>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<()>>> {
        self.get_mut().poll_recv(cx).map(Some)
    }
}

/// The future returned by [`Signal::recv`].
///
/// **asyncio:** the wait before a signal handler's callback runs.
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, Recv, SIGUSR1};
/// tulip_core::run(async {
///     let mut sig = signal::signal(SIGUSR1)?;
///     let next: Recv<'_> = sig.recv();
///     signal::raise(SIGUSR1)?;
///     next.await
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Recv<'a> {
    signal: &'a mut Signal,
}

impl Future for Recv<'_> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.signal.poll_recv(cx)
    }
}

/// Waits for Ctrl-C (`SIGINT`). Listening starts when `ctrl_c()` is called, not when the future is
/// first polled, so a Ctrl-C in between is not lost; while the future lives, Ctrl-C no longer
/// terminates the process.
///
/// **asyncio:** `asyncio.run` raising `KeyboardInterrupt` in the main task, or
/// `loop.add_signal_handler(signal.SIGINT, callback)`.
///
/// # Errors
///
/// When listening could not start (out of descriptors).
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, SIGINT};
/// tulip_core::run(async {
///     let interrupted = signal::ctrl_c();
///     signal::raise(SIGINT)?; // as if the user pressed Ctrl-C
///     interrupted.await
/// })
/// .unwrap();
/// ```
#[doc(alias = "KeyboardInterrupt")]
pub fn ctrl_c() -> CtrlC {
    CtrlC {
        signal: Some(Signal::new(SIGINT)),
    }
}

/// The future returned by [`ctrl_c`]: listens for `SIGINT` from its creation until it is dropped.
///
/// **asyncio:** `KeyboardInterrupt`, as an awaitable.
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, CtrlC, SIGINT};
/// tulip_core::run(async {
///     let interrupted: CtrlC = signal::ctrl_c();
///     signal::raise(SIGINT)?;
///     interrupted.await
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them; dropping it stops listening"]
pub struct CtrlC {
    signal: Option<io::Result<Signal>>,
}

impl Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.signal {
            Some(Ok(sig)) => sig.poll_recv(cx),
            Some(Err(_)) => match self.signal.take() {
                Some(Err(e)) => Poll::Ready(Err(e)),
                _ => unreachable!("checked above"),
            },
            None => panic!("CtrlC polled after completion"),
        }
    }
}

/// Waits for the first `SIGINT` or `SIGTERM`, the two ways a service is asked to stop, and returns which
/// one arrived. Listening starts at the call, so the process no longer dies of either signal from then
/// on: call it before announcing readiness, then stop accepting work when it completes.
///
/// **asyncio:** the usual pattern
/// `for s in (SIGINT, SIGTERM): loop.add_signal_handler(s, stop.set)` followed by `await stop.wait()`.
///
/// # Errors
///
/// When listening could not start (out of descriptors).
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, SIGTERM};
/// tulip_core::run(async {
///     let stop = signal::shutdown_signal();
///     signal::raise(SIGTERM)?; // as `kill <pid>` would
///     assert_eq!(stop.await?, SIGTERM);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub fn shutdown_signal() -> ShutdownSignal {
    let signals = Signal::new(SIGINT).and_then(|int| Ok([int, Signal::new(SIGTERM)?]));
    ShutdownSignal {
        signals: Some(signals),
    }
}

/// The future returned by [`shutdown_signal`]: listens for `SIGINT` and `SIGTERM` from its creation
/// until it is dropped, and resolves to the first that arrives.
///
/// **asyncio:** an `asyncio.Event` set by `add_signal_handler` callbacks for both signals.
///
/// # Examples
///
/// ```
/// use tulip_core::signal::{self, ShutdownSignal, SIGINT};
/// tulip_core::run(async {
///     let stop: ShutdownSignal = signal::shutdown_signal();
///     signal::raise(SIGINT)?;
///     assert_eq!(stop.await?, SIGINT);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them; dropping it stops listening"]
pub struct ShutdownSignal {
    signals: Option<io::Result<[Signal; 2]>>,
}

impl Future for ShutdownSignal {
    type Output = io::Result<i32>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<i32>> {
        match &mut self.signals {
            Some(Ok(signals)) => {
                for sig in signals.iter_mut() {
                    if let Poll::Ready(res) = sig.poll_recv(cx) {
                        let signum = sig.signum();
                        return Poll::Ready(res.map(|()| signum));
                    }
                }
                Poll::Pending
            }
            Some(Err(_)) => match self.signals.take() {
                Some(Err(e)) => Poll::Ready(Err(e)),
                _ => unreachable!("checked above"),
            },
            None => panic!("ShutdownSignal polled after completion"),
        }
    }
}
