//! TCP: [`TcpListener`], [`TcpStream`], the stream's owned halves and the futures their operations
//! return.
//!
//! **asyncio:** the TCP sockets under `loop.create_server()` / `loop.create_connection()` and the
//! `loop.sock_*` coroutines (`sock_accept`, `sock_connect`, `sock_recv`, `sock_sendall`).
//!
//! The repository's `examples/echo.rs` is the echo server written on these types (a task per
//! connection); `examples/echo_threads.rs` (blocking, a thread per connection) and
//! `examples/echo_selector.rs` (one loop on the poller, no tasks) are the same server without tulip,
//! for comparison.
//!
//! # Examples
//!
//! ```
//! use tulip_net::tcp::{TcpListener, TcpStream};
//! tulip_core::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (server, _) = listener.accept().await?;
//!     client.write_all(b"ping").await?;
//!     let mut buf = [0u8; 4];
//!     server.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"ping");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

mod listener;
mod split;
mod stream;

pub use listener::{Accept, Incoming, TcpListener, DEFAULT_BACKLOG};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::{PeekFuture, TcpStream};
