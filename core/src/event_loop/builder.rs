//! The loop builder: debug mode, slow-callback threshold, paused clock.

use std::io;
use std::time::Duration;

use super::Loop;
use crate::selector::Selector;

/// Settings for a new [`Loop`].
///
/// **asyncio:** `asyncio.new_event_loop()` plus `loop.set_debug()` and
/// `loop.slow_callback_duration`; `asyncio.run(main, debug=True)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let lp = tulip_core::Loop::builder()
///     .debug(true)
///     .slow_callback_duration(Duration::from_millis(50))
///     .build()
///     .unwrap();
/// assert!(lp.debug());
/// ```
pub struct Builder {
    pub(crate) debug: bool,
    pub(crate) slow_callback_duration: Duration,
    pub(crate) start_paused: bool,
    pub(crate) selector: Option<Box<dyn Selector>>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("debug", &self.debug)
            .field("slow_callback_duration", &self.slow_callback_duration)
            .field("start_paused", &self.start_paused)
            .field("custom_selector", &self.selector.is_some())
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Default settings; debug mode is on when the environment variable `TULIP_DEBUG` is set to a
    /// non-empty value other than `0` (asyncio's `PYTHONASYNCIODEBUG`).
    pub fn new() -> Self {
        let debug = std::env::var_os("TULIP_DEBUG").is_some_and(|v| !v.is_empty() && v != "0");
        Builder {
            debug,
            slow_callback_duration: Duration::from_millis(100),
            start_paused: false,
            selector: None,
        }
    }

    /// Debug mode: every task poll and callback is timed, and one that holds the loop longer than
    /// [`slow_callback_duration`](Builder::slow_callback_duration) is reported to the exception handler
    /// with the task's name and spawn location. Off by default; costs one branch per poll when off.
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// The debug-mode threshold (default 100 ms, as asyncio).
    pub fn slow_callback_duration(mut self, d: Duration) -> Self {
        self.slow_callback_duration = d;
        self
    }

    /// Starts the loop's clock paused: time moves only when the loop has nothing ready to run and no
    /// work in flight on the blocking pool ([`spawn_blocking`](crate::spawn_blocking), `fs`, name
    /// resolution), and then jumps straight to the next timer's deadline. Timer tests become exact and
    /// take no wall time (tokio's `start_paused`).
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// The selector the loop waits on (default: [`PollingSelector`](crate::selector::PollingSelector),
    /// epoll or kqueue; with the environment variable `TULIP_SELECTOR=poll`,
    /// [`PollSelector`](crate::selector::PollSelector), so a whole test suite can run on either). Any [`Selector`] works, e.g. one that also waits on another library's sockets.
    ///
    /// **asyncio:** `asyncio.SelectorEventLoop(selector)`.
    pub fn selector(mut self, selector: impl Selector) -> Self {
        self.selector = Some(Box::new(selector));
        self
    }

    /// Makes the loop.
    ///
    /// # Errors
    ///
    /// When the OS refuses a poller (e.g. the process is out of file descriptors).
    pub fn build(self) -> io::Result<Loop> {
        Loop::from_builder(self)
    }
}
