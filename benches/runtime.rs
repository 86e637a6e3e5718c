//! Micro-benchmarks: each group runs one workload on tulip, tokio's current_thread runtime and smol's
//! `LocalExecutor`, in the same run, so the figures can be read as ratios.
//!
//! `cargo bench -p tulip-benches --bench runtime` runs them all (a few minutes); `scripts/bench.sh` also prints the
//! ratios. The workloads live in `support/` and are shared with the callgrind harness (`instructions.rs`).

mod support;

use std::future::Future;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};

use support::{Runtime, Smol, Tokio, Tulip};

/// Tasks per iteration in the spawn groups.
const TASKS: usize = 10_000;
/// Depth of the spawn chain.
const CHAIN: usize = 1_000;
/// Round trips in the ping-pong group.
const ROUNDS: usize = 10_000;

/// Times `workload()` on `rt`, once per iteration, under the runtime's name.
fn bench<R: Runtime, F: Future<Output = ()>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    rt: &R,
    workload: impl Fn() -> F,
) {
    g.bench_function(id, |b| b.iter(|| rt.block_on(workload())));
}

/// Runs `$body` (a workload future naming the runtime type `$R`) on tulip, tokio and smol in turn.
macro_rules! on_each_runtime {
    ($g:expr, |$R:ident| $body:expr) => {{
        {
            type $R = Tulip;
            bench(&mut $g, $R::NAME, &Tulip::new(), || $body);
        }
        {
            type $R = Tokio;
            bench(&mut $g, $R::NAME, &Tokio::new(), || $body);
        }
        {
            type $R = Smol;
            bench(&mut $g, $R::NAME, &Smol::new(), || $body);
        }
    }};
}

fn spawn(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_await_loop");
    g.throughput(Throughput::Elements(TASKS as u64));
    on_each_runtime!(g, |R| support::spawn_await_loop::<R>(TASKS));
    g.finish();

    let mut g = c.benchmark_group("spawn_await_batch");
    g.throughput(Throughput::Elements(TASKS as u64));
    on_each_runtime!(g, |R| support::spawn_await_batch::<R>(TASKS));
    g.finish();

    let mut g = c.benchmark_group("chained_spawn");
    g.throughput(Throughput::Elements(CHAIN as u64));
    on_each_runtime!(g, |R| support::chained_spawn::<R>(CHAIN));
    g.finish();
}

fn yield_many(c: &mut Criterion) {
    let mut g = c.benchmark_group("yield_many");
    g.throughput(Throughput::Elements(200 * 1_000));
    on_each_runtime!(g, |R| support::yield_many::<R>(200, 1_000));
    g.finish();
}

fn ping_pong(c: &mut Criterion) {
    let mut g = c.benchmark_group("ping_pong");
    g.throughput(Throughput::Elements(ROUNDS as u64));
    on_each_runtime!(g, |R| support::ping_pong::<R>(ROUNDS));
    g.finish();
}

/// tulip only: `call_soon` callbacks next to detached tasks doing the same work.
fn call_soon(c: &mut Criterion) {
    let mut g = c.benchmark_group("call_soon");
    g.throughput(Throughput::Elements(TASKS as u64));
    let rt = Tulip::new();
    bench(&mut g, "tulip_call_soon", &rt, || support::call_soon(TASKS));
    bench(&mut g, "tulip_spawn", &rt, || {
        support::spawn_detached(TASKS)
    });
    g.finish();
}

/// Spawns from another thread into a running loop (thread start-up included, the same on each runtime).
fn cross_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("cross_thread");
    g.throughput(Throughput::Elements(TASKS as u64));
    let tulip = Tulip::new();
    bench(&mut g, "tulip", &tulip, || {
        support::cross_thread::<Tulip>(TASKS)
    });
    bench(&mut g, "tulip_call_soon_threadsafe", &tulip, || {
        support::cross_thread_call_soon(TASKS)
    });
    let tokio = Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| tokio.block_on_remote(support::cross_thread::<Tokio>(TASKS)))
    });
    let smol = Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| smol.block_on_remote(support::cross_thread::<Smol>(TASKS)))
    });
    g.finish();
}

/// Insert + cancel of one timer (time per timer) with `live` other timers registered.
fn insert_cancel<R: Runtime>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R, live: usize) {
    let timers = rt.block_on(R::unconstrained(support::live_timers::<R>(live)));
    g.bench_with_input(criterion::BenchmarkId::new(R::NAME, live), &live, |b, _| {
        b.iter_custom(|iters| {
            rt.block_on(R::unconstrained(async {
                let start = Instant::now();
                support::timer_insert_cancel::<R>(iters as usize).await;
                start.elapsed()
            }))
        })
    });
    rt.block_on(async move { drop(timers) });
}

fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("timer_insert_cancel");
    g.throughput(Throughput::Elements(1));
    for live in [1_000, 100_000, 1_000_000] {
        insert_cancel(&mut g, &Tulip::new(), live);
        insert_cancel(&mut g, &Tokio::new(), live);
        insert_cancel(&mut g, &Smol::new(), live);
    }
    g.finish();

    // Wall time is about the 100 ms spread plus each runtime's lateness on the last timer.
    let mut g = c.benchmark_group("timer_spread");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.throughput(Throughput::Elements(1_000));
    on_each_runtime!(g, |R| R::unconstrained(support::timer_spread::<R>(
        1_000,
        Duration::ZERO,
        Duration::from_millis(100),
        true
    )));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = spawn, yield_many, ping_pong, call_soon, cross_thread, timers
}
criterion_main!(benches);
