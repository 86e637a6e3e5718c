//! The echo server in coroutine style: a task per connection on `TcpListener` / `TcpStream`.
//!
//! asyncio equivalent:
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(65536):  # a new bytes object per read, none while waiting
//!         writer.write(data)
//!         await writer.drain()
//!     writer.close()
//!
//! async def main():
//!     server = await asyncio.start_server(handle, "127.0.0.1", 8888)
//!     async with server:
//!         await server.serve_forever()
//!
//! asyncio.run(main())
//! ```
//!
//! Usage: `cargo run --release --example echo -- [ADDR]` (default `127.0.0.1:8888`; port 0 picks a free
//! port). Prints `listening on <ip:port>` once bound, then serves until SIGINT or SIGTERM: then it stops
//! accepting, gives open connections up to 5 s to finish (asyncio: `server.close()` then
//! `await asyncio.wait_for(server.wait_closed(), 5)`), and exits 0. A second SIGINT/SIGTERM during
//! those 5 s exits at once with status 130/143, as `asyncio.run` does on a second Ctrl-C. Failed
//! accepts (out of descriptors) are reported at most about once a second. Both behaviours come from
//! `examples/common`, shared by every example server.
//!
//! With `--workers N` it serves on a [`tulip::Runtime`] of N threads, each running its own loop with
//! its own listening socket on the same address (`SO_REUSEPORT`; the kernel spreads the connections),
//! still printing one `listening on` line; a signal then stops every worker's accepting and drains the
//! connections the same way.

mod common;

use std::future::{poll_fn, Future};
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use common::{workers, AcceptErrors, Shutdown, GRACE};
use tulip::net::{ReadBuffer, TcpListener, TcpStream, DEFAULT_BACKLOG};
use tulip::Task;

/// Echoes until the client's EOF. The connection holds no buffer while it waits: it borrows one of the
/// loop's pooled read buffers only from the moment data is there until it is written back, so an idle
/// connection costs about half a kilobyte instead of 47 KiB (`scripts/idle_memory.sh`). Waiting with
/// `readable()` also saves the read that would find nothing (4 syscalls per request instead of 5).
async fn handle(conn: TcpStream) -> io::Result<()> {
    loop {
        conn.readable().await?;
        let mut buf = ReadBuffer::take(); // back to the pool at the end of the iteration
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

/// Serves one connection and reports its error, if any.
async fn serve(conn: TcpStream) {
    let _ = conn.set_nodelay(true);
    if let Err(e) = handle(conn).await {
        if e.kind() != io::ErrorKind::ConnectionReset {
            eprintln!("echo: connection error: {e}");
        }
    }
}

/// Accepts on `listener` until cancelled; each connection is a detached task on this loop, so it
/// outlives the accept loop (a runtime shutdown waits for it, up to the grace period).
async fn accept_loop(listener: TcpListener) {
    let mut errors = AcceptErrors::new("echo");
    loop {
        match listener.accept().await {
            Ok((conn, _peer)) => tulip::spawn(serve(conn)).detach(),
            Err(e) => {
                errors.report(&e);
                tulip::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Binds `addr` with `SO_REUSEPORT` on the worker this runs on and accepts there until the runtime
/// shuts down (its shutdown hook drops the accept task, closing the listening socket).
fn listen_here(addr: SocketAddr) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind_with(addr, DEFAULT_BACKLOG, true)?;
    let local = listener.local_addr()?;
    let accept = tulip::spawn(accept_loop(listener));
    tulip::runtime::on_shutdown(move || drop(accept));
    Ok(local)
}

fn serve_on_workers(addr: &str, n: usize) -> io::Result<()> {
    let addr = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let rt = tulip::Runtime::builder().workers(n).build()?;
    let stop = workers::stop_signal(&rt)?;
    // Worker 0 binds first (port 0 becomes a real port), then every other worker binds that address.
    let bound = rt.block_on(async move { listen_here(addr) })?;
    for i in 1..n {
        rt.block_on(rt.worker(i).spawn(async move { listen_here(bound) }))?;
    }
    println!("listening on {bound}");
    std::io::stdout().flush()?;
    workers::serve_until(rt, stop, "echo", GRACE)
}

fn main() -> io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let n = workers::take_workers(&mut args)?;
    let addr = args
        .into_iter()
        .next()
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    if let Some(n) = n {
        return serve_on_workers(&addr, n);
    }
    tulip::run(async move {
        // From here on SIGINT/SIGTERM request a graceful stop instead of killing the process.
        let mut shutdown = Shutdown::listen("echo")?;
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("listening on {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let mut conns: Vec<Task<()>> = Vec::new();
        let mut accept = listener.accept();
        let mut accept_errors = AcceptErrors::new("echo");
        // The stop future borrows `shutdown` until the accept loop ends.
        let signum = {
            let mut stop = pin!(shutdown.requested());
            loop {
                let next = poll_fn(|cx| match stop.as_mut().poll(cx) {
                    Poll::Ready(sig) => Poll::Ready(Err(sig)),
                    Poll::Pending => Pin::new(&mut accept).poll(cx).map(Ok),
                });
                match next.await {
                    Ok(Ok((conn, _peer))) => {
                        let _ = conn.set_nodelay(true);
                        conns.retain(|t| !t.is_finished());
                        conns.push(tulip::spawn(async move {
                            if let Err(e) = handle(conn).await {
                                if e.kind() != io::ErrorKind::ConnectionReset {
                                    eprintln!("echo: connection error: {e}");
                                }
                            }
                        }));
                    }
                    // EMFILE and friends: report, back off briefly, keep serving.
                    Ok(Err(e)) => {
                        accept_errors.report(&e);
                        tulip::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(sig) => break sig?,
                }
            }
        };
        drop(listener); // stop accepting
        conns.retain(|t| !t.is_finished());
        eprintln!(
            "echo: signal {signum}: draining {} connection(s)",
            conns.len()
        );
        shutdown
            .drain(async {
                for conn in conns {
                    conn.await;
                }
            })
            .await;
        Ok(())
    })
}
