//! asyncio streams: `open_connection`, `start_server`, `StreamReader`, `StreamWriter` and their errors.

mod error;
mod reader;
mod unix;
mod writer;

use std::fmt::Display;
use std::future::Future;
use std::io;
use std::rc::Rc;

pub use error::{IncompleteReadError, LimitOverrunError, ReadError};
pub use reader::StreamReader;
pub use unix::{open_unix_connection, start_unix_server};
pub use writer::StreamWriter;

use crate::addr::ToSocketAddrs;
use crate::byte_stream::{poll_now, ByteStream};
use crate::server::{bind_all, ConnGuard, Server};
use crate::tcp::{TcpStream, DEFAULT_BACKLOG};

/// Connects to `addr` and returns the connection's two halves.
///
/// **asyncio:** `reader, writer = await asyncio.open_connection(host, port)`. The reader's limit is
/// 64 KiB; change it with [`StreamReader::with_limit`]. `TCP_NODELAY` is set, as asyncio does.
///
/// # Errors
///
/// Resolution and connect errors (`ConnectionRefused`, …).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let server = tulip_net::start_server("127.0.0.1:0", |mut reader, writer| async move {
///         let line = reader.readline().await?;
///         writer.write(&line)?;
///         writer.close();
///         writer.wait_closed().await
///     })
///     .await?;
///
///     let (mut reader, writer) = tulip_net::open_connection(server.local_addrs()[0]).await?;
///     writer.write(b"hello\n")?;
///     assert_eq!(reader.readline().await?, b"hello\n");
///     server.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn open_connection(addr: impl ToSocketAddrs) -> io::Result<(StreamReader, StreamWriter)> {
    let sock = TcpStream::connect(addr).await?;
    Ok(split(sock))
}

fn split(sock: TcpStream) -> (StreamReader, StreamWriter) {
    let _ = sock.set_nodelay(true);
    split_any(sock)
}

/// A reader and a writer over one stream.
fn split_any<S: ByteStream>(sock: S) -> (StreamReader<S>, StreamWriter<S>) {
    (StreamReader::new(sock.clone()), StreamWriter::new(sock))
}

/// Listens on `addr` and runs `client_connected_cb(reader, writer)` as a new task for each client.
///
/// The handler's future may return `()` or a `Result<(), E>`; an `Err` is reported on stderr (asyncio
/// logs the exception). When the handler ends, its halves are dropped: buffered data is still sent,
/// and the socket is closed. Accept errors such as `EMFILE` are reported and the server keeps serving,
/// as with [`create_server`](crate::create_server).
///
/// Like asyncio, it listens on every address `addr` names (a host name resolving to several, or a list
/// of addresses), one socket each; see [`create_server`](crate::create_server).
///
/// **asyncio:** `await asyncio.start_server(client_connected_cb, host, port)`.
///
/// # Errors
///
/// Resolution and bind errors; when one of several addresses cannot be bound, none is kept.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let server = tulip_net::start_server("127.0.0.1:0", |mut reader, writer| async move {
///         loop {
///             let data = reader.read(65536).await?;
///             if data.is_empty() {
///                 break;
///             }
///             writer.write(&data)?;
///             writer.drain().await?;
///         }
///         writer.close();
///         std::io::Result::Ok(())
///     })
///     .await?;
///
///     let (mut reader, writer) = tulip_net::open_connection(server.local_addrs()[0]).await?;
///     writer.write(b"echo me")?;
///     writer.write_eof()?;
///     assert_eq!(reader.read_to_end().await?, b"echo me");
///     server.close();
///     server.wait_closed().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_server<F, Fut>(
    addr: impl ToSocketAddrs,
    client_connected_cb: F,
) -> io::Result<Server>
where
    F: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    let listeners = bind_all(addr, DEFAULT_BACKLOG, false).await?;
    Server::start(listeners, streams_acceptor(client_connected_cb))
}

/// What a streams server does with each accepted socket: let [`Server::close_clients`] shut it down,
/// split it, spawn the handler. Shared by [`start_server`] and the servers of
/// [`ServerOptions`](crate::ServerOptions) and the runtime workers.
pub(crate) fn streams_acceptor<F, Fut>(
    client_connected_cb: F,
) -> impl FnMut(TcpStream, std::net::SocketAddr, ConnGuard) + 'static
where
    F: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    let mut inner = streams_acceptor_any(client_connected_cb);
    move |sock: TcpStream, peer, guard| {
        let _ = sock.set_nodelay(true);
        inner(sock, peer, guard)
    }
}

/// [`streams_acceptor`] for any stream: the closer shuts the stream down both ways, or aborts it
/// ([`ByteStream::abort`]) for `abort_clients`.
pub(crate) fn streams_acceptor_any<S, A, F, Fut>(
    mut client_connected_cb: F,
) -> impl FnMut(S, A, ConnGuard) + 'static
where
    S: ByteStream,
    F: FnMut(StreamReader<S>, StreamWriter<S>) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    move |sock, _peer, mut guard| {
        let s = sock.clone();
        guard.set_closer(Rc::new(move |abort| {
            if abort {
                s.abort();
            } else {
                let _ = poll_now(|cx| s.poll_shutdown(cx, std::net::Shutdown::Both));
            }
        }));
        let (reader, writer) = split_any(sock);
        let handler = client_connected_cb(reader, writer);
        tulip_core::spawn(async move {
            let _guard = guard;
            handler.await.report();
        })
        .detach();
    }
}

/// What a [`start_server`] handler may return: `()`, or a `Result<(), E>` whose error is reported.
///
/// **asyncio:** a `client_connected_cb` coroutine's result, or the exception it raised (logged as
/// "Unhandled exception in client_connected_cb").
///
/// # Examples
///
/// ```
/// use tulip_net::HandlerOutput;
/// ().report();
/// std::io::Result::Ok(()).report();
/// ```
pub trait HandlerOutput {
    /// Reports a failure (on stderr); nothing for success.
    ///
    /// **asyncio:** the loop's exception handler logging "Unhandled exception in
    /// client_connected_cb".
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::HandlerOutput;
    /// // Prints "tulip: unhandled error in client_connected_cb: refused" on stderr.
    /// Err::<(), _>("refused").report();
    /// ```
    fn report(self);
}

impl HandlerOutput for () {
    fn report(self) {}
}

impl<E: Display> HandlerOutput for Result<(), E> {
    fn report(self) {
        if let Err(e) = self {
            eprintln!("tulip: unhandled error in client_connected_cb: {e}");
        }
    }
}
