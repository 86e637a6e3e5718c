//! A TCP proxy in callback style: each client connection is forwarded to an upstream server, with flow
//! control both ways and half-close forwarded.
//!
//! asyncio equivalent:
//!
//! ```python
//! class Side(asyncio.Protocol):
//!     """Forwards what one connection receives to the other one (`peer`)."""
//!     def __init__(self, pair):
//!         self.pair, self.peer = pair, None
//!     def connection_made(self, transport):
//!         self.transport = transport
//!     def data_received(self, data):
//!         self.peer.write(data)
//!     def eof_received(self):
//!         self.peer.write_eof()           # forward the half-close
//!         self.pair.eofs += 1
//!         return self.pair.eofs < 2       # both directions done: close
//!     def connection_lost(self, exc):
//!         if self.peer is not None:
//!             self.peer.close() if exc is None else self.peer.abort()
//!     def pause_writing(self):            # our client is slow: stop reading the other side
//!         self.peer.pause_reading()
//!     def resume_writing(self):
//!         self.peer.resume_reading()
//!
//! class ClientSide(Side):
//!     def connection_made(self, transport):
//!         super().connection_made(transport)
//!         transport.pause_reading()       # until upstream is connected
//!         upstream = Side(self.pair)
//!         upstream.peer = transport
//!         loop = asyncio.get_running_loop()
//!         task = loop.create_task(loop.create_connection(lambda: upstream, UPSTREAM_HOST, UPSTREAM_PORT))
//!         task.add_done_callback(self.upstream_connected)
//!     def upstream_connected(self, task):
//!         if task.cancelled() or task.exception() is not None:
//!             self.transport.close()
//!         else:
//!             self.peer, _ = task.result()
//!             self.transport.resume_reading()
//!
//! class Pair:
//!     eofs = 0
//!
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     server = await loop.create_server(lambda: ClientSide(Pair()), "127.0.0.1", 8889)
//!     async with server:
//!         await server.serve_forever()
//! ```
//!
//! Here the protocol is owned by its connection's task, so the done-callback cannot assign
//! `self.peer`: the peer slot is an `Rc<RefCell<Option<Transport>>>` shared by the protocol and the
//! callback. The callback reads the connect task's result itself (`Task::add_result_callback`, which
//! takes the task over, so it runs on without `detach`).
//!
//! Usage: `cargo run --release --example proxy -- LISTEN UPSTREAM`, e.g.
//! `proxy 127.0.0.1:0 127.0.0.1:8888`. Prints `listening on <ip:port>` once bound, then serves until
//! SIGINT/SIGTERM, after which it stops accepting and gives open connections 5 s to finish.
//!
//! A second SIGINT/SIGTERM during the grace period exits at once with status 130/143, as
//! `asyncio.run` does on a second Ctrl-C (`examples/common`, shared by every example server).
//!
//! With `--workers N` it proxies on a [`tulip::Runtime`] of N threads, one server per worker on the
//! same address (`SO_REUSEPORT`), each connection and its upstream connection on one worker; it still
//! prints one `listening on` line.

mod common;

use common::workers;

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::rc::Rc;

use common::Shutdown;
use tulip::net::{Protocol, Transport};

/// The other connection's transport: `None` until the upstream connection is made.
type PeerSlot = Rc<RefCell<Option<Transport>>>;

/// One direction of a proxied connection: forwards what its connection receives to `peer`.
struct Side {
    peer: PeerSlot,
    /// EOFs seen on the pair's two connections.
    eofs: Rc<Cell<u8>>,
}

impl Side {
    fn peer(&self) -> Option<Transport> {
        self.peer.borrow().clone()
    }
}

impl Protocol for Side {
    fn data_received(&mut self, data: &[u8]) {
        // Reading starts only once the peer is wired (see `ClientSide`), so the peer is there.
        if let Some(peer) = self.peer() {
            // Fails only when the peer is closing; its connection_lost closes us as well.
            let _ = peer.write(data);
        }
    }

    fn eof_received(&mut self) -> bool {
        if let Some(peer) = self.peer() {
            let _ = peer.write_eof();
        }
        self.eofs.set(self.eofs.get() + 1);
        // Keep the connection open to write what the other direction still brings, until both
        // directions have seen EOF.
        self.eofs.get() < 2
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        if let Some(peer) = self.peer.borrow_mut().take() {
            match exc {
                None => peer.close(),
                Some(_) => peer.abort(),
            }
        }
    }

