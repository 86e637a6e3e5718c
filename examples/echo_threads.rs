//! The echo server as classic blocking code: one OS thread per connection, std only. The baseline the
//! other echo examples (`echo`, `echo_selector`, `echo_protocol`) are measured against.
//!
//! Python equivalent (`socketserver`, no asyncio):
//!
//! ```python
//! class Echo(socketserver.BaseRequestHandler):
//!     def handle(self):
//!         while data := self.request.recv(65536):
//!             self.request.sendall(data)
//!
//! socketserver.ThreadingTCPServer(("127.0.0.1", 8888), Echo).serve_forever()
//! ```
//!
//! Usage: `cargo run --release --example echo_threads -- [ADDR]` (default `127.0.0.1:8888`; port 0
//! picks a free port). Prints `listening on <ip:port>` once bound, then serves until killed.
//!
//! Failed accepts (out of descriptors, say) are reported at most about once a second
//! (`examples/common`, shared by every example server).

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use common::AcceptErrors;

/// Each connection thread's stack: the echo loop needs little, and a small stack lets thousands of
/// connections fit.
const STACK_SIZE: usize = 128 * 1024;

fn handle(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => return Ok(()), // EOF: everything read has been written back; closing ends the echo
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        conn.write_all(&buf[..n])?;
    }
}

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let mut accept_errors = AcceptErrors::new("echo_threads");
    for conn in listener.incoming() {
        match conn {
            Ok(conn) => {
                let _ = conn.set_nodelay(true);
                let spawned = thread::Builder::new()
                    .name("echo-conn".to_owned())
                    .stack_size(STACK_SIZE)
                    .spawn(move || {
                        if let Err(e) = handle(conn) {
                            if e.kind() != io::ErrorKind::ConnectionReset {
                                eprintln!("echo_threads: connection error: {e}");
                            }
                        }
                    });
                if let Err(e) = spawned {
                    eprintln!("echo_threads: cannot start a thread, connection dropped: {e}");
                }
            }
            // EMFILE and friends: report, back off briefly, keep serving.
            Err(e) => {
                accept_errors.report(&e);
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
    Ok(())
}
