//! Shutting a runtime down: stop accepting, let in-flight work finish until the deadline, cancel the
//! rest on its own worker, join every worker; dropping never hangs on blocking work.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use support::{client, DropCount};
use tulip::runtime::on_shutdown;
use tulip::Runtime;

/// Starts an echo streams server on every worker; returns its address. Each accepted connection
/// sends one message on `accepted` as its handler is started.
fn echo_servers(
    rt: &Runtime,
    finished: Arc<AtomicUsize>,
    accepted: mpsc::Sender<()>,
) -> std::net::SocketAddr {
    let handle = rt.handle();
    let servers = rt
        .block_on(async move {
            tulip::net::start_server_on_workers(&handle, "127.0.0.1:0", move |mut r, w| {
                // The receiver is gone once the test stops counting (late probe connections).
                let _ = accepted.send(());
                let finished = finished.clone();
                async move {
                    let data = r.read_to_end().await?;
                    w.write(&data)?;
                    w.drain().await?;
                    // Probe connections (connected and dropped at once) carry no data.
                    if !data.is_empty() {
                        finished.fetch_add(1, Ordering::SeqCst);
                    }
                    std::io::Result::Ok(())
                }
            })
            .await
        })
        .unwrap();
    servers.local_addr()
}

/// Shutdown with connections in flight: the listening sockets close at once (new connections are
/// refused), a connection that completes during the grace period is served in full, and one that
/// never completes is cancelled at the deadline (its client sees the socket closed); then
/// `shutdown_timeout` returns with every worker joined.
///
/// asyncio: `server.close()`, then `asyncio.wait(connections, timeout=d)`, then cancelling the rest.
#[test]
fn shutdown_finishes_in_flight_connections_and_cancels_the_rest_at_the_deadline() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let (accepted_tx, accepted) = mpsc::channel();
    let addr = echo_servers(&rt, finished.clone(), accepted_tx);

    let mut completes = client::connect(addr).unwrap();
    let mut stalls = client::connect(addr).unwrap();
    completes.write_all(b"first half, ").unwrap();
    stalls.write_all(b"never finished").unwrap();
    // Both connections are accepted and their handlers wait for the client's EOF. A connection the
    // kernel has completed but no worker has accepted yet would be reset when its listener closes,
    // so shutdown starts only after both handlers have started.
    for _ in 0..2 {
        accepted.recv().unwrap();
    }

    let shutdown = thread::spawn(move || rt.shutdown_timeout(Duration::from_secs(2)));
    // Wait until the listeners are closed: shutdown has begun.
    while TcpStream::connect(addr).is_ok() {
        thread::yield_now();
    }
    // Still served during the grace period.
    completes.write_all(b"second half").unwrap();
    completes.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    completes.read_to_end(&mut echoed).unwrap();
    assert_eq!(echoed, b"first half, second half");

    // The stalled one is cancelled at the deadline: its socket is closed without an echo.
    let mut rest = Vec::new();
    // EOF or a reset, depending on whether unread data was left in the socket.
    let _ = stalls.read_to_end(&mut rest);
    assert!(rest.is_empty(), "a cancelled handler echoed {rest:?}");

    shutdown.join().unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

/// Shutdown hooks run on each worker before the drain, and tasks still running at the deadline are
/// cancelled on their own worker: each future is dropped exactly once, by the time
/// `shutdown_timeout` returns.
#[test]
fn shutdown_runs_hooks_then_cancels_leftover_tasks() {
    let rt = Runtime::builder().workers(3).build().unwrap();
    let drops = DropCount::new();
    let hooks = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..3 {
        let token = drops.token();
        let hooks = hooks.clone();
        tasks.push(rt.worker(i).spawn(async move {
            assert!(on_shutdown(move || {
                hooks.fetch_add(1, Ordering::SeqCst);
            }));
            let _token = token;
            std::future::pending::<()>().await
        }));
    }
    // Every task has registered its hook once this round trip through each worker is done.
    for i in 0..3 {
        rt.block_on(rt.worker(i).spawn(async {}));
    }
    rt.shutdown_timeout(Duration::from_millis(50));
    assert_eq!(hooks.load(Ordering::SeqCst), 3);
    assert_eq!(drops.get(), 3);
    assert!(tasks.iter().all(|t| t.is_finished()));
}

/// A runtime whose tasks all end on their own shuts down without waiting for the deadline to pass:
/// the drain ends when the tasks do (checked by a deadline far beyond the test's own timeout).
#[test]
fn shutdown_returns_when_the_work_is_done() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let done = done.clone();
        rt.spawn(async move {
            tulip::time::sleep(Duration::from_millis(5)).await;
            done.fetch_add(1, Ordering::SeqCst);
        })
        .detach();
    }
    rt.shutdown_timeout(Duration::from_secs(3600));
    assert_eq!(done.load(Ordering::SeqCst), 10);
}

/// Dropping a runtime whose task waits on blocking-pool work that never ends returns anyway: the task
/// is cancelled and the pool thread is left to itself.
#[test]
fn dropping_the_runtime_does_not_wait_for_blocking_work() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let (_never_tx, never_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let task = rt.spawn(async move {
        tulip::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = never_rx.recv();
        })
        .await
    });
    started_rx.recv().unwrap();
    drop(rt);
    assert!(task.is_finished());
}

/// A runtime dropped by a task on one of its own workers shuts down without joining that worker from
/// itself: the other workers are joined, and the dropping worker exits once the task returns.
#[test]
fn dropping_the_runtime_on_its_own_worker_does_not_deadlock() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = rt.worker(1).clone();
    assert!(handle.call_soon_threadsafe(move || {
        drop(rt);
        tx.send(()).unwrap();
    }));
    rx.recv().unwrap();
}
