//! tulip's networking: TCP sockets on the loop's reactor.
//!
//! **asyncio:** the socket layer under `loop.create_server` / `create_connection` / `open_connection`
//! (`sock_accept`, `sock_connect`, `sock_recv`, `sock_sendall`, `getaddrinfo`).
//!
//! # Implementation
//!
//! Every socket is a `tulip_core::Async` over a non-blocking std socket: an operation tries its syscall
//! first and arms the loop's poller only when the syscall returns `WouldBlock`. Socket options go through
//! `socket2`; this crate has no `unsafe`.
//!
//! # Examples
//!
//! ```
//! use tulip_net::{TcpListener, TcpStream};
//! tulip_core::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     tulip_core::spawn(async move {
//!         let (conn, _) = listener.accept().await?;
//!         let mut buf = [0u8; 64];
//!         let n = conn.read(&mut buf).await?;
//!         conn.write_all(&buf[..n]).await
//!     })
//!     .detach();
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"echo").await?;
//!     let mut buf = [0u8; 4];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"echo");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```
#![forbid(unsafe_code)]

mod addr;
mod tcp;

pub use addr::{Resolve, ToSocketAddrs};
pub use tcp::{Accept, ReadFuture, TcpListener, TcpStream, WriteFuture, DEFAULT_BACKLOG};
