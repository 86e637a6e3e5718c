//! The workloads shared by the `runtime` (criterion) and `instructions` (callgrind) benches, written once
//! against [`Runtime`] and run on tulip, tokio's current_thread runtime and smol's `LocalExecutor`.
//!
//! Each workload is an `async fn` to pass to [`Runtime::block_on`]. Channels are `async-channel` on every
//! runtime, so the channel costs the same everywhere; tasks are trivial so the runtime's own cost shows.

use std::future::Future;
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::Sender;
use futures_lite::future::poll_once;

/// What a workload needs from a runtime. Spawning and sleeping are "ambient" (they reach the runtime
/// running on this thread), as user code does with `tulip::spawn` / `tokio::spawn`.
pub(crate) trait Runtime {
    /// The name used in benchmark ids and on the instruction harness's command line.
    const NAME: &'static str;
    /// A spawned task; awaiting it gives the task's output.
    type Task<T: Send + 'static>: Future<Output = T> + Send + 'static;
    /// A timer future, registered on its first poll and cancelled when dropped.
    type Sleep: Future + Send + 'static;
    /// What another thread holds to spawn onto this runtime.
    type Remote: Clone + Send + 'static;

    /// Runs `f` to completion on this runtime, driving spawned tasks and timers.
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    /// Like [`Runtime::block_on`], for a future that spawns through a [`Runtime::Remote`].
    fn block_on_remote<F: Future>(&self, f: F) -> F::Output {
        self.block_on(f)
    }
    /// Spawns `f` on the runtime running on this thread.
    fn spawn<F>(f: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Lets `task` run on without a handle.
    fn detach<T: Send + 'static>(task: Self::Task<T>);
    /// Yields once to the scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// A timer that completes after `d`.
    fn sleep(d: Duration) -> Self::Sleep;
    /// A timer that completes at `deadline`.
    fn sleep_until(deadline: Instant) -> Self::Sleep;
    /// Wraps a future so that the runtime's cooperative budget cannot turn its polls into no-ops
    /// (tokio's timers return `Pending` without registering once the budget is spent).
    fn unconstrained<F: Future>(f: F) -> impl Future<Output = F::Output> {
        f
    }
    /// A handle for other threads; called from inside the running runtime.
    fn remote() -> Self::Remote;
    /// Spawns `f` from another thread and lets it run detached.
    fn remote_spawn<F: Future<Output = ()> + Send + 'static>(remote: &Self::Remote, f: F);
}

/// tulip: a [`tulip::Loop`].
pub(crate) struct Tulip(tulip::Loop);

impl Tulip {
    pub(crate) fn new() -> Self {
        Tulip(tulip::Loop::new().expect("tulip loop"))
    }
}

impl Runtime for Tulip {
    const NAME: &'static str = "tulip";
    type Task<T: Send + 'static> = tulip::Task<T>;
    type Sleep = tulip::time::Sleep;
    type Remote = tulip::Handle;

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F>(f: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tulip::spawn(f)
    }
    fn detach<T: Send + 'static>(task: Self::Task<T>) {
        task.detach();
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tulip::yield_now()
    }
    fn sleep(d: Duration) -> Self::Sleep {
        tulip::time::sleep(d)
    }
    fn sleep_until(deadline: Instant) -> Self::Sleep {
        tulip::time::sleep_until(deadline)
    }
    fn remote() -> Self::Remote {
        tulip::Handle::current()
    }
    fn remote_spawn<F: Future<Output = ()> + Send + 'static>(remote: &Self::Remote, f: F) {
        remote.spawn(f).detach();
    }
}

/// tokio: a current_thread runtime with I/O and time enabled.
pub(crate) struct Tokio(tokio::runtime::Runtime);

impl Tokio {
    pub(crate) fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        Tokio(rt)
    }
}

/// A tokio `JoinHandle` whose output is the task's output, as tulip's and smol's tasks give.
pub(crate) struct TokioTask<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("tokio task failed"))
    }
}

impl Runtime for Tokio {
    const NAME: &'static str = "tokio";
    type Task<T: Send + 'static> = TokioTask<T>;
    type Sleep = tokio::time::Sleep;
    type Remote = tokio::runtime::Handle;

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F>(f: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioTask(tokio::spawn(f))
    }
    fn detach<T: Send + 'static>(task: Self::Task<T>) {
        drop(task);
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
    fn sleep(d: Duration) -> Self::Sleep {
        tokio::time::sleep(d)
    }
    fn sleep_until(deadline: Instant) -> Self::Sleep {
        tokio::time::sleep_until(deadline.into())
    }
    fn unconstrained<F: Future>(f: F) -> impl Future<Output = F::Output> {
        tokio::task::unconstrained(f)
    }
    fn remote() -> Self::Remote {
        tokio::runtime::Handle::current()
    }
    fn remote_spawn<F: Future<Output = ()> + Send + 'static>(remote: &Self::Remote, f: F) {
        drop(remote.spawn(f));
    }
}

