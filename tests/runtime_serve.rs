//! Servers on every worker of a runtime: one `SO_REUSEPORT` listening socket per worker, the kernel
//! spreading connections, each served on the worker that accepted it.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::client;
use tulip::net::{Protocol, Transport};
use tulip::runtime::current_worker;
use tulip::Runtime;

const WORKERS: usize = 4;

/// Counts, per worker, the connections it served.
fn counters(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn snapshot(c: &[AtomicUsize]) -> Vec<usize> {
    c.iter().map(|a| a.load(Ordering::SeqCst)).collect()
}

/// Four workers, a thousand concurrent connections (all connected before any sends), 16 KiB each way
/// per connection, every byte verified; each worker served some of them, and the counts add up.
///
/// asyncio: `asyncio.start_server(echo, host, port, reuse_port=True)` in each of four loops.
#[test]
fn four_workers_serve_a_thousand_concurrent_connections() {
    let rt = Runtime::builder().workers(WORKERS).build().unwrap();
    let served = counters(WORKERS);
    let s = served.clone();
    let handle = rt.handle();
    let servers = rt
        .block_on(async move {
            tulip::net::start_server_on_workers(&handle, "127.0.0.1:0", move |mut r, w| {
                s[current_worker().unwrap()].fetch_add(1, Ordering::SeqCst);
                async move {
                    loop {
                        let data = r.read(64 * 1024).await?;
                        if data.is_empty() {
                            break;
                        }
                        w.write(&data)?;
                        w.drain().await?;
                    }
                    w.close();
                    std::io::Result::Ok(())
                }
            })
            .await
        })
        .unwrap();
    assert_eq!(servers.len(), WORKERS);
    client::echo_concurrent(servers.local_addr(), 1000, 16 * 1024);
    let counts = snapshot(&served);
    assert_eq!(counts.iter().sum::<usize>(), 1000, "per worker: {counts:?}");
    assert!(
        counts.iter().all(|&c| c > 0),
        "a worker served nothing: {counts:?}"
    );
    rt.shutdown_timeout(Duration::from_secs(5));
}

struct Echo {
    transport: Option<Transport>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, t: Transport) {
        self.transport = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        let _ = self.transport.as_ref().unwrap().write(data);
    }
    fn eof_received(&mut self) -> bool {
        false
    }
}

/// The Protocol flavour: `create_server_on_workers` gives every worker a server whose protocols are
/// made on that worker; two hundred concurrent connections, verified, spread over both workers.
///
/// asyncio: `loop.create_server(Echo, host, port, reuse_port=True)` in each loop.
#[test]
fn protocol_servers_on_every_worker() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let served = counters(2);
    let s = served.clone();
    let handle = rt.handle();
    let servers = rt
        .block_on(async move {
            tulip::net::create_server_on_workers(
                &handle,
                move || {
                    s[current_worker().unwrap()].fetch_add(1, Ordering::SeqCst);
                    Echo { transport: None }
                },
                "127.0.0.1:0",
            )
            .await
        })
        .unwrap();
    client::echo_concurrent(servers.local_addr(), 200, 32 * 1024);
    let counts = snapshot(&served);
    assert_eq!(counts.iter().sum::<usize>(), 200);
    assert!(
        counts.iter().all(|&c| c > 0),
        "a worker served nothing: {counts:?}"
    );
    rt.shutdown_timeout(Duration::from_secs(5));
}

/// `WorkerServers::close` closes every worker's listening socket: new connections are refused, and
/// `wait_closed` returns once the open ones have ended.
///
/// asyncio: `server.close(); await server.wait_closed()` on each loop's server.
#[test]
fn closing_worker_servers_stops_every_listener() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let handle = rt.handle();
    let servers = rt
        .block_on(async move {
            tulip::net::start_server_on_workers(&handle, "127.0.0.1:0", |mut r, w| async move {
                let data = r.read_to_end().await?;
                w.write(&data)?;
                w.drain().await
            })
            .await
        })
        .unwrap();
    let addr = servers.local_addr();
    client::echo_one(addr, 1024, 1).unwrap();
    servers.close();
    rt.block_on(servers.wait_closed());
    let err = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// A second runtime-wide server on an address already held without `SO_REUSEPORT` fails with the
/// bind error, and the workers keep running.
#[test]
fn bind_error_is_returned() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let rt = Runtime::builder().workers(2).build().unwrap();
    let handle = rt.handle();
    let err = rt
        .block_on(async move {
            tulip::net::start_server_on_workers(&handle, addr, |_r, _w| async {}).await
        })
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    assert_eq!(rt.block_on(async { 1 }), 1);
}
