//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`] and the futures their
//! operations return.
//!
//! **asyncio:** `loop.create_unix_server()`, `loop.create_unix_connection()`,
//! `asyncio.start_unix_server()` / `open_unix_connection()`, and `create_datagram_endpoint(family=AF_UNIX)`.
//!
//! # Examples
//!
//! ```
//! use tulip_net::unix::UnixStream;
//! tulip_core::run(async {
//!     let (a, b) = UnixStream::pair()?;
//!     a.write_all(b"over a socketpair").await?;
//!     let mut buf = [0u8; 17];
//!     b.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"over a socketpair");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

mod datagram;
mod listener;
mod stream;

pub use datagram::{RecvFrom, RecvFuture, SendFuture, SendTo, UnixDatagram};
pub use listener::{Accept, Incoming, UnixListener};
pub use stream::UnixStream;