thread_local! {
    /// smol's single-thread executor; spawning reaches it through this slot.
    static SMOL_LOCAL: smol::LocalExecutor<'static> = const { smol::LocalExecutor::new() };
}

/// smol's thread-safe executor, for the cross-thread workload only (a `LocalExecutor` cannot be spawned
/// onto from another thread).
static SMOL_SHARED: smol::Executor<'static> = smol::Executor::new();

/// smol: the thread's `LocalExecutor`, driven by `smol::block_on` (async-io's reactor).
pub(crate) struct Smol;

impl Smol {
    pub(crate) fn new() -> Self {
        Smol
    }
}

impl Runtime for Smol {
    const NAME: &'static str = "smol";
    type Task<T: Send + 'static> = smol::Task<T>;
    type Sleep = smol::Timer;
    type Remote = &'static smol::Executor<'static>;

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        SMOL_LOCAL.with(|ex| smol::block_on(ex.run(f)))
    }
    fn block_on_remote<F: Future>(&self, f: F) -> F::Output {
        smol::block_on(SMOL_SHARED.run(f))
    }
    fn spawn<F>(f: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        SMOL_LOCAL.with(|ex| ex.spawn(f))
    }
    fn detach<T: Send + 'static>(task: Self::Task<T>) {
        task.detach();
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
    fn sleep(d: Duration) -> Self::Sleep {
        smol::Timer::after(d)
    }
    fn sleep_until(deadline: Instant) -> Self::Sleep {
        smol::Timer::at(deadline)
    }
    fn remote() -> Self::Remote {
        &SMOL_SHARED
    }
    fn remote_spawn<F: Future<Output = ()> + Send + 'static>(remote: &Self::Remote, f: F) {
        remote.spawn(f).detach();
    }
}

/// Spawns `n` trivial tasks one after another, awaiting each before the next.
pub(crate) async fn spawn_await_loop<R: Runtime>(n: usize) {
    for i in 0..n {
        black_box(R::spawn(async move { black_box(i) }).await);
    }
}

/// Spawns `n` trivial tasks, then awaits them all.
pub(crate) async fn spawn_await_batch<R: Runtime>(n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| R::spawn(async move { black_box(i) }))
        .collect();
    for t in tasks {
        black_box(t.await);
    }
}

/// Each task spawns the next, `depth` deep; the last one signals the caller.
pub(crate) async fn chained_spawn<R: Runtime>(depth: usize) {
    fn link<R: Runtime>(done: Sender<()>, left: usize) {
        if left == 0 {
            done.try_send(()).expect("signal the end of the chain");
        } else {
            R::detach(R::spawn(async move { link::<R>(done, left - 1) }));
        }
    }
    let (tx, rx) = async_channel::bounded(1);
    link::<R>(tx, depth);
    rx.recv().await.expect("the chain ends");
}

