//! TCP: `TcpListener` and `TcpStream` on the running loop's reactor.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustix::net::SocketFlags;
use socket2::{Domain, Protocol, Socket, Type};
use tulip_core::Async;

use crate::addr::{each_addr, ToSocketAddrs};

/// Listen backlog used by [`TcpListener::bind`] (asyncio's default is 100; Linux caps it at
/// `net.core.somaxconn`).
pub const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// **asyncio:** the listening socket behind `loop.create_server()` / `asyncio.start_server()`, and
/// `loop.sock_accept()`.
///
/// # Examples
///
/// ```
/// use tulip_net::{TcpListener, TcpStream};
/// tulip_core::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = TcpStream::connect(addr).await?;
///     let (server_side, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     assert_eq!(server_side.peer_addr()?, client.local_addr()?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl TcpListener {
    /// Binds to `addr` (`SO_REUSEADDR` set, as asyncio does) and listens with [`DEFAULT_BACKLOG`]. A name
    /// that resolves to several addresses binds the first that works.
    ///
    /// **asyncio:** the bind step of `loop.create_server(host=..., port=...)`.
    ///
    /// # Errors
    ///
    /// Resolution failures, `AddrInUse`, `AddrNotAvailable`, `PermissionDenied`, out of descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let l = tulip_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(l.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |a| async move {
            Self::bind_with(a, DEFAULT_BACKLOG, false)
        })
        .await
    }

    /// Binds to one address with a given backlog, optionally with `SO_REUSEPORT` (several listeners, e.g.
    /// one per loop thread, sharing a port; the kernel spreads connections among them).
    ///
    /// **asyncio:** `create_server(..., backlog=, reuse_port=)`.
    ///
    /// # Errors
    ///
    /// As [`TcpListener::bind`].
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let addr = "127.0.0.1:0".parse().unwrap();
    ///     let l = tulip_net::TcpListener::bind_with(addr, 16, true).unwrap();
    ///     assert!(l.local_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn bind_with(addr: SocketAddr, backlog: i32, reuse_port: bool) -> io::Result<TcpListener> {
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        socket.set_reuse_address(true)?;
        if reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.bind(&addr.into())?;
        socket.listen(backlog)?;
        Ok(TcpListener {
            io: Async::new_nonblocking(std::net::TcpListener::from(socket)),
        })
    }

    /// Wraps a bound, listening std listener (made non-blocking here).
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
    ///     let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let l = tulip_net::TcpListener::from_std(std_l).unwrap();
    ///     assert!(l.local_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Unregisters the listener and returns the std one (still non-blocking).
    ///
    /// # Errors
    ///
    /// Never in practice; kept for symmetry with `Async::into_inner`.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to.
    ///
    /// **asyncio:** `Server.sockets[0].getsockname()`.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for a connection and returns it with the peer's address. The accepted socket is made
    /// non-blocking and close-on-exec in the same `accept4` call.
    ///
    /// **asyncio:** `loop.sock_accept(sock)`.
    ///
    /// # Errors
    ///
    /// Accept errors such as `EMFILE` (out of descriptors) or `ECONNABORTED`; the listener stays usable,
    /// so a server logs the error and accepts again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no connection is lost if the future is dropped.
    pub fn accept(&self) -> Accept<'_> {
        Accept { listener: self }
    }

    /// Polls for a connection; see [`TcpListener::accept`].
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_read_with(cx, |l| {
            rustix::net::acceptfrom_with(l, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
                .map_err(io::Error::from)
        }) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok((fd, peer))) => {
                let stream = std::net::TcpStream::from(fd);
                let peer = match peer.map(SocketAddr::try_from) {
                    Some(Ok(a)) => a,
                    _ => match stream.peer_addr() {
                        Ok(a) => a,
                        Err(e) => return Poll::Ready(Err(e)),
                    },
                };
                Poll::Ready(Ok((TcpStream::from_nonblocking(stream), peer)))
            }
        }
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`TcpListener::accept`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Accept<'a> {
    listener: &'a TcpListener,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.listener.poll_accept(cx)
    }
}

/// A TCP connection.
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (for `TcpStream` and `&TcpStream`), so the
/// `futures` ecosystem's combinators, TLS and WebSocket crates work on it. Cloning shares the socket,
/// so one task can read while another writes.
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
    io: Arc<Async<std::net::TcpStream>>,
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
    /// `InvalidInput` when nothing resolved. With several addresses, the last address's error.
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
        // A refused connection can report writability with the error still pending in `peer_addr`.
        stream.io.get_ref().peer_addr()?;
        Ok(stream)
    }

    #[track_caller]
    fn from_nonblocking(stream: std::net::TcpStream) -> TcpStream {
        TcpStream {
            io: Arc::new(Async::new_nonblocking(stream)),
        }
    }

    /// Wraps a connected std stream (made non-blocking here).
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

    /// The std stream beneath (shared with clones of this `TcpStream`).
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
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (asyncio sets it on every TCP transport).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(on)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down reading, writing or both. `Shutdown::Write` sends EOF to the peer while still reading.
    ///
    /// **asyncio:** `transport.write_eof()` (for `Write`).
    ///
    /// # Errors
    ///
    /// `NotConnected` when the connection is gone.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the socket is readable.
    ///
    /// # Errors
    ///
    /// When arming the poller fails.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the socket is writable.
    ///
    /// # Errors
    ///
    /// When arming the poller fails.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Polls a read into `buf`: the syscall first, the poller only on `WouldBlock`.
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read(buf))
    }

    /// Polls a write of `buf`.
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |mut s| s.write(buf))
    }

    /// Reads what is available into `buf` (at least one byte, or 0 at EOF).
    ///
    /// **asyncio:** `loop.sock_recv(sock, n)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        ReadFuture { stream: self, buf }
    }

    /// Writes some of `buf`; returns how much.
    ///
    /// **asyncio:** `loop.sock_send(sock, data)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        WriteFuture { stream: self, buf }
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
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the peer closes first.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before cancellation are lost.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
        }
        Ok(())
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`TcpStream::read`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadFuture<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
}

impl Future for ReadFuture<'_> {
    type Output = io::Result<usize>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.stream.poll_read(cx, this.buf)
    }
}

/// The future returned by [`TcpStream::write`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteFuture<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
}

impl Future for WriteFuture<'_> {
    type Output = io::Result<usize>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.stream.poll_write(cx, this.buf)
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(&self, cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read_vectored(bufs))
    }
}

impl futures_io::AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(&self, cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(&self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |mut s| s.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the write side (sends EOF).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        })
    }
}

impl futures_io::AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(&self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        })
    }
}