    fn pause_writing(&mut self) {
        if let Some(peer) = self.peer() {
            peer.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(peer) = self.peer() {
            peer.resume_reading();
        }
    }
}

/// The client-facing side: on `connection_made` it starts connecting upstream.
struct ClientSide {
    side: Side,
    upstream: SocketAddr,
}

impl Protocol for ClientSide {
    fn connection_made(&mut self, transport: Transport) {
        transport.pause_reading();

        let upstream_side = Side {
            peer: Rc::new(RefCell::new(Some(transport.clone()))),
            eofs: self.side.eofs.clone(),
        };
        let addr = self.upstream;
        let task = tulip::spawn(tulip::net::create_connection(move || upstream_side, addr));

        // `upstream_connected`: the callback takes the task over and gets its result, as
        // `task.result()` in the Python.
        let peer = self.side.peer.clone();
        task.add_result_callback(move |result| match result {
            Ok(Ok((upstream, _protocol))) => {
                if transport.is_closing() {
                    upstream.close();
                } else {
                    *peer.borrow_mut() = Some(upstream);
                    transport.resume_reading();
                }
            }
            Ok(Err(e)) => {
                eprintln!("proxy: cannot connect to upstream {addr}: {e}");
                transport.close();
            }
            Err(_cancelled_or_panicked) => transport.abort(),
        });
    }

    fn data_received(&mut self, data: &[u8]) {
        self.side.data_received(data);
    }

    fn eof_received(&mut self) -> bool {
        self.side.eof_received()
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.side.connection_lost(exc);
    }

    fn pause_writing(&mut self) {
        self.side.pause_writing();
    }

    fn resume_writing(&mut self) {
        self.side.resume_writing();
    }
}

/// A fresh protocol for one client connection.
fn client_side(upstream: SocketAddr) -> ClientSide {
    ClientSide {
        side: Side {
            peer: Rc::new(RefCell::new(None)),
            eofs: Rc::new(Cell::new(0)),
        },
        upstream,
    }
}

fn serve_on_workers(listen: String, upstream: String, n: usize) -> io::Result<()> {
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(upstream.as_str())?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no upstream address"))?;
    let rt = tulip::Runtime::builder().workers(n).build()?;
    let stop = workers::stop_signal(&rt)?;
    let handle = rt.handle();
    // Each worker's connections, and their upstream connections, stay on that worker.
    let servers = rt.block_on(async move {
        tulip::net::create_server_on_workers(
            &handle,
            move || client_side(upstream),
            listen.as_str(),
        )
        .await
    })?;
    println!("listening on {}", servers.local_addr());
    io::stdout().flush()?;
    workers::serve_until(rt, stop, "proxy", common::GRACE)
}

fn main() -> io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let n = workers::take_workers(&mut args)?;
    let mut args = args.into_iter();
    let (Some(listen), Some(upstream)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: proxy [--workers N] LISTEN UPSTREAM   (e.g. proxy 127.0.0.1:0 127.0.0.1:8888)"
        );
        std::process::exit(2);
    };
    if let Some(n) = n {
        return serve_on_workers(listen, upstream, n);
    }
    tulip::run(async move {
        let upstream: SocketAddr =
            match tulip::net::ToSocketAddrs::to_socket_addrs(upstream.as_str())
                .await?
                .first()
            {
                Some(a) => *a,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "no upstream address",
                    ))
                }
            };
        let factory = move || client_side(upstream);
        // From here on SIGINT/SIGTERM request a graceful stop instead of killing the process.
        let mut shutdown = Shutdown::listen("proxy")?;
        let server = tulip::net::create_server(factory, listen.as_str()).await?;
        println!("listening on {}", server.local_addrs()[0]);
        io::stdout().flush()?;
        // The server serves in the background; wait for a stop signal, then stop accepting and give
        // open connections a grace period (asyncio: `server.close(); await server.wait_closed()`).
        let signum = shutdown.requested().await?;
        server.close();
        eprintln!("proxy: signal {signum}: draining connections");
        // A second signal meanwhile exits at once (see `examples/common`).
        shutdown.drain(server.wait_closed()).await;
        Ok(())
    })
}