/// `tasks` tasks each yielding `yields` times.
pub(crate) async fn yield_many<R: Runtime>(tasks: usize, yields: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            R::spawn(async move {
                for _ in 0..yields {
                    R::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
}

/// Two tasks exchange `rounds` messages over capacity-1 channels (one round trip per message).
pub(crate) async fn ping_pong<R: Runtime>(rounds: usize) {
    let (ping_tx, ping_rx) = async_channel::bounded::<usize>(1);
    let (pong_tx, pong_rx) = async_channel::bounded::<usize>(1);
    let echo = R::spawn(async move {
        while let Ok(v) = ping_rx.recv().await {
            if pong_tx.send(v).await.is_err() {
                break;
            }
        }
    });
    let driver = R::spawn(async move {
        for i in 0..rounds {
            ping_tx.send(i).await.expect("echo alive");
            black_box(pong_rx.recv().await.expect("echo alive"));
        }
    });
    driver.await;
    echo.await;
}

/// Counts finished units of work and signals when the last of `target` is done.
struct Countdown {
    done: AtomicUsize,
    target: usize,
    signal: Sender<()>,
}

impl Countdown {
    fn new(target: usize) -> (Arc<Self>, async_channel::Receiver<()>) {
        let (signal, rx) = async_channel::bounded(1);
        let c = Countdown {
            done: AtomicUsize::new(0),
            target,
            signal,
        };
        (Arc::new(c), rx)
    }

    fn tick(&self) {
        if self.done.fetch_add(1, Ordering::Relaxed) + 1 == self.target {
            self.signal.try_send(()).expect("signal once");
        }
    }
}

/// Another thread spawns `n` trivial tasks onto the running runtime; returns when all have run.
pub(crate) async fn cross_thread<R: Runtime>(n: usize) {
    if n == 0 {
        return;
    }
    let remote = R::remote();
    let (count, done) = Countdown::new(n);
    let thread = std::thread::spawn(move || {
        for _ in 0..n {
            let count = count.clone();
            R::remote_spawn(&remote, async move { count.tick() });
        }
    });
    done.recv().await.expect("all spawned tasks ran");
    thread.join().expect("spawning thread");
}

/// tulip only: another thread schedules `n` closures with `call_soon_threadsafe`; returns when all ran.
pub(crate) async fn cross_thread_call_soon(n: usize) {
    if n == 0 {
        return;
    }
    let handle = tulip::Handle::current();
    let (count, done) = Countdown::new(n);
    let thread = std::thread::spawn(move || {
        for _ in 0..n {
            let count = count.clone();
            assert!(handle.call_soon_threadsafe(move || count.tick()));
        }
    });
    done.recv().await.expect("all callbacks ran");
    thread.join().expect("scheduling thread");
}

/// tulip only: `n` `call_soon` callbacks queued, then run.
pub(crate) async fn call_soon(n: usize) {
    let ran = std::rc::Rc::new(std::cell::Cell::new(0usize));
    for _ in 0..n {
        let ran = ran.clone();
        // The handle only cancels on `cancel()`; dropping it leaves the callback queued.
        let _ = tulip::call_soon(move || ran.set(ran.get() + 1));
    }
    while ran.get() < n {
        tulip::yield_now().await;
    }
}

/// tulip only, the counterpart of [`call_soon`]: `n` detached tasks doing the same.
pub(crate) async fn spawn_detached(n: usize) {
    let ran = std::rc::Rc::new(std::cell::Cell::new(0usize));
    for _ in 0..n {
        let ran = ran.clone();
        tulip::spawn(async move { ran.set(ran.get() + 1) }).detach();
    }
    while ran.get() < n {
        tulip::yield_now().await;
    }
}

/// The delay of the `i`-th short-lived timer: 10 ms to 10 s, so inserts land on several wheel levels.
fn delay(i: usize) -> Duration {
    Duration::from_millis(10 + (i as u64 * 37) % 10_000)
}

/// `n` timers, each created, polled once (so it registers) and dropped (cancelled).
pub(crate) async fn timer_insert_cancel<R: Runtime>(n: usize) {
    for i in 0..n {
        let sleep = pin!(R::sleep(delay(i)));
        // `Some` only if this thread was descheduled for longer than the delay.
        black_box(poll_once(sleep).await);
    }
}

/// `n` registered timers 1 to 2 hours out, kept alive by the caller while other workloads run. Drop them
/// inside `block_on` so each runtime cancels them the ordinary way.
pub(crate) async fn live_timers<R: Runtime>(n: usize) -> Vec<Pin<Box<R::Sleep>>> {
    let base = Instant::now() + Duration::from_secs(3600);
    let mut timers = Vec::with_capacity(n);
    for i in 0..n {
        let at = base + Duration::from_millis((i as u64 * 7919) % 3_600_000);
        let mut sleep = Box::pin(R::sleep_until(at));
        assert!(poll_once(sleep.as_mut()).await.is_none());
        timers.push(sleep);
    }
    timers
}

/// `n` timers with deadlines spread evenly over `spread`, starting `lead` from now: all are registered,
/// every other one is cancelled when `cancel_half`, and the rest are awaited in deadline order.
///
/// # Panics
///
/// When a timer had already expired while the timers were being created (`lead` too short for this
/// machine, e.g. under valgrind), as the workload would then not be the one intended.
pub(crate) async fn timer_spread<R: Runtime>(
    n: usize,
    lead: Duration,
    spread: Duration,
    cancel_half: bool,
) {
    let start = Instant::now() + lead;
    let mut timers = Vec::with_capacity(n);
    for i in 0..n {
        let at = start + spread.mul_f64((i + 1) as f64 / n as f64);
        let mut sleep = Box::pin(R::sleep_until(at));
        if poll_once(sleep.as_mut()).await.is_some() {
            // Already expired, so never registered; it must not be polled again (a finished smol
            // `Timer` would stay pending forever).
            assert!(
                lead.is_zero(),
                "timer {i} expired before all were made: raise `lead`"
            );
            continue;
        }
        timers.push(sleep);
    }
    // Cancel every other timer (dropping it), then await the rest.
    let step = if cancel_half { 2 } else { 1 };
    let kept: Vec<_> = timers.into_iter().step_by(step).collect();
    for sleep in kept {
        sleep.await;
    }
}
