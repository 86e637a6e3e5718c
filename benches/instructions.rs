//! Instruction-count harness: runs one workload `n` times on one runtime, for `valgrind --tool=callgrind`.
//!
//! ```text
//! instructions <workload> <runtime> <n>
//! ```
//!
//! `scripts/instructions.sh` runs every pair twice, with `n` and with `n = 0`, and divides the difference
//! by `n`, so runtime start-up and teardown cancel out. `cargo bench` runs this target with no workload;
//! it then prints the usage and exits.

mod support;

use std::time::Duration;

use support::{Runtime, Smol, Tokio, Tulip};

/// The workloads, each counted per operation: one spawn + await, one yield, one round trip, one timer.
const WORKLOADS: &[(&str, &str)] = &[
    (
        "spawn_await",
        "spawn a trivial task and await it, one after another",
    ),
    ("spawn_batch", "spawn n trivial tasks, then await them all"),
    ("chained_spawn", "each task spawns the next, n deep"),
    ("yield", "100 tasks yielding n/100 times each (per yield)"),
    (
        "ping_pong",
        "round trips between two tasks over capacity-1 channels",
    ),
    (
        "timer_cancel",
        "create a sleep, poll it once (registers), drop it",
    ),
    (
        "timer_fire",
        "n sleeps over 100 ms starting 3 s out, awaited in order",
    ),
    (
        "cross_thread",
        "spawns from another thread (scheduling-dependent)",
    ),
    (
        "io_ping_pong",
        "round trips of one byte over a Unix stream socket pair between two tasks (reads ask for 64)",
    ),
    ("call_soon", "tulip only: call_soon + run a callback"),
    (
        "call_later_cancel",
        "tulip only: call_later + cancel before it fires",
    ),
    (
        "spawn_detached",
        "tulip only: spawn a detached task doing what call_soon's callback does",
    ),
    (
        "spawn_await_eager",
        "tulip only: spawn_await with the eager task factory (the task never enters the run queue)",
    ),
    (
        "spawn_await_ctx",
        "tulip only: spawn_await with a context variable set (each task gets a copy)",
    ),
    (
        "call_soon_threadsafe",
        "tulip only: call_soon_threadsafe from another thread",
    ),
];

/// Lead time before the first `timer_fire` deadline: creating the timers under valgrind is ~50x slower
/// than natively, and a timer that expires before it is polled would not be a fired timer.
const FIRE_LEAD: Duration = Duration::from_secs(3);

/// Timers kept registered during `timer_cancel_live`.
const LIVE_TIMERS: usize = 100_000;

fn run<R: Runtime>(rt: &R, workload: &str, n: usize) {
    match workload {
        "spawn_await" => rt.block_on(support::spawn_await_loop::<R>(n)),
        "spawn_batch" => rt.block_on(support::spawn_await_batch::<R>(n)),
        "chained_spawn" => rt.block_on(support::chained_spawn::<R>(n)),
        "yield" => rt.block_on(support::yield_many::<R>(100, n / 100)),
        "ping_pong" => rt.block_on(support::ping_pong::<R>(n)),
        "timer_cancel" => rt.block_on(R::unconstrained(support::timer_insert_cancel::<R>(n))),
        "timer_cancel_live" => rt.block_on(R::unconstrained(async {
            let live = support::live_timers::<R>(LIVE_TIMERS).await;
            support::timer_insert_cancel::<R>(n).await;
            drop(live);
        })),
        "timer_fire" => rt.block_on(R::unconstrained(support::timer_spread::<R>(
            n,
            FIRE_LEAD,
            Duration::from_millis(100),
            false,
        ))),
        "cross_thread" => rt.block_on_remote(support::cross_thread::<R>(n)),
        "io_ping_pong" => match R::NAME {
            "tulip" => rt.block_on(io_ping_pong_tulip(n)),
            "tokio" => rt.block_on(io_ping_pong_tokio(n)),
            _ => rt.block_on(io_ping_pong_smol(n)),
        },
        other => usage(&format!("unknown workload `{other}` for {}", R::NAME)),
    }
}

