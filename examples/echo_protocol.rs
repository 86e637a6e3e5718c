//! The echo server in callback style: asyncio's `EchoServerProtocol` on `create_server`.
//!
//! asyncio equivalent (the documentation's echo protocol, plus the two flow-control methods that keep
//! a client which sends without reading from growing the server's buffers without bound):
//!
//! ```python
//! class EchoProtocol(asyncio.Protocol):
//!     def connection_made(self, transport):
//!         self.transport = transport
//!
//!     def data_received(self, data):
//!         self.transport.write(data)
//!
//!     def pause_writing(self):
//!         self.transport.pause_reading()
//!
//!     def resume_writing(self):
//!         self.transport.resume_reading()
//!
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     server = await loop.create_server(EchoProtocol, "127.0.0.1", 8888)
//!     async with server:
//!         await server.serve_forever()
//!
//! asyncio.run(main())
//! ```
//!
//! At the client's EOF, `eof_received` keeps its default (`false`): the transport sends what is still
//! buffered, then closes, so a client that half-closes gets every echoed byte back.
//!
//! Usage: `cargo run --release --example echo_protocol -- [ADDR]` (default `127.0.0.1:8888`; port 0
//! picks a free port). Prints `listening on <ip:port>` once bound, then serves until SIGINT/SIGTERM,
//! after which it stops accepting and gives open connections 5 s to finish.
//!
//! A second SIGINT/SIGTERM during the grace period exits at once with status 130/143, as
//! `asyncio.run` does on a second Ctrl-C (`examples/common`, shared by every example server).
//!
//! With `--workers N` it serves on a [`tulip::Runtime`] of N threads, one server per worker on the same
//! address (`SO_REUSEPORT`, `tulip::net::create_server_on_workers`), still printing one `listening on`
//! line.

mod common;

use common::workers;

use std::io::{self, Write};

use common::Shutdown;
use tulip::net::{Protocol, Transport};

#[derive(Default)]
struct EchoProtocol {
    transport: Option<Transport>,
}

impl Protocol for EchoProtocol {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(t) = &self.transport {
            // Only fails once the transport is closing; the connection is ending then anyway.
            let _ = t.write(data);
        }
    }

    fn pause_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.resume_reading();
        }
    }
}

fn serve_on_workers(addr: String, n: usize) -> io::Result<()> {
    let rt = tulip::Runtime::builder().workers(n).build()?;
    let stop = workers::stop_signal(&rt)?;
    let handle = rt.handle();
    let servers = rt.block_on(async move {
        tulip::net::create_server_on_workers(&handle, EchoProtocol::default, addr.as_str()).await
    })?;
    println!("listening on {}", servers.local_addr());
    io::stdout().flush()?;
    workers::serve_until(rt, stop, "echo_protocol", common::GRACE)
}

fn main() -> io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let n = workers::take_workers(&mut args)?;
    let addr = args
        .into_iter()
        .next()
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    if let Some(n) = n {
        return serve_on_workers(addr, n);
    }
    tulip::run(async move {
        // From here on SIGINT/SIGTERM request a graceful stop instead of killing the process.
        let mut shutdown = Shutdown::listen("echo_protocol")?;
        let server = tulip::net::create_server(EchoProtocol::default, addr.as_str()).await?;
        println!("listening on {}", server.local_addrs()[0]);
        io::stdout().flush()?;
        // The server serves in the background; wait for a stop signal, then stop accepting and give
        // open connections a grace period (asyncio: `server.close(); await server.wait_closed()`).
        let signum = shutdown.requested().await?;
        server.close();
        eprintln!("echo_protocol: signal {signum}: draining connections");
        // A second signal meanwhile exits at once (see `examples/common`).
        shutdown.drain(server.wait_closed()).await;
        Ok(())
    })
}
