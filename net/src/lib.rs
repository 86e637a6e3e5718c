//! tulip's networking: TCP, UDP and Unix sockets on the loop's reactor, asyncio's streams and its
//! Protocol/Transport layer.
//!
//! **asyncio:** the socket layer under `loop.create_server` / `create_connection` / `open_connection`,
//! `create_datagram_endpoint` and `create_unix_server` / `create_unix_connection` (`sock_accept`,
//! `sock_connect`, `sock_recv`, `sock_sendall`, `sock_sendto`, `sock_recvfrom`, `getaddrinfo`), and
//! `loop.sendfile` / `sock_sendfile`.
//!
//! # Implementation
//!
//! Every socket is a `tulip_core::Async` over a non-blocking std socket: an operation tries its syscall
//! first and arms the loop's poller only when the syscall returns `WouldBlock`. Socket options go through
//! `socket2`; this crate has no `unsafe`.
//!
//! # Layout
//!
//! - Sockets, one family per module: [`tcp`] (listener, stream, owned halves), [`udp`], [`unix`]
//!   (listener, stream, datagram). The futures they share are written once, generic over the socket:
//!   reads and writes of the stream sockets (`io.rs`), sends and receives of the datagram sockets
//!   (`datagram_io.rs`, [`DatagramSocket`]), accepts of the listeners (`accept.rs`, [`Listener`]).
//!   Address resolution is `addr.rs`.
//! - The byte streams the asyncio layers run over: [`ByteStream`] (`byte_stream.rs`), implemented by
//!   [`TcpStream`], [`UnixStream`], the pipe ends of `pipe.rs` and `tulip_tls::TlsSocket`.
//! - asyncio's Protocol/Transport layer: [`Protocol`], [`BufferedProtocol`] and [`DatagramProtocol`],
//!   the handles
//!   [`Transport`] and [`DatagramTransport`], the tasks that drive them (`connection.rs`,
//!   `datagram.rs`), [`create_server`] and [`Server`]; over Unix sockets (`unix_protocol.rs`) and
//!   pipes ([`connect_read_pipe`], [`connect_write_pipe`]). A transport writes to its stream with the
//!   type erased (`any_stream.rs`; TCP and Unix sockets stay static calls); `handover.rs` gives a
//!   running connection's stream up for `start_tls`, and `upgrade.rs` runs a set-up step (a TLS
//!   handshake) on accepted sockets. What a handle shares with its task is `link.rs`; the write
//!   buffer, water marks and closing rules every writer uses are `buffer.rs`. A connection reads into a
//!   buffer lent by the loop thread's pool ([`ReadBuffer`], `receive.rs`) or into a
//!   [`BufferedProtocol`]'s own memory. [`sendfile`] and [`sock_sendfile`] send a file over a transport
//!   or a socket (`sendfile/`: the API; the kernel path in `kernel.rs`; a transport's side in
//!   `transport_side.rs`).
//! - asyncio's streams over any [`ByteStream`] (TCP, Unix sockets, TLS from `tulip_tls`):
//!   [`StreamReader`], [`StreamWriter`], [`open_connection`], [`start_server`],
//!   [`open_unix_connection`], [`start_unix_server`] (`streams/`). Unix servers bind through
//!   `unix_server.rs` (stale socket files removed, unlinked on close).
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

mod accept;
mod addr;
mod any_stream;
mod buffer;
mod buffered_protocol;
mod byte_stream;
mod connection;
mod datagram;
mod datagram_io;
mod handover;
mod io;
mod link;
mod on_workers;
mod pipe;
mod protocol;
mod read_buffer;
mod receive;
mod sendfile;
mod server;
mod server_options;
mod streams;
pub mod tcp;
mod transport;
mod transport_protocol;
pub mod udp;
pub mod unix;
mod unix_protocol;
mod unix_server;
mod upgrade;

pub use accept::Listener;
pub use addr::{lookup_host, Resolve, ToSocketAddrs};
pub use buffered_protocol::{feed_buffered, BufferedProtocol};
pub use byte_stream::ByteStream;
pub use connection::{connect_accepted_socket, create_connection};
pub use datagram::{create_datagram_endpoint, DatagramTransport};
pub use datagram_io::DatagramSocket;
#[doc(hidden)]
pub use handover::connect_upgraded;
pub use io::{ReadFuture, WriteFuture, WriteVectoredFuture};
pub use on_workers::{
    create_server_on_workers, start_server_on_workers, start_server_on_workers_with, WorkerServers,
};
pub use pipe::{connect_read_pipe, connect_write_pipe};
pub use protocol::{DatagramProtocol, Protocol};
pub use read_buffer::ReadBuffer;
pub use sendfile::{
    sendfile, sock_sendfile, SendfileNotAvailableError, SendfileOptions, SendfileSocket,
};
pub use server::{create_server, Server};
pub use server_options::ServerOptions;
pub use streams::{
    open_connection, open_unix_connection, start_server, start_unix_server, HandlerOutput,
    IncompleteReadError, LimitOverrunError, ReadError, StreamReader, StreamWriter,
};
pub use tcp::{Accept, TcpListener, TcpStream, DEFAULT_BACKLOG};
pub use transport::Transport;
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
pub use unix_protocol::{create_unix_connection, create_unix_server};
#[doc(hidden)]
pub use upgrade::{create_server_upgraded, start_server_upgraded};