fn run_tulip_only(rt: &Tulip, workload: &str, n: usize) {
    match workload {
        "call_soon" => rt.block_on(support::call_soon(n)),
        "call_later_cancel" => rt.block_on(call_later_cancel(n)),
        "spawn_detached" => rt.block_on(support::spawn_detached(n)),
        "call_soon_threadsafe" => rt.block_on(support::cross_thread_call_soon(n)),
        "spawn_await_eager" => rt.block_on(async {
            tulip::get_running_loop().set_task_factory(Some(tulip::task::TaskFactory::eager()));
            support::spawn_await_loop::<Tulip>(n).await
        }),
        "spawn_await_ctx" => rt.block_on(async {
            static VAR: tulip::task::ContextVar<u32> = tulip::task::ContextVar::new("bench");
            VAR.set(1);
            support::spawn_await_loop::<Tulip>(n).await
        }),
        _ => run(rt, workload, n),
    }
}

/// tulip only: `n` `call_later` callbacks, each scheduled and cancelled at once (asyncio's
/// `loop.call_later(...).cancel()`), with delays from 10 ms to 10 s so they land on several wheel levels.
async fn call_later_cancel(n: usize) {
    for i in 0..n {
        let delay = Duration::from_millis(10 + (i as u64 * 37) % 10_000);
        let h = tulip::call_later(delay, || unreachable!("cancelled"));
        h.cancel();
        std::hint::black_box(&h);
    }
}

/// The size of every read in `io_ping_pong`: larger than the one-byte message, so each read comes up
/// short, as a server's reads do in a request/response exchange.
const IO_READ: usize = 64;

/// tulip: `n` one-byte round trips over a Unix stream socket pair, the echoing end in a second task.
async fn io_ping_pong_tulip(n: usize) {
    let (a, b) = tulip::net::UnixStream::pair().expect("socketpair");
    let echo = tulip::spawn(async move {
        let mut buf = [0u8; IO_READ];
        loop {
            let k = b.read(&mut buf).await.expect("echo read");
            if k == 0 {
                break;
            }
            b.write_all(&buf[..k]).await.expect("echo write");
        }
    });
    let mut buf = [0u8; IO_READ];
    for _ in 0..n {
        a.write_all(b"x").await.expect("write");
        assert_eq!(a.read(&mut buf).await.expect("read"), 1);
    }
    drop(a);
    echo.await;
}

/// tokio: the same as [`io_ping_pong_tulip`].
async fn io_ping_pong_tokio(n: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut a, mut b) = tokio::net::UnixStream::pair().expect("socketpair");
    let echo = tokio::spawn(async move {
        let mut buf = [0u8; IO_READ];
        loop {
            let k = b.read(&mut buf).await.expect("echo read");
            if k == 0 {
                break;
            }
            b.write_all(&buf[..k]).await.expect("echo write");
        }
    });
    let mut buf = [0u8; IO_READ];
    for _ in 0..n {
        a.write_all(b"x").await.expect("write");
        assert_eq!(a.read(&mut buf).await.expect("read"), 1);
    }
    drop(a);
    echo.await.expect("echo task");
}

/// smol: the same as [`io_ping_pong_tulip`].
async fn io_ping_pong_smol(n: usize) {
    use smol::io::{AsyncReadExt, AsyncWriteExt};
    let (mut a, mut b) = smol::Async::<std::os::unix::net::UnixStream>::pair().expect("socketpair");
    let echo = Smol::spawn(async move {
        let mut buf = [0u8; IO_READ];
        loop {
            let k = b.read(&mut buf).await.expect("echo read");
            if k == 0 {
                break;
            }
            b.write_all(&buf[..k]).await.expect("echo write");
        }
    });
    let mut buf = [0u8; IO_READ];
    for _ in 0..n {
        a.write_all(b"x").await.expect("write");
        assert_eq!(a.read(&mut buf).await.expect("read"), 1);
    }
    drop(a);
    echo.await;
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\n\nusage: instructions <workload> <tulip|tokio|smol> <n>\n\nworkloads:");
    for (name, what) in WORKLOADS {
        eprintln!("  {name:<22} {what}");
    }
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` (and any filter): nothing to measure then.
    if args.is_empty() || args[0].starts_with("--") {
        println!(
            "instructions: run through scripts/instructions.sh (callgrind); nothing to do here"
        );
        return;
    }
    let [workload, runtime, n] = &args[..] else {
        usage("expected three arguments");
    };
    let Ok(n) = n.parse::<usize>() else {
        usage(&format!("`{n}` is not a count"));
    };
    match runtime.as_str() {
        "tulip" => run_tulip_only(&Tulip::new(), workload, n),
        "tokio" => run(&Tokio::new(), workload, n),
        "smol" => run(&Smol::new(), workload, n),
        other => usage(&format!("unknown runtime `{other}`")),
    }
}
