//! One worker: a thread running a tulip loop until the runtime shuts it down, and the worker-local
//! state (its index, its shutdown hooks) that code running on it can reach.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use super::{affinity, LoopSettings, RuntimeHandle};
use crate::{Handle, Loop};

/// While draining, how often a worker checks whether its tasks have all ended.
const DRAIN_POLL: Duration = Duration::from_millis(1);

// The phases of a worker, in order; each only moves forward. 0: running.

/// Shutdown began: run the shutdown hooks (servers stop accepting), let the tasks finish.
const DRAINING: u8 = 1;
/// The deadline passed: stop waiting, cancel what is left.
const CANCELLING: u8 = 2;

/// What the runtime shares with one worker thread to drive its shutdown.
#[derive(Debug, Default)]
pub(crate) struct Control {
    phase: AtomicU8,
    /// The worker's main future, waiting for the next phase.
    waker: Mutex<Option<Waker>>,
    /// Set (and signalled) once the worker has no task left or stopped waiting for them.
    drained: Mutex<bool>,
    drained_cv: Condvar,
}

impl Control {
    /// Moves the worker to `phase` (never backwards) and wakes it.
    fn advance(&self, phase: u8) {
        self.phase.fetch_max(phase, Ordering::AcqRel);
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn begin_drain(&self) {
        self.advance(DRAINING);
    }

    pub(crate) fn cancel(&self) {
        self.advance(CANCELLING);
    }

    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Acquire)
    }

    /// Waits (on the worker) until the phase is at least `phase`.
    async fn reached(&self, phase: u8) {
        poll_fn(|cx| {
            if self.phase() >= phase {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            // Re-check: `advance` may have run between the first load and storing the waker.
            if self.phase() >= phase {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }

    fn set_drained(&self) {
        *self.drained.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.drained_cv.notify_all();
    }

    /// Waits (on the runtime's thread) until the worker has drained, at most until `deadline` (`None`:
    /// without a limit). Returns whether it drained.
    pub(crate) fn wait_drained(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut drained = self.drained.lock().unwrap_or_else(|e| e.into_inner());
        while !*drained {
            let Some(deadline) = deadline else {
                drained = self
                    .drained_cv
                    .wait(drained)
                    .unwrap_or_else(|e| e.into_inner());
                continue;
            };
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            drained = self
                .drained_cv
                .wait_timeout(drained, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// What a worker thread knows about itself, set for the thread's whole life.
struct WorkerLocal {
    index: usize,
    runtime: RuntimeHandle,
    /// Run once when shutdown begins (servers close their listening sockets here).
    on_shutdown: RefCell<Vec<Box<dyn FnOnce()>>>,
}

thread_local! {
    static WORKER: RefCell<Option<Rc<WorkerLocal>>> = const { RefCell::new(None) };
}

fn with_worker<R>(f: impl FnOnce(&Rc<WorkerLocal>) -> R) -> Option<R> {
    WORKER
        .try_with(|w| w.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The index of the runtime worker this thread is, if it is one.
///
/// **asyncio:** none (one loop per process); compare `threading.current_thread().name` in a program
/// that runs a loop per thread.
///
/// # Examples
///
/// ```
/// use tulip_core::runtime::{current_worker, Runtime};
/// assert_eq!(current_worker(), None);
/// let rt = Runtime::builder().workers(2).build().unwrap();
/// assert_eq!(rt.block_on(async { current_worker() }), Some(0));
/// ```
pub fn current_worker() -> Option<usize> {
    with_worker(|w| w.index)
}

/// The runtime this thread is a worker of, if any.
pub(crate) fn current_runtime() -> Option<RuntimeHandle> {
    with_worker(|w| w.runtime.clone())
}

/// Registers `f` to run on this worker when its runtime begins to shut down, before it waits for the
/// remaining tasks: the place to stop accepting (close a server) or to tell long-lived tasks to finish.
/// Hooks run in the order they were added. Returns `false` (and drops `f`) on a thread that is not a
/// runtime worker.
///
/// **asyncio:** none (`asyncio.run` has no shutdown hooks); what a server's shutdown code does before
/// `asyncio.run` cancels the remaining tasks (close the servers, then wait for the connections).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_core::runtime::{on_shutdown, Runtime};
///
/// let rt = Runtime::builder().workers(1).build().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// assert!(rt.block_on(async move { on_shutdown(move || tx.send("closing").unwrap()) }));
/// rt.shutdown_timeout(Duration::from_secs(1));
/// assert_eq!(rx.recv().unwrap(), "closing");
/// ```
pub fn on_shutdown(f: impl FnOnce() + 'static) -> bool {
    with_worker(|w| w.on_shutdown.borrow_mut().push(Box::new(f))).is_some()
}

/// Everything a worker thread needs to start.
pub(crate) struct WorkerStart {
    pub(crate) index: usize,
    pub(crate) cpu: Option<usize>,
    pub(crate) settings: Arc<LoopSettings>,
    pub(crate) control: Arc<Control>,
    /// The loop's handle goes back to `build` through here, or the error that stopped the worker.
    pub(crate) ready: mpsc::Sender<io::Result<Handle>>,
    /// The runtime, once every worker is up (the worker waits for it before running anything).
    pub(crate) runtime: mpsc::Receiver<RuntimeHandle>,
}

/// The body of a worker thread.
pub(crate) fn run(start: WorkerStart) {
    let WorkerStart {
        index,
        cpu,
        settings,
        control,
        ready,
        runtime,
    } = start;
    let lp = match prepare(cpu, &settings) {
        Ok(lp) => lp,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(lp.handle())).is_err() {
        return;
    }
    // `build` gave up (another worker failed) when the runtime never arrives.
    let Ok(runtime) = runtime.recv() else {
        lp.close();
        return;
    };
    let local = Rc::new(WorkerLocal {
        index,
        runtime,
        on_shutdown: RefCell::new(Vec::new()),
    });
    let _ = WORKER.try_with(|w| *w.borrow_mut() = Some(local.clone()));
    lp.block_on(serve(&control, &local));
    control.set_drained();
    // Cancels every task still pending, dropping each future here, on its own thread.
    lp.close();
    let _ = WORKER.try_with(|w| w.borrow_mut().take());
}

fn prepare(cpu: Option<usize>, settings: &LoopSettings) -> io::Result<Loop> {
    if let Some(cpu) = cpu {
        affinity::pin_current_thread(cpu)?;
    }
    settings.build_loop()
}

/// The worker's own future: idle until shutdown, then run the hooks and wait for the tasks to end (or
/// for the deadline).
async fn serve(control: &Control, local: &WorkerLocal) {
    control.reached(DRAINING).await;
    run_hooks(local);
    while control.phase() < CANCELLING
        && !crate::context::with_current(|l| l.is_idle()).unwrap_or(true)
    {
        tulip_time::sleep(DRAIN_POLL).await;
        // A server started while draining stops accepting too.
        run_hooks(local);
    }
}

/// Runs the shutdown hooks added so far, in order, each once.
fn run_hooks(local: &WorkerLocal) {
    let hooks = std::mem::take(&mut *local.on_shutdown.borrow_mut());
    for hook in hooks {
        // A panicking hook must not stop the others or the drain.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook));
    }
}
