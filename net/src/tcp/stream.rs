//! `TcpStream`: a connection, its futures-io impls and its peek future.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, Socket, Type};
use tulip_core::Async;

use super::split::{self, OwnedReadHalf, OwnedWriteHalf};
use crate::addr::{each_addr, ToSocketAddrs};
use crate::io::{ReadFuture, WriteFuture, WriteVectoredFuture};

/// A TCP connection.
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (for `TcpStream` and `&TcpStream`), so the
/// `futures` ecosystem's combinators, TLS and WebSocket crates work on it. Cloning shares the socket
/// (it closes when the last clone drops), and [`TcpStream::split`] gives owned halves, so one task can
/// read while another writes. The reactor keeps one waiting task per direction: two tasks reading the
/// same socket at once is not supported (the later one takes the wakeup).
///
/// **asyncio:** the socket under a `Transport`, driven with `loop.sock_recv` / `sock_sendall`; for the
/// buffered asyncio API see the streams and Protocol layers.
///
/// # Examples
///
/// ```
/// use tulip_net::{TcpListener, TcpStream};
/// tulip_core::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hello").await?;
///     let mut buf = [0u8; 5];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct TcpStream {
    pub(super) io: Arc<Async<std::net::TcpStream>>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn until one accepts. Name resolution runs
    /// on the blocking pool, never on the loop.
    ///
    /// **asyncio:** `loop.sock_connect()`; the connect step of `open_connection` / `create_connection`.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused`, `HostUnreachable`, `NetworkUnreachable`, `TimedOut`, resolution failures, or
    /// `InvalidInput` when nothing resolved. With several addresses, the last address's error. A refused
    /// connection fails as soon as the peer's reset arrives (on loopback, at once).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the half-open socket; nothing else is left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     // A port nobody listens on: refused promptly.
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = l.local_addr().unwrap();
    ///     drop(l);
    ///     let err = tulip_net::TcpStream::connect(addr).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, Self::connect_one).await
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INPROGRESS.raw_os_error()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_nonblocking(std::net::TcpStream::from(socket));
        stream.io.writable().await?;
        if let Some(e) = stream.io.get_ref().take_error()? {
            return Err(e);
        }
        // Some systems report a refused connection as writable with the error only visible here.
        stream.io.get_ref().peer_addr()?;
        Ok(stream)
    }

    #[track_caller]
    pub(crate) fn from_nonblocking(stream: std::net::TcpStream) -> TcpStream {
        TcpStream {
            io: Arc::new(Async::new_nonblocking(stream)),
        }
    }

    /// Wraps a connected std stream (made non-blocking here).
    ///
    /// **asyncio:** `loop.create_connection(sock=sock)` / `open_connection(sock=sock)` with an existing
    /// socket.
    ///
    /// # Errors
    ///
    /// When the socket cannot be made non-blocking.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     let s = tulip_net::TcpStream::from_std(s).unwrap();
    ///     assert!(s.peer_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream::from_nonblocking(stream))
    }

    /// The std stream beneath (shared with clones of this `TcpStream`), for socket options tulip does
    /// not wrap. Do not switch it back to blocking mode.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// s.get_ref().set_ttl(32)?;
    /// assert_eq!(s.get_ref().ttl()?, 32);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn get_ref(&self) -> &std::net::TcpStream {
        self.io.get_ref()
    }

    /// The remote address.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` after the peer went away.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.peer_addr()?, l.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

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
    /// # tulip_core::run(async {
    /// let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let (_conn, peer) = l.accept().await?;
    /// assert_eq!(s.local_addr()?, peer);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (asyncio sets it on every TCP transport).
    ///
    /// **asyncio:** `sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)`, done by every asyncio TCP
    /// transport.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_nodelay(true)?;
    /// # assert!(s.nodelay()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(on)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// **asyncio:** `sock.getsockopt(IPPROTO_TCP, TCP_NODELAY)`.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_nodelay(false)?;
    /// assert!(!s.nodelay()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down reading, writing or both. `Shutdown::Write` sends EOF (a FIN) to the peer while this
    /// side can still read; the socket stays open until the last clone drops.
    ///
    /// **asyncio:** `transport.write_eof()` (for `Write`).
    ///
    /// # Errors
    ///
    /// `NotConnected` when the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let (server, _) = l.accept().await?;
    /// client.shutdown(Shutdown::Write)?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(server.read(&mut buf).await?, 0); // EOF
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the socket is readable (data, EOF or an error to report). Readiness is a hint: a
    /// read afterwards may still return `WouldBlock` from a `try_`-style call.
    ///
    /// **asyncio:** `loop.add_reader(sock, callback)`, awaited once.
    ///
    /// # Errors
    ///
    /// When arming the poller fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let (server, _) = l.accept().await?;
    /// client.write_all(b"x").await?;
    /// server.readable().await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(server.read(&mut buf).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the socket is writable (send buffer space, or an error to report).
    ///
    /// **asyncio:** `loop.add_writer(sock, callback)`, awaited once.
    ///
    /// # Errors
    ///
    /// When arming the poller fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// client.writable().await?;
    /// assert_eq!(client.write(b"x").await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Polls a read into `buf`: the syscall first, the poller only on `WouldBlock`.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv()`, for hand-written
    /// futures).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"abc").await?;
    /// let mut buf = [0u8; 3];
    /// let n = poll_fn(|cx| server.poll_read(cx, &mut buf)).await?;
    /// assert_eq!(&buf[..n], &b"abc"[..n]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        crate::io::poll_read(&self.io, cx, buf)
    }

    /// Polls a read into memory that need not be initialised (socket2's `recv`): for callers whose
    /// buffers are spare capacity, such as hyper's `ReadBufCursor`, which would otherwise zero them on
    /// every read. Returns how many bytes, from the start of `buf`, are now initialised; an empty `buf`
    /// completes at once with 0.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv_into()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"abc").await?;
    /// let mut buf = [MaybeUninit::<u8>::uninit(); 16];
    /// let n = poll_fn(|cx| server.poll_read_uninit(cx, &mut buf)).await?;
    /// // The first `n` bytes of `buf` now hold data.
    /// assert!((1..=3).contains(&n));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.io
            .poll_read_len_with(cx, len, |s| socket2::SockRef::from(s).recv(buf))
    }

    /// Whether a read may be tried now, without reading or consuming anything:
    /// [`ByteStream::poll_read_ready`](crate::ByteStream::poll_read_ready) for this socket.
    #[inline]
    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read_ready(cx)
    }

    /// Polls one read appended to `buf`'s spare capacity (at most that many bytes; none is zeroed
    /// first): [`ByteStream::poll_read_spare`](crate::ByteStream::poll_read_spare) for this socket.
    #[inline]
    pub(crate) fn poll_read_spare(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        crate::io::poll_recv_spare(&self.io, cx, buf)
    }

    /// Polls a write of `buf`.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_send()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let n = poll_fn(|cx| client.poll_write(cx, b"abc")).await?;
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_len_with(cx, buf.len(), |mut s| s.write(buf))
    }

    /// Runs a write-like `op` on the socket until it stops returning `WouldBlock`, waiting for write
    /// readiness in between (`sendfile(2)` uses it).
    #[inline]
    pub(crate) fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&std::net::TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.io.poll_write_with(cx, op)
    }

    /// Polls a peek into `buf`; see [`TcpStream::peek`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `sock.recv(n, MSG_PEEK)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"abc").await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(poll_fn(|cx| server.poll_peek(cx, &mut buf)).await?, 1);
    /// assert_eq!(&buf, b"a");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.io.poll_read_with(cx, |s| s.peek(buf))
    }

    /// Reads what is available into `buf` (at least one byte, or 0 at EOF). When data is already
    /// there, the first poll completes with one `read(2)` and no poller call.
    ///
    /// **asyncio:** `loop.sock_recv(sock, n)`.
    ///
    /// # Errors
    ///
    /// The OS error, e.g. `ConnectionReset` when the peer aborted.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped read has consumed nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"data").await?;
    /// let mut buf = [0u8; 64];
    /// let n = server.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], &b"data"[..n]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        ReadFuture::new(&self.io, buf)
    }

    /// Reads into `buf` without taking the bytes off the socket: the next `read` returns them again.
    ///
    /// **asyncio:** `loop.sock_recv()` on a socket with `MSG_PEEK`: `sock.recv(n, socket.MSG_PEEK)`.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"GET").await?;
    /// let mut first = [0u8; 1];
    /// server.peek(&mut first).await?;
    /// let mut all = [0u8; 3];
    /// server.read_exact(&mut all).await?;
    /// assert_eq!(first[0], all[0]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> PeekFuture<'a> {
        PeekFuture { stream: self, buf }
    }

    /// Writes some of `buf` and returns how much.
    ///
    /// **asyncio:** `loop.sock_send(sock, data)`.
    ///
    /// # Errors
    ///
    /// The OS error, e.g. `BrokenPipe` or `ConnectionReset`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped write has written nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let n = s.write(b"hello").await?;
    /// assert!(n > 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        WriteFuture::new(&self.io, buf)
    }

    /// Writes several buffers with one `writev(2)` and returns how many bytes went out in total (maybe
    /// fewer than all of them).
    ///
    /// **asyncio:** `transport.writelines(list_of_data)`, which gathers them into one `sendmsg`.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let n = client
    ///     .write_vectored(&[IoSlice::new(b"Hello, "), IoSlice::new(b"world")])
    ///     .await?;
    /// assert_eq!(n, 12);
    /// let mut buf = [0u8; 12];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"Hello, world");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write_vectored<'a>(&'a self, bufs: &'a [IoSlice<'a>]) -> WriteVectoredFuture<'a> {
        WriteVectoredFuture::new(&self.io, bufs)
    }

    /// Writes all of `buf`.
    ///
    /// **asyncio:** `loop.sock_sendall(sock, data)`.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the socket stops accepting bytes, or the OS error (e.g. `BrokenPipe`,
    /// `ConnectionReset`).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a prefix of `buf` may have been written.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// s.write_all(&[7u8; 100_000]).await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        crate::io::write_all(&self.io, buf).await
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// **asyncio:** `StreamReader.readexactly(n)` over a raw socket (without its `IncompleteReadError`).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the peer closes first.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before cancellation are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// client.write_all(b"exactly").await?;
    /// let mut buf = [0u8; 7];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"exactly");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        crate::io::read_exact(&self.io, buf).await
    }

    /// Splits the stream into an owned read half and an owned write half, which can move into two
    /// tasks: one reads while the other writes. Dropping the write half (or calling its
    /// [`shutdown`](OwnedWriteHalf::shutdown)) sends EOF to the peer; the socket itself closes when both
    /// halves (and any clone of the stream) are gone. [`OwnedReadHalf::reunite`] puts them back together.
    ///
    /// **asyncio:** the `(reader, writer)` pair of `asyncio.open_connection()`, unbuffered.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, writer) = server.split();
    /// let echo = tulip_core::spawn(async move {
    ///     let mut buf = [0u8; 16];
    ///     let n = reader.read(&mut buf).await?;
    ///     writer.write_all(&buf[..n]).await
    /// });
    /// client.write_all(b"ping").await?;
    /// let mut buf = [0u8; 4];
    /// client.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"ping");
    /// echo.await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[doc(alias = "into_split")]
    pub fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split(self)
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`TcpStream::peek`] and [`OwnedReadHalf::peek`].
///
/// **asyncio:** the awaitable of `loop.sock_recv()` on a `MSG_PEEK` read.
///
/// # Examples
///
/// ```
/// use tulip_net::tcp::PeekFuture;
/// # tulip_core::run(async {
/// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
/// # let (server, _) = l.accept().await?;
/// client.write_all(b"x").await?;
/// let mut buf = [0u8; 1];
/// let peek: PeekFuture<'_> = server.peek(&mut buf);
/// assert_eq!(peek.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct PeekFuture<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
}

impl fmt::Debug for PeekFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeekFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Future for PeekFuture<'_> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.stream.poll_peek(cx, this.buf)
    }
}

/// `poll_close` of the write side: EOF to the peer; a connection already gone counts as closed.
pub(super) fn shutdown_write(stream: &TcpStream) -> io::Result<()> {
    match stream.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

crate::io::stream_io_impls!(TcpStream, shutdown_write);
