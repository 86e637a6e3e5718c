//! Moving I/O objects between workers: accept on one worker, serve on another, nothing lost.

mod support;

use std::time::Duration;

use support::client;
use tulip::net::{TcpListener, TcpStream};
use tulip::runtime::current_worker;
use tulip::Runtime;

/// Echoes `conn` until EOF, then shuts down writing; returns the worker it ran on.
async fn echo(conn: TcpStream) -> std::io::Result<Option<usize>> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        conn.write_all(&buf[..n]).await?;
    }
    conn.shutdown(std::net::Shutdown::Write)?;
    Ok(current_worker())
}

/// Worker 0 accepts; each accepted `TcpStream` (already used there: it read the first chunk) is moved
/// to worker 1 and served there. Twenty concurrent connections of 256 KiB each way, every byte
/// verified, each served on worker 1.
///
/// asyncio: none within one loop; a server that hands `sock` to another loop's thread.
#[test]
fn accept_on_one_worker_serve_on_another() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let to = rt.worker(1).clone();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let acceptor = rt.worker(0).spawn(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        addr_tx.send(listener.local_addr()?).unwrap();
        let mut served = Vec::new();
        for _ in 0..20 {
            let (conn, _) = listener.accept().await?;
            // Use it on this worker first, so its readiness is already registered here.
            conn.readable().await?;
            let mut first = [0u8; 1];
            let n = conn.read(&mut first).await?;
            conn.write_all(&first[..n]).await?;
            served.push(to.spawn(echo(conn)));
        }
        let mut workers = Vec::new();
        for t in served {
            workers.push(t.await?);
        }
        std::io::Result::Ok(workers)
    });
    let addr = addr_rx.recv().unwrap();
    client::echo_concurrent(addr, 20, 256 * 1024);
    let workers = rt.block_on(acceptor).unwrap();
    assert_eq!(workers, vec![Some(1); 20]);
    rt.shutdown_timeout(Duration::from_secs(5));
}

/// A connection accepted (and first read) on a plain loop that is then closed and dropped is served in
/// full by a runtime worker: the stream leaves the dead loop's poller on its first `WouldBlock` there.
///
/// asyncio: none (a socket handed from a finished loop's thread to another loop).
#[test]
fn accept_on_a_closed_loop_serve_on_a_worker() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let lp = tulip::Loop::new().unwrap();
    let (listener, addr) = lp.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    });
    let client = std::thread::spawn(move || client::echo_concurrent(addr, 4, 256 * 1024));
    let conns = lp.block_on(async {
        let mut conns = Vec::new();
        for _ in 0..4 {
            let (conn, _) = listener.accept().await.unwrap();
            // Used on this loop first: registered with its poller.
            conn.readable().await.unwrap();
            conns.push(conn);
        }
        conns
    });
    lp.close();
    drop(lp);
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|c| rt.worker(1).spawn(echo(c)))
        .collect();
    for t in tasks {
        assert_eq!(rt.block_on(t).unwrap(), Some(1));
    }
    client.join().unwrap();
    rt.shutdown_timeout(Duration::from_secs(5));
}
