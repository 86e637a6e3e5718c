//! Spawning onto other threads: tulip's runtime (a loop per worker) against tokio's multi_thread
//! runtime, both with two workers.
//!
//! ```text
//! cargo bench -p tulip-benches --bench workers
//! ```
//!
//! Each iteration spawns `TASKS` trivial tasks and waits until all have run. Two groups:
//! - `remote_spawn`: from a thread outside the runtime (tulip: a worker's `Handle::spawn` or
//!   `Runtime::spawn`; tokio: `Handle::spawn`, its inject queue);
//! - `spawn_from_worker`: from a task on worker 0 (tulip: to worker 1 explicitly, or by placement;
//!   tokio: `tokio::spawn` inside a task, its local queue plus work stealing).
//!
//! The tulip placements are measured side by side to choose the default (BENCHMARKS.md).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tulip::runtime::Placement;

/// Tasks per iteration.
const TASKS: usize = 10_000;

fn tulip_runtime(placement: Placement) -> tulip::Runtime {
    tulip::Runtime::builder()
        .workers(2)
        .placement(placement)
        .build()
        .expect("tulip runtime")
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime")
}

fn remote_spawn(c: &mut Criterion) {
    let mut g = c.benchmark_group("remote_spawn");
    g.throughput(Throughput::Elements(TASKS as u64));

    let rt = tulip_runtime(Placement::RoundRobin);
    g.bench_function("tulip worker(1).spawn", |b| {
        b.iter(|| {
            let tasks: Vec<_> = (0..TASKS).map(|_| rt.worker(1).spawn(async {})).collect();
            rt.block_on(async move {
                for t in tasks {
                    t.await;
                }
            })
        })
    });
    for (name, placement) in [
        ("tulip Runtime::spawn round-robin", Placement::RoundRobin),
        ("tulip Runtime::spawn least-loaded", Placement::LeastLoaded),
    ] {
        let rt = tulip_runtime(placement);
        g.bench_function(name, |b| {
            b.iter(|| {
                let tasks: Vec<_> = (0..TASKS).map(|_| rt.spawn(async {})).collect();
                rt.block_on(async move {
                    for t in tasks {
                        t.await;
                    }
                })
            })
        });
    }

    let tokio = tokio_runtime();
    g.bench_function("tokio multi_thread(2) Handle::spawn", |b| {
        b.iter(|| {
            let tasks: Vec<_> = (0..TASKS).map(|_| tokio.handle().spawn(async {})).collect();
            tokio.block_on(async move {
                for t in tasks {
                    t.await.expect("task");
                }
            })
        })
    });
    g.finish();
}

fn spawn_from_worker(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_from_worker");
    g.throughput(Throughput::Elements(TASKS as u64));

    let rt = tulip_runtime(Placement::RoundRobin);
    let other = rt.worker(1).clone();
    g.bench_function("tulip to worker 1", |b| {
        b.iter(|| {
            let other = other.clone();
            rt.block_on(async move {
                let tasks: Vec<_> = (0..TASKS).map(|_| other.spawn(async {})).collect();
                for t in tasks {
                    t.await;
                }
            })
        })
    });
    for (name, placement) in [
        ("tulip round-robin", Placement::RoundRobin),
        ("tulip least-loaded", Placement::LeastLoaded),
    ] {
        let rt = tulip_runtime(placement);
        let h = rt.handle();
        g.bench_function(name, |b| {
            b.iter(|| {
                let h = h.clone();
                rt.block_on(async move {
                    let tasks: Vec<_> = (0..TASKS).map(|_| h.spawn(async {})).collect();
                    for t in tasks {
                        t.await;
                    }
                })
            })
        });
    }

    let tokio = tokio_runtime();
    g.bench_function("tokio multi_thread(2) tokio::spawn", |b| {
        b.iter(|| {
            tokio.block_on(async {
                // Run the spawning loop on a worker, as a task.
                tokio::spawn(async {
                    let tasks: Vec<_> = (0..TASKS).map(|_| tokio::spawn(async {})).collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                })
                .await
                .expect("spawner")
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = remote_spawn, spawn_from_worker
}
criterion_main!(benches);
