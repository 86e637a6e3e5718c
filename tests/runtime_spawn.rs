//! Where work runs on a runtime: `Runtime::spawn` places `Send` futures on workers, `tulip::spawn`
//! keeps (possibly `!Send`) work on the current worker, `call_soon_threadsafe` reaches any worker.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use tulip::runtime::{current_worker, Placement, RuntimeHandle};
use tulip::Runtime;

const WORKERS: usize = 4;

/// Every worker spawns one task on every worker (through that worker's `Handle`): all sixteen run, each
/// on the worker it was sent to, and each reports back to the task that spawned it.
///
/// asyncio: `asyncio.run_coroutine_threadsafe(coro, other_loop)` from each loop to each loop.
#[test]
fn spawn_to_every_worker_from_every_worker() {
    let rt = Runtime::builder().workers(WORKERS).build().unwrap();
    let rt_handle = rt.handle();
    let pairs = rt.block_on(async move {
        let from_each: Vec<_> = rt_handle
            .handles()
            .iter()
            .map(|h| {
                h.spawn(async {
                    let me = current_worker().unwrap();
                    let rt = RuntimeHandle::current();
                    let tasks: Vec<_> = rt
                        .handles()
                        .iter()
                        .map(|to| to.spawn(async move { (me, current_worker().unwrap()) }))
                        .collect();
                    let mut got = Vec::new();
                    for t in tasks {
                        got.push(t.await);
                    }
                    got
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in from_each {
            all.extend(t.await);
        }
        all
    });
    let mut expected = Vec::new();
    for from in 0..WORKERS {
        for to in 0..WORKERS {
            expected.push((from, to));
        }
    }
    assert_eq!(pairs, expected);
}

/// Each placement spreads `Runtime::spawn` over every worker: round-robin exactly evenly, least-loaded
/// onto the worker with fewer live tasks (here, tasks that never finish, so it must cycle too).
#[test]
fn runtime_spawn_reaches_every_worker_under_both_placements() {
    for placement in [Placement::RoundRobin, Placement::LeastLoaded] {
        let rt = Runtime::builder()
            .workers(WORKERS)
            .placement(placement)
            .build()
            .unwrap();
        let per_worker: Arc<Vec<AtomicUsize>> =
            Arc::new((0..WORKERS).map(|_| AtomicUsize::new(0)).collect());
        let mut tasks = Vec::new();
        for _ in 0..(WORKERS * 10) {
            let p = per_worker.clone();
            tasks.push(rt.spawn(async move {
                p[current_worker().unwrap()].fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await
            }));
        }
        // Wait until all forty have started (they run on other threads).
        while per_worker
            .iter()
            .map(|a| a.load(Ordering::SeqCst))
            .sum::<usize>()
            < WORKERS * 10
        {
            thread::yield_now();
        }
        let counts: Vec<usize> = per_worker
            .iter()
            .map(|a| a.load(Ordering::SeqCst))
            .collect();
        assert_eq!(counts, vec![10; WORKERS], "{placement:?}");
        rt.shutdown_timeout(Duration::ZERO);
        assert!(tasks.iter().all(|t| t.is_finished()), "{placement:?}");
    }
}

/// Least-loaded placement sends new work away from a worker whose placed tasks are still running:
/// with one long task on worker 0, the next spawn goes to worker 1, and once it ends worker 0 is
/// the least loaded again.
#[test]
fn least_loaded_avoids_the_busy_worker() {
    let rt = Runtime::builder()
        .workers(2)
        .placement(Placement::LeastLoaded)
        .build()
        .unwrap();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let long = rt.spawn(async move {
        let w = current_worker();
        tulip::spawn_blocking(move || release_rx.recv())
            .await
            .unwrap();
        w
    });
    let second = rt.spawn(async { current_worker() });
    assert_eq!(rt.block_on(second), Some(1));
    release_tx.send(()).unwrap();
    assert_eq!(rt.block_on(long), Some(0));
    let third = rt.spawn(async { current_worker() });
    assert_eq!(rt.block_on(third), Some(0));
}

/// `tulip::spawn` on a worker keeps the task on that worker's loop and thread, so `!Send` values (an
/// `Rc`) are fine: from `block_on_local` (worker 0) and from a closure sent to worker 2.
///
/// asyncio: `asyncio.create_task(coro)` runs on the running loop.
#[test]
fn not_send_work_stays_on_its_loop() {
    let rt = Runtime::builder().workers(WORKERS).build().unwrap();
    let (w, same_thread, count) = rt.block_on_local(|| async {
        let shared = Rc::new(std::cell::Cell::new(0));
        let here = thread::current().id();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let shared = shared.clone();
                tulip::spawn(async move {
                    tulip::yield_now().await;
                    shared.set(shared.get() + 1);
                    (current_worker(), thread::current().id())
                })
            })
            .collect();
        let mut same = true;
        let mut worker = None;
        for t in tasks {
            let (w, id) = t.await;
            same &= id == here;
            worker = w;
        }
        (worker, same, shared.get())
    });
    assert_eq!((w, same_thread, count), (Some(0), true, 20));

    let (tx, rx) = std::sync::mpsc::channel();
    rt.worker(2).call_soon_threadsafe(move || {
        let local = Rc::new(7);
        tulip::spawn(async move {
            tulip::yield_now().await;
            tx.send((current_worker(), *local)).unwrap();
        })
        .detach();
    });
    assert_eq!(rx.recv().unwrap(), (Some(2), 7));
}

/// `call_soon_threadsafe` to each worker, from a plain thread, runs the closure on that worker.
///
/// asyncio: `loop.call_soon_threadsafe(callback)`.
#[test]
fn call_soon_threadsafe_reaches_each_worker() {
    let rt = Runtime::builder().workers(WORKERS).build().unwrap();
    let handles = rt.handles();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for (i, h) in handles.iter().enumerate() {
            let tx = tx.clone();
            assert!(h.call_soon_threadsafe(move || tx.send((i, current_worker())).unwrap()));
        }
    })
    .join()
    .unwrap();
    let mut got: Vec<_> = (0..WORKERS).map(|_| rx.recv().unwrap()).collect();
    got.sort();
    let expected: Vec<_> = (0..WORKERS).map(|i| (i, Some(i))).collect();
    assert_eq!(got, expected);
}

