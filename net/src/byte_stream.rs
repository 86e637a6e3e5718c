//! `ByteStream`: what the streams (`StreamReader`/`StreamWriter`) and the Protocol layer need from a
//! connection, with its implementations for `TcpStream` and `UnixStream`.

use std::fmt;
use std::io::{self, Write};
use std::net::Shutdown;
use std::task::{Context, Poll};

use crate::tcp::TcpStream;
use crate::unix::UnixStream;

/// A connected byte stream the asyncio layers run over: TCP, a Unix stream socket, or an encrypted
/// stream such as `tulip_tls::TlsSocket`.
///
/// A value is a *handle*: clones refer to the same connection (the reader and the writer of a pair each
/// keep one), and every method takes `&self`. Implement it for your own stream to get
/// [`StreamReader`](crate::StreamReader) / [`StreamWriter`](crate::StreamWriter) over it.
///
/// # Contract
///
/// - `poll_read` and `poll_write` behave as the `futures_io` methods: `Ready(Ok(0))` from a read is the
///   end of the stream; `Pending` registers `cx` to be woken when the call may succeed.
/// - `try_write` writes without waiting and without a waker: `Err(WouldBlock)` when nothing can be
///   taken now. Bytes it accepts are on their way: the writer only calls `poll_flush` again when
///   [`wants_flush`](ByteStream::wants_flush) says the stream holds some itself (TLS records).
/// - `poll_shutdown(Shutdown::Write)` sends EOF (only called when
///   [`can_write_eof`](ByteStream::can_write_eof)); `Shutdown::Both` ends the connection both ways
///   (TLS: `close_notify`, then the socket). The writer calls them once its buffer is sent.
/// - [`start_closing`](ByteStream::start_closing) is called once when a writer's or transport's
///   `close()` begins, before the buffer is sent (TLS starts its shutdown time limit there).
///
/// **asyncio:** the transport beneath a `StreamReader`/`StreamWriter` pair (`_SelectorSocketTransport`,
/// `_SSLProtocolTransport`, the Unix transports): whatever `open_connection`,
/// `open_unix_connection` or `ssl=` put there.
///
/// # Examples
///
/// ```
/// use tulip_net::{ByteStream, StreamReader, StreamWriter};
/// use tulip_net::unix::UnixStream;
///
/// // Streams over a socketpair: anything that is a `ByteStream` will do.
/// fn pair<S: ByteStream>(s: S) -> (StreamReader<S>, StreamWriter<S>) {
///     (StreamReader::new(s.clone()), StreamWriter::new(s))
/// }
/// tulip_core::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let (_ra, wa) = pair(a);
///     let (mut rb, _wb) = pair(b);
///     wa.write(b"over any stream\n")?;
///     assert_eq!(rb.readline().await?, b"over any stream\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait ByteStream: Clone + Unpin + 'static {
    /// The address type of [`peer_addr`](ByteStream::peer_addr) and
    /// [`local_addr`](ByteStream::local_addr).
    type Addr: Clone + fmt::Debug + 'static;

    /// Polls one read into `buf`; `Ok(0)` at the end of the stream (or for an empty `buf`).
    ///
    /// **asyncio:** the transport's read callback (`_read_ready`).
    ///
    /// # Errors
    ///
    /// The stream's error (`ConnectionReset`, a TLS alert as `InvalidData`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     let mut buf = [0u8; 4];
    ///     assert_eq!(poll_fn(|cx| ByteStream::poll_read(&b, cx, &mut buf)).await?, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Polls whether a read may find data now: `Pending` (the task woken when that changes) when
    /// the stream knows a read would wait, `Ready` otherwise, including when it cannot tell (the
    /// default). Consumes nothing and reads nothing; a read after `Ready` may still wait.
    ///
    /// [`StreamReader`](crate::StreamReader) uses it to take a scratch buffer only for a read that
    /// will run.
    ///
    /// **asyncio:** no counterpart (the readiness check at the top of a transport's read callback).
    ///
    /// # Errors
    ///
    /// The stream's registration error (the sockets of this crate).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     poll_fn(|cx| ByteStream::poll_read_ready(&b, cx)).await?;
    ///     let mut buf = [0u8; 4];
    ///     assert_eq!(poll_fn(|cx| ByteStream::poll_read(&b, cx, &mut buf)).await?, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    /// Polls one read appended to the spare capacity of `buf` (at most `buf.capacity() - buf.len()`
    /// bytes), for streams that can read into memory nobody zeroed first: `Some` with what
    /// [`poll_read`](ByteStream::poll_read) would return, `buf` having grown by that many bytes.
    /// `None` (the default) when the stream does not read this way; the caller then uses
    /// `poll_read`. The sockets of this crate do (`recv(2)` into the spare capacity).
    ///
    /// [`StreamReader`](crate::StreamReader) uses it to hand a large read to its caller in the
    /// vector it arrived in, instead of copying it out of a zeroed scratch buffer.
    ///
    /// **asyncio:** what `sock.recv_into()` does with a `bytearray` it did not clear first.
    ///
    /// # Errors
    ///
    /// As [`poll_read`](ByteStream::poll_read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     a.write_all(b"xy").await?;
    ///     let mut buf = Vec::with_capacity(16);
    ///     let n = poll_fn(|cx| {
    ///         ByteStream::poll_read_spare(&b, cx, &mut buf).expect("sockets read into spare capacity")
    ///     })
    ///     .await?;
    ///     assert_eq!((n, &buf[..]), (2, &b"xy"[..]));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    fn poll_read_spare(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Option<Poll<io::Result<usize>>> {
        let _ = (cx, buf);
        None
    }

    /// Polls one write of (a prefix of) `buf`, returning how many bytes were taken.
    ///
    /// **asyncio:** the transport's write callback (`_write_ready`).
    ///
    /// # Errors
    ///
    /// The stream's error (`BrokenPipe`, `ConnectionReset`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert_eq!(poll_fn(|cx| ByteStream::poll_write(&a, cx, b"abc")).await?, 3);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Writes what can be written now, without waiting: `Err(WouldBlock)` when nothing can. The
    /// writers' fast path (one `send(2)` on a socket).
    ///
    /// **asyncio:** the first `sock.send()` that `transport.write()` tries before buffering.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the stream's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert_eq!(a.try_write(b"abc")?, 3);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;

    /// Whether the stream holds written bytes of its own that [`poll_flush`](ByteStream::poll_flush)
    /// must still send (TLS records); `false` for sockets.
    ///
    /// **asyncio:** the SSL protocol's outgoing buffer (`_outgoing`), private there.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert!(!a.wants_flush());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn wants_flush(&self) -> bool {
        false
    }

    /// Polls until the bytes the stream holds itself are sent; at once for sockets.
    ///
    /// **asyncio:** no counterpart (the SSL protocol flushes inside its callbacks).
    ///
    /// # Errors
    ///
    /// The stream's write error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     poll_fn(|cx| a.poll_flush(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    /// Polls a shutdown: `Write` sends EOF, `Both` (or `Read`) ends the connection.
    ///
    /// **asyncio:** `transport.write_eof()` / the end of `transport.close()`.
    ///
    /// # Errors
    ///
    /// The `shutdown(2)` error (`NotConnected` after a reset), or the stream's write error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::net::Shutdown;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     poll_fn(|cx| a.poll_shutdown(cx, Shutdown::Write)).await?;
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>>;

    /// Polls what must happen before a Protocol connection over the stream drops its handles (TLS:
    /// `close_notify`); nothing for sockets, whose descriptor closing is the end.
    ///
    /// **asyncio:** the end of `transport.close()` once the buffer is sent.
    ///
    /// # Errors
    ///
    /// The stream's write error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     poll_fn(|cx| a.poll_close(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    /// Told once, when the writer or the transport over the stream starts closing (their `close()`),
    /// before the data they buffered is sent: a stream whose close may wait on the peer starts its
    /// time limit here (TLS: `tulip_tls::SHUTDOWN_TIMEOUT`). Nothing for sockets (the default).
    ///
    /// **asyncio:** the start of an SSL transport's `close()` (`SSLProtocol._start_shutdown`, which
    /// arms `ssl_shutdown_timeout`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     a.start_closing(); // a socket has no time limit to start
    ///     assert!(!a.wants_flush());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn start_closing(&self) {}

    /// Ends the connection at once, both ways, without waiting on the peer: what
    /// [`Server::abort_clients`](crate::Server::abort_clients) does to a
    /// [`start_server`](crate::start_server) connection. For sockets (the default) the socket is shut
    /// down both ways (a reader sees the end, a writer `BrokenPipe`); TLS drops what it has not sent
    /// and sends no `close_notify`. Errors are ignored: a stream that cannot be shut is ended already.
    ///
    /// **asyncio:** `transport.abort()` under a `StreamWriter`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     a.abort();
    ///     assert_eq!(a.try_write(b"x").unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn abort(&self) {
        let _ = poll_now(|cx| self.poll_shutdown(cx, Shutdown::Both));
    }

    /// Whether the stream can send EOF and keep reading (`false` for TLS, as asyncio's SSL transport).
    ///
    /// **asyncio:** `transport.can_write_eof()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert!(a.can_write_eof());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn can_write_eof(&self) -> bool {
        true
    }

    /// The remote address.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert!(ByteStream::peer_addr(&a)?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn peer_addr(&self) -> io::Result<Self::Addr>;

    /// The local address.
    ///
    /// **asyncio:** `transport.get_extra_info("sockname")`.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ByteStream;
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     assert!(ByteStream::local_addr(&a)?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

/// `write(2)` retried on `EINTR`.
#[inline]
fn write_now(mut w: impl Write, data: &[u8]) -> io::Result<usize> {
    loop {
        match w.write(data) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Implements [`ByteStream`] for a socket type with the inherent methods of `TcpStream`.
macro_rules! socket_byte_stream {
    ($ty:ty, $addr:ty) => {
        impl ByteStream for $ty {
            type Addr = $addr;

            #[inline]
            fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_read(self, cx, buf)
            }

            #[inline]
            fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$ty>::poll_read_ready(self, cx)
            }

            #[inline]
            fn poll_read_spare(
                &self,
                cx: &mut Context<'_>,
                buf: &mut Vec<u8>,
            ) -> Option<Poll<io::Result<usize>>> {
                Some(<$ty>::poll_read_spare(self, cx, buf))
            }

            #[inline]
            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_write(self, cx, buf)
            }

            #[inline]
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                write_now(self.get_ref(), buf)
            }

            #[inline]
            fn poll_shutdown(&self, _cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
                Poll::Ready(<$ty>::shutdown(self, how))
            }

            #[inline]
            fn peer_addr(&self) -> io::Result<$addr> {
                <$ty>::peer_addr(self)
            }

            #[inline]
            fn local_addr(&self) -> io::Result<$addr> {
                <$ty>::local_addr(self)
            }
        }
    };
}

socket_byte_stream!(TcpStream, std::net::SocketAddr);
socket_byte_stream!(UnixStream, std::os::unix::net::SocketAddr);

/// Runs `poll` once with a waker that does nothing: for a shutdown that sockets complete at once, from
/// a call that has no task context. `None` when it would wait (the caller then leaves it to a task).
pub(crate) fn poll_now<R>(poll: impl FnOnce(&mut Context<'_>) -> Poll<R>) -> Option<R> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    match poll(&mut cx) {
        Poll::Ready(r) => Some(r),
        Poll::Pending => None,
    }
}
