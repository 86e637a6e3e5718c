//! Helpers shared by the integration tests: drop counters, a seeded PRNG, an exception recorder.
//!
//! Networking helpers live in submodules:
//! - [`example`]: build an `examples/` program once, run it as a separate process, wait for its
//!   `listening on <ip:port>` line, read what it prints, kill it on drop (`Example::start("echo")`).
//! - [`client`]: a std-threads echo client: N concurrent connections each echoing M pseudo-random
//!   bytes, verified byte for byte, then EOF (`client::echo_concurrent(addr, 200, 256 * 1024)`).
//! - [`child`]: `isolated(name, body)` runs one test in a child process (for scenarios that may abort).
//! - [`net`]: in-process set-up: a bounded `run`, a connected TCP pair, temporary socket paths.
//! - [`trace`]: the trace an asyncio port prints, compared with python3's.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

pub(crate) mod child;
pub(crate) mod client;
pub(crate) mod example;
#[cfg(feature = "hyper")]
pub(crate) mod http;
pub(crate) mod net;
pub(crate) mod protocol;
#[cfg(all(feature = "tls", feature = "rcgen"))]
pub(crate) mod tls;
pub(crate) mod trace;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use tulip::{ExceptionKind, Loop};

/// Counts how many times the values it hands out are dropped.
#[derive(Clone, Debug, Default)]
pub(crate) struct DropCount(Arc<AtomicUsize>);

impl DropCount {
    pub(crate) fn new() -> Self {
        DropCount::default()
    }

    /// A value that adds one to this count when dropped.
    pub(crate) fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Adds one to its [`DropCount`] when dropped.
#[derive(Debug)]
pub(crate) struct DropToken(Arc<AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A loop whose clock starts paused: timers fire in exact order and take no wall time.
pub(crate) fn paused_loop() -> Loop {
    Loop::builder()
        .start_paused(true)
        .debug(false)
        .build()
        .expect("a loop")
}

/// A loop with debug mode off, whatever `TULIP_DEBUG` says.
pub(crate) fn real_loop() -> Loop {
    Loop::builder().debug(false).build().expect("a loop")
}

/// A small, seeded xorshift64* generator: the same seed gives the same test every run.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Shuffles `v` in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// What the exception handler was told, copied out of the borrowed context.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) kind: ExceptionKind,
    pub(crate) message: String,
    pub(crate) task_name: Option<String>,
    pub(crate) task_location: Option<(&'static str, u32)>,
    pub(crate) panic_message: Option<String>,
}

/// Installs an exception handler on `lp` that records every report.
pub(crate) fn record_exceptions(lp: &Loop) -> Rc<RefCell<Vec<Report>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    lp.set_exception_handler(move |ctx| {
        s.borrow_mut().push(Report {
            kind: ctx.kind(),
            message: ctx.message().to_owned(),
            task_name: ctx.task().and_then(|t| t.name().map(str::to_owned)),
            task_location: ctx
                .task()
                .map(|t| (t.location().file(), t.location().line())),
            panic_message: ctx.panic_message().map(str::to_owned),
        });
    });
    seen
}

/// A one-shot, thread-safe signal: `notify` from any thread, `wait().await` on a loop.
#[derive(Clone, Debug, Default)]
pub(crate) struct Signal(Arc<SignalInner>);

#[derive(Debug, Default)]
pub(crate) struct SignalInner {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    pub(crate) fn new() -> Self {
        Signal::default()
    }

    pub(crate) fn notify(&self) {
        self.0.set.store(true, Ordering::SeqCst);
        if let Some(w) = self.0.waker.lock().unwrap().take() {
            w.wake();
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.set.load(Ordering::SeqCst)
    }

    pub(crate) fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.is_set() {
                return Poll::Ready(());
            }
            *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.is_set() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// A future that is always ready but spends the task's cooperative budget first, like a socket that
/// always has data.
#[derive(Debug, Default)]
pub(crate) struct AlwaysReady;

impl Future for AlwaysReady {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        tulip::coop::poll_proceed(cx)
    }
}

/// A waker that does nothing, to poll a future by hand.
pub(crate) fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

/// Yields to the loop `n` times.
pub(crate) async fn yield_many(n: usize) {
    for _ in 0..n {
        tulip::yield_now().await;
    }
}