/// `block_on` runs on worker 0 and resumes a panic of its future on the caller; the runtime keeps
/// working afterwards.
#[test]
fn block_on_runs_on_worker_zero_and_resumes_panics() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    assert_eq!(rt.block_on(async { current_worker() }), Some(0));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("main failed") })
    }))
    .unwrap_err();
    assert_eq!(*caught.downcast::<&str>().unwrap(), "main failed");
    assert_eq!(rt.block_on(async { 5 }), 5);
}

/// Zero workers is refused with `InvalidInput`; thread names follow the prefix.
#[test]
fn builder_checks_and_names_threads() {
    let err = Runtime::builder().workers(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let rt = Runtime::builder()
        .workers(2)
        .thread_name("srv")
        .build()
        .unwrap();
    let name = rt.block_on(async { thread::current().name().map(str::to_owned) });
    assert_eq!(name.as_deref(), Some("srv-0"));
}

/// With pinning, each worker runs only on the CPU it was given (Linux).
#[cfg(target_os = "linux")]
#[test]
fn pinned_workers_run_on_their_cpu() {
    let rt = Runtime::builder()
        .workers(2)
        .pin_cpus(true)
        .build()
        .unwrap();
    for i in 0..2 {
        let (tx, rx) = std::sync::mpsc::channel();
        rt.worker(i).call_soon_threadsafe(move || {
            let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
            let allowed = status
                .lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|v| v.trim().to_owned());
            tx.send(allowed).unwrap();
        });
        let allowed = rx
            .recv()
            .unwrap()
            .expect("Cpus_allowed_list in /proc/thread-self/status");
        // One CPU: a single number, no range or list.
        assert!(
            allowed.parse::<usize>().is_ok(),
            "worker {i} may run on CPUs {allowed}"
        );
    }
}

/// Each worker of a paused-clock runtime has its own paused clock: an hour-long sleep on each ends
/// (on a real clock this test would not finish).
#[test]
fn paused_clock_on_every_worker() {
    let rt = Runtime::builder()
        .workers(2)
        .start_paused(true)
        .build()
        .unwrap();
    let tasks: Vec<_> = rt
        .handles()
        .iter()
        .map(|h| {
            h.spawn(async {
                let t0 = tulip::time::now();
                tulip::time::sleep(Duration::from_secs(3600)).await;
                tulip::time::now() - t0
            })
        })
        .collect();
    for t in tasks {
        assert!(rt.block_on(t) >= Duration::from_secs(3600));
    }
}
