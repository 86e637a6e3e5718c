//! What `#[tulip::main]` and `#[tulip::test]` expand to call. Not a public API: the expansion is the only
//! caller, and the shape may change with the attributes.

use std::future::Future;

/// The attribute's options, as the expansion writes them.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `Some` overrides the loop's default (the `TULIP_DEBUG` environment variable).
    pub debug: Option<bool>,
    /// Start the loop's clock paused.
    pub start_paused: bool,
}

/// Runs `body` to completion on a new loop built with `opts`, then closes the loop (as `tulip::run`).
///
/// # Panics
///
/// When the OS refuses a poller (out of file descriptors), when a loop already runs on this thread, or
/// when `body` panics (a test's failed assertion reaches the test harness this way).
#[track_caller]
pub fn run<F: Future>(opts: Options, body: F) -> F::Output {
    let mut builder = crate::Loop::builder().start_paused(opts.start_paused);
    if let Some(on) = opts.debug {
        builder = builder.debug(on);
    }
    let lp = builder
        .build()
        .unwrap_or_else(|e| panic!("tulip: could not create the event loop: {e}"));
    // Closed before a panic of `body` resumes, so a `Drop` panicking in the shutdown is no abort.
    tulip_core::run_then_close(&lp, body)
}

/// Runs the future `body()` makes on worker 0 of a new multi-core runtime with `workers` workers, each
/// loop built with `opts`; then shuts the runtime down, cancelling what is left on every worker
/// (`#[tulip::main(workers = N)]`).
///
/// # Panics
///
/// When the runtime cannot start (no threads, no pollers), when called on a thread that runs a loop, or
/// when the body panics.
#[track_caller]
pub fn run_workers<M, F>(opts: Options, workers: usize, body: M) -> F::Output
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let mut builder = crate::Runtime::builder()
        .workers(workers)
        .start_paused(opts.start_paused);
    if let Some(on) = opts.debug {
        builder = builder.debug(on);
    }
    let rt = builder
        .build()
        .unwrap_or_else(|e| panic!("tulip: could not start the runtime's {workers} workers: {e}"));
    let out = rt.block_on_local(body);
    rt.shutdown_timeout(std::time::Duration::ZERO);
    out
}
