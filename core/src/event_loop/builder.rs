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
#[doc(alias = "Builder")]
pub struct LoopBuilder {
    pub(crate) debug: bool,
    pub(crate) slow_callback_duration: Duration,
    pub(crate) start_paused: bool,
    pub(crate) selector: Option<Box<dyn Selector>>,
}

impl std::fmt::Debug for LoopBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopBuilder")
            .field("debug", &self.debug)
            .field("slow_callback_duration", &self.slow_callback_duration)
            .field("start_paused", &self.start_paused)
            .field("custom_selector", &self.selector.is_some())
            .finish()
    }
}

impl Default for LoopBuilder {
    fn default() -> Self {
        LoopBuilder::new()
    }
}

impl LoopBuilder {
    /// Default settings; debug mode is on when the environment variable `TULIP_DEBUG` is set to a
    /// non-empty value other than `0` (asyncio's `PYTHONASYNCIODEBUG`).
    ///
    /// **asyncio:** `asyncio.new_event_loop()`, with its settings applied before the loop exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::LoopBuilder::new().build().unwrap();
    /// assert_eq!(lp.block_on(async { 1 }), 1);
    /// ```
    pub fn new() -> Self {
        let debug = std::env::var_os("TULIP_DEBUG").is_some_and(|v| !v.is_empty() && v != "0");
        LoopBuilder {
            debug,
            slow_callback_duration: Duration::from_millis(100),
            start_paused: false,
            selector: None,
        }
    }

    /// Debug mode: every task poll and callback is timed, and one that holds the loop longer than
    /// [`slow_callback_duration`](LoopBuilder::slow_callback_duration) is reported to the exception handler
    /// with the task's name and spawn location. Off by default; costs one branch per poll when off.
    ///
    /// **asyncio:** `loop.set_debug(True)` before the loop runs, or `PYTHONASYNCIODEBUG=1`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().debug(true).build().unwrap();
    /// assert!(lp.debug());
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// The debug-mode threshold (default 100 ms, as asyncio).
    ///
    /// **asyncio:** `loop.slow_callback_duration = 0.05`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder()
    ///     .slow_callback_duration(Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(lp.slow_callback_duration(), Duration::from_millis(50));
    /// ```
    pub fn slow_callback_duration(mut self, d: Duration) -> Self {
        self.slow_callback_duration = d;
        self
    }

    /// Starts the loop's clock paused: time moves only when the loop has nothing ready to run and no
    /// work in flight on the blocking pool ([`spawn_blocking`](crate::spawn_blocking), `fs`, name
    /// resolution), and then jumps straight to the next timer's deadline. Timer tests become exact and
    /// take no wall time (tokio's `start_paused`).
    ///
    /// **asyncio:** none (asyncio has no paused clock; its tests mock `loop.time()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lp = tulip_core::Loop::builder().start_paused(true).build().unwrap();
    /// let t0 = lp.time();
    /// lp.block_on(tulip_time::sleep(Duration::from_secs(3600))); // no wall time passes
    /// assert!(lp.time() - t0 >= Duration::from_secs(3600));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// The selector the loop waits on (default: [`DefaultSelector`](crate::selector::DefaultSelector),
    /// epoll on Linux, kqueue on macOS and the BSDs; with the environment variable
    /// `TULIP_SELECTOR=poll`, [`PollSelector`](crate::selector::PollSelector), and with
    /// `TULIP_SELECTOR=fault`, a [`FaultInjectingSelector`](crate::selector::FaultInjectingSelector), so a
    /// whole test suite can run on either). Any [`Selector`] works, e.g. one that also waits on another library's sockets.
    ///
    /// **asyncio:** `asyncio.SelectorEventLoop(selector)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::selector::PollSelector;
    /// let lp = tulip_core::Loop::builder()
    ///     .selector(PollSelector::new().unwrap())
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(lp.block_on(async { 1 }), 1);
    /// ```
    pub fn selector(mut self, selector: impl Selector) -> Self {
        self.selector = Some(Box::new(selector));
        self
    }

    /// Makes the loop.
    ///
    /// **asyncio:** `asyncio.new_event_loop()`.
    ///
    /// # Errors
    ///
    /// When the OS refuses a poller (e.g. the process is out of file descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let lp = tulip_core::Loop::builder().build().unwrap();
    /// assert!(!lp.is_running());
    /// ```
    pub fn build(self) -> io::Result<Loop> {
        Loop::from_builder(self)
    }
}
