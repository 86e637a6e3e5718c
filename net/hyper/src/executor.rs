//! hyper's `Executor` on tulip: background futures become detached tasks on the running loop.

use std::future::Future;

/// Spawns hyper's background futures (connection drivers of the pooled client, HTTP/2 streams) as
/// detached tasks on the loop running on the calling thread.
///
/// **asyncio:** `loop.create_task(coro)` whose task nobody awaits.
///
/// A panic in such a future reaches the loop's exception handler, as for any task, and does not stop
/// the loop.
///
/// # Panics
///
/// `execute` panics when no tulip loop runs on the calling thread: hyper calls it from futures that a
/// tulip loop is polling, so this happens only if hyper's futures are driven by some other executor.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor;
/// # tulip_core::run(async {
/// let done = std::rc::Rc::new(tulip_core::sync::Event::new());
/// let setter = done.clone();
/// tulip_hyper::TulipExecutor::new().execute(async move { setter.set() });
/// done.wait().await;
/// assert!(done.is_set());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TulipExecutor {
    _private: (),
}

impl TulipExecutor {
    /// The executor; it holds nothing, and spawns on whichever loop runs where `execute` is called.
    ///
    /// **asyncio:** `asyncio.get_running_loop()`, whose `create_task` hyper's futures go to.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper::rt::Executor;
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let done = Rc::new(tulip_core::sync::Event::new());
    ///     let (exec, setter) = (tulip_hyper::TulipExecutor::new(), done.clone());
    ///     exec.execute(async move { setter.set() }); // a detached task
    ///     done.wait().await;
    /// });
    /// ```
    pub fn new() -> Self {
        TulipExecutor { _private: () }
    }
}

impl<F> hyper::rt::Executor<F> for TulipExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    #[track_caller]
    fn execute(&self, fut: F) {
        tulip_core::spawn(fut).detach();
    }
}
