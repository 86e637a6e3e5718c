//! Where `Runtime::spawn` puts a task: the next worker in turn, or the one running the fewest.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// How [`Runtime::spawn`](super::Runtime::spawn) picks a worker for a `Send` future.
///
/// **asyncio:** none (one loop per process); the choice a multi-loop server makes when it hands work to
/// another loop with `run_coroutine_threadsafe`.
///
/// # Examples
///
/// ```
/// use tulip_core::runtime::{Placement, Runtime};
/// let rt = Runtime::builder().workers(2).placement(Placement::LeastLoaded).build().unwrap();
/// assert_eq!(rt.block_on(async { 5 }), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placement {
    /// Each spawn goes to the next worker in turn: one shared atomic increment per spawn. The default
    /// (see BENCHMARKS.md: it spawns faster, and the spread is even for uniform work).
    #[default]
    RoundRobin,
    /// Each spawn goes to the worker with the fewest live tasks spawned through the runtime (ties go to
    /// the lowest index): a scan of one counter per worker, and a counter update when the task ends.
    /// Better when task lengths vary widely.
    LeastLoaded,
}

/// Picks workers; shared by every `RuntimeHandle`.
#[derive(Debug)]
pub(crate) struct Placer {
    placement: Placement,
    next: AtomicUsize,
    /// Live tasks spawned through the runtime, per worker (`LeastLoaded` only).
    loads: Vec<Arc<AtomicUsize>>,
}

impl Placer {
    pub(crate) fn new(placement: Placement, workers: usize) -> Placer {
        Placer {
            placement,
            next: AtomicUsize::new(0),
            loads: (0..workers)
                .map(|_| Arc::new(AtomicUsize::new(0)))
                .collect(),
        }
    }

    /// The worker for the next spawn, and the load counter to hold while the task lives (`LeastLoaded`).
    #[inline]
    pub(crate) fn pick(&self) -> (usize, Option<LoadGuard>) {
        match self.placement {
            Placement::RoundRobin => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) % self.loads.len();
                (i, None)
            }
            Placement::LeastLoaded => {
                let (i, load) = self
                    .loads
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, l)| l.load(Ordering::Relaxed))
                    .expect("a runtime has at least one worker");
                load.fetch_add(1, Ordering::Relaxed);
                (i, Some(LoadGuard(load.clone())))
            }
        }
    }
}

/// Counts one live task on a worker; the count drops with the task's future.
#[derive(Debug)]
pub(crate) struct LoadGuard(Arc<AtomicUsize>);

impl Drop for LoadGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A future that holds its worker's load counter until it is dropped.
    pub(crate) struct Counted<F> {
        #[pin]
        pub(crate) future: F,
        pub(crate) _load: Option<LoadGuard>,
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}
