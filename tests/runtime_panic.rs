//! A panic in one worker's task is isolated as on a single loop: the worker and its server keep going.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::client;
use tulip::runtime::current_worker;
use tulip::Runtime;

const WORKERS: usize = 2;
/// A connection that starts with these bytes makes its handler panic (an echo client's pseudo-random
/// stream starts with them with probability 2^-64).
const MARK: &[u8] = b"!PANIC!!";

/// Connections whose handler panics (they start with [`MARK`]) land on every worker; the panics end
/// those connections only. Afterwards each worker still serves: a hundred verified echo connections,
/// spread over both workers, and a task spawned on each worker runs.
///
/// asyncio: an exception in a `client_connected_cb` is logged and the server keeps serving.
#[test]
fn a_worker_whose_task_panics_keeps_serving() {
    let rt = Runtime::builder().workers(WORKERS).build().unwrap();
    let panicked: Arc<Vec<AtomicUsize>> =
        Arc::new((0..WORKERS).map(|_| AtomicUsize::new(0)).collect());
    let served: Arc<Vec<AtomicUsize>> =
        Arc::new((0..WORKERS).map(|_| AtomicUsize::new(0)).collect());
    let (p, s) = (panicked.clone(), served.clone());
    let handle = rt.handle();
    let servers = rt
        .block_on(async move {
            tulip::net::start_server_on_workers(&handle, "127.0.0.1:0", move |mut r, w| {
                let (p, s) = (p.clone(), s.clone());
                async move {
                    let first = r.readexactly(MARK.len()).await?;
                    let me = current_worker().unwrap();
                    if first == MARK {
                        p[me].fetch_add(1, Ordering::SeqCst);
                        panic!("handler panics on worker {me}");
                    }
                    w.write(&first)?;
                    loop {
                        let data = r.read(64 * 1024).await?;
                        if data.is_empty() {
                            break;
                        }
                        w.write(&data)?;
                        w.drain().await?;
                    }
                    s[me].fetch_add(1, Ordering::SeqCst);
                    std::io::Result::Ok(())
                }
            })
            .await
        })
        .unwrap();
    let addr = servers.local_addr();

    // Panicking connections until each worker has had at least one panic.
    let mut attempts = 0;
    while panicked.iter().any(|a| a.load(Ordering::SeqCst) == 0) {
        attempts += 1;
        assert!(attempts < 1000, "the kernel never chose some worker");
        let mut c = client::connect(addr).unwrap();
        use std::io::{Read, Write};
        c.write_all(MARK).unwrap();
        // The handler's panic drops its halves: the client sees the connection end.
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }

    client::echo_concurrent(addr, 100, 8 * 1024);
    let counts: Vec<usize> = served.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    let panics: usize = panicked.iter().map(|a| a.load(Ordering::SeqCst)).sum();
    assert_eq!(
        counts.iter().sum::<usize>(),
        100,
        "served per worker {counts:?} after {panics} panics"
    );
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");

    // A task spawned straight onto each worker that panics: its join reports the panic, and the
    // worker runs the next task.
    for i in 0..WORKERS {
        let err = rt
            .block_on(rt.worker(i).spawn(async { panic!("boom") }).join())
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            rt.block_on(rt.worker(i).spawn(async { current_worker() })),
            Some(i)
        );
    }
    rt.shutdown_timeout(Duration::from_secs(5));
}
