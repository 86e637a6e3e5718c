//! The echo server on asyncio streams: `start_server` with a `read` / `write` / `drain` loop.
//!
//! asyncio equivalent:
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(65536):
//!         writer.write(data)
//!         await writer.drain()
//!     writer.close()
//!     await writer.wait_closed()
//!
//! async def main():
//!     server = await asyncio.start_server(handle, "127.0.0.1", 8888)
//!     async with server:
//!         await server.serve_forever()
//!
//! asyncio.run(main())
//! ```
//!
//! Usage: `cargo run --release --example echo_streams -- [ADDR]` (default `127.0.0.1:8888`; port 0
//! picks a free port). Prints `listening on <ip:port>` once bound, then serves until SIGINT/SIGTERM,
//! after which it stops accepting and gives open connections 5 s to finish.
//!
//! A second SIGINT/SIGTERM during the grace period exits at once with status 130/143, as
//! `asyncio.run` does on a second Ctrl-C (`examples/common`, shared by every example server).

mod common;

use std::io::{self, Write};

use common::Shutdown;
use tulip::net::{StreamReader, StreamWriter};

async fn handle(mut reader: StreamReader, writer: StreamWriter) -> io::Result<()> {
    loop {
        let data = reader.read(65536).await?;
        if data.is_empty() {
            break;
        }
        writer.write(&data)?;
        writer.drain().await?;
    }
    writer.close();
    writer.wait_closed().await
}

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    tulip::run(async move {
        // From here on SIGINT/SIGTERM request a graceful stop instead of killing the process.
        let mut shutdown = Shutdown::listen("echo_streams")?;
        let server = tulip::net::start_server(addr.as_str(), |reader, writer| async move {
            match handle(reader, writer).await {
                // A client that resets mid-stream is not worth a line on stderr.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                    ) =>
                {
                    Ok(())
                }
                r => r,
            }
        })
        .await?;
        println!("listening on {}", server.local_addrs()[0]);
        io::stdout().flush()?;
        // Serve in the background until a stop signal, then stop accepting and give open
        // connections a grace period (asyncio: `server.close(); await server.wait_closed()`).
        let signum = shutdown.requested().await?;
        server.close();
        eprintln!("echo_streams: signal {signum}: draining connections");
        // A second signal meanwhile exits at once (see `examples/common`).
        shutdown.drain(server.wait_closed()).await;
        Ok(())
    })
}
