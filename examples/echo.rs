//! The echo server in coroutine style: a task per connection on `TcpListener` / `TcpStream`.
//!
//! asyncio equivalent:
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(65536):
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
//! port). Prints `listening on <ip:port>` once bound, then serves until killed.

use std::io;

use tulip::net::{TcpListener, TcpStream};

async fn handle(conn: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    tulip::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("listening on {}", listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((conn, _peer)) => {
                    let _ = conn.set_nodelay(true);
                    tulip::spawn(async move {
                        if let Err(e) = handle(conn).await {
                            if e.kind() != io::ErrorKind::ConnectionReset {
                                eprintln!("echo: connection error: {e}");
                            }
                        }
                    })
                    .detach();
                }
                // EMFILE and friends: report, back off briefly, keep serving.
                Err(e) => {
                    eprintln!("echo: accept failed: {e}");
                    tulip::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    })
}
