//! [`UnixDatagram`] and the futures its sends and receives return.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};
use tulip_core::Async;

type StdDatagram = std::os::unix::net::UnixDatagram;

/// A Unix domain datagram socket.
///
/// Cloning shares the socket, so one task can receive while another sends (one waiting task per
/// direction: two tasks receiving at once is not supported).
///
/// **asyncio:** `loop.create_datagram_endpoint(..., family=socket.AF_UNIX)` and the
/// `loop.sock_sendto()` / `loop.sock_recvfrom()` coroutines on an `AF_UNIX` datagram socket.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let (a, b) = tulip_net::UnixDatagram::pair()?;
///     a.send(b"one datagram").await?;
///     let mut buf = [0u8; 32];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one datagram");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UnixDatagram {
    io: Arc<Async<StdDatagram>>,
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl UnixDatagram {
    /// Creates a datagram socket bound to a new socket file at `path`.
    ///
    /// **asyncio:** `loop.create_datagram_endpoint(..., local_addr=path, family=AF_UNIX)`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the file exists, `NotFound` / `PermissionDenied` for the directory,
    /// `InvalidInput` for a path too long.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("dgram.sock");
    /// tulip_core::run(async {
    ///     let s = tulip_net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(s.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::DGRAM.nonblocking().cloexec(), None)?;
        socket.bind(&addr)?;
        Ok(UnixDatagram::from_nonblocking(socket.into()))
    }

    /// Creates a datagram socket bound to no address: it can send, and receive replies only once
    /// connected.
    ///
    /// **asyncio:** `create_datagram_endpoint(..., remote_addr=path, family=AF_UNIX)` without
    /// `local_addr`.
    ///
    /// # Errors
    ///
    /// Out of descriptors.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UnixDatagram::unbound()?;
    /// assert!(s.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        let socket = Socket::new(Domain::UNIX, Type::DGRAM.nonblocking().cloexec(), None)?;
        Ok(UnixDatagram::from_nonblocking(socket.into()))
    }

    /// A pair of connected datagram sockets (`socketpair(2)`).
    ///
    /// **asyncio:** `socket.socketpair(AF_UNIX, SOCK_DGRAM)` passed to `create_datagram_endpoint(sock=)`.
    ///
    /// # Errors
    ///
    /// Out of descriptors.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixDatagram::pair()?;
    /// b.send(b"pong").await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(a.recv(&mut buf).await?, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = Socket::pair(Domain::UNIX, Type::DGRAM.nonblocking().cloexec(), None)?;
        Ok((
            UnixDatagram::from_nonblocking(a.into()),
            UnixDatagram::from_nonblocking(b.into()),
        ))
    }

    #[track_caller]
    fn from_nonblocking(socket: StdDatagram) -> UnixDatagram {
        UnixDatagram {
            io: Arc::new(Async::new_nonblocking(socket)),
        }
    }

    /// Wraps a std datagram socket (made non-blocking here).
    ///
    /// **asyncio:** `create_datagram_endpoint(sock=sock)`.
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
    /// # tulip_core::run(async {
    /// let std_socket = std::os::unix::net::UnixDatagram::unbound()?;
    /// let s = tulip_net::UnixDatagram::from_std(std_socket)?;
    /// assert!(s.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(socket: StdDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Arc::new(Async::new(socket)?),
        })
    }

    /// The std socket beneath (shared with clones). Do not switch it back to blocking mode.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UnixDatagram::unbound()?;
    /// assert!(s.get_ref().take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn get_ref(&self) -> &StdDatagram {
        self.io.get_ref()
    }

    /// Sets the default destination for [`UnixDatagram::send`] and receives only from that peer.
    ///
    /// **asyncio:** `create_datagram_endpoint(..., remote_addr=path, family=AF_UNIX)`.
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing is at `path`, `ConnectionRefused` when nothing is bound there any more
    /// (a stale socket file), `PermissionDenied`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("dgram-connect.sock");
    /// tulip_core::run(async {
    ///     let server = tulip_net::UnixDatagram::bind(&path)?;
    ///     let client = tulip_net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hi").await?;
    ///     let mut buf = [0u8; 2];
    ///     assert_eq!(server.recv(&mut buf).await?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// The address the socket is bound to (unnamed when unbound).
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
    /// let (a, _b) = tulip_net::UnixDatagram::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address the socket is connected to.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` when not connected.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UnixDatagram::unbound()?;
    /// assert_eq!(s.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down receiving, sending or both.
    ///
    /// **asyncio:** `sock.shutdown(how)` on the endpoint's socket.
    ///
    /// # Errors
    ///
    /// As `shutdown(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixDatagram::pair()?;
    /// a.shutdown(Shutdown::Write)?;
    /// assert!(a.send(b"x").await.is_err());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Sends one datagram to the socket at `path`; returns the bytes sent.
    ///
    /// **asyncio:** `loop.sock_sendto(sock, data, path)`; `transport.sendto(data, path)`.
    ///
    /// # Errors
    ///
    /// `NotFound` / `ConnectionRefused` when nothing receives at `path`; as `sendto(2)` otherwise.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("dgram-send-to.sock");
    /// tulip_core::run(async {
    ///     let server = tulip_net::UnixDatagram::bind(&path)?;
    ///     let client = tulip_net::UnixDatagram::unbound()?;
    ///     assert_eq!(client.send_to(b"hi", &path).await?, 2);
    ///     let mut buf = [0u8; 2];
    ///     assert_eq!(server.recv(&mut buf).await?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn send_to<'a, P: AsRef<Path>>(&'a self, buf: &'a [u8], path: P) -> SendTo<'a, P> {
        SendTo::new(self, buf, path)
    }

    /// Receives one datagram; returns its length and sender (unnamed when the sender is unbound).
    ///
    /// **asyncio:** `loop.sock_recvfrom(sock, bufsize)`; `DatagramProtocol.datagram_received()`.
    ///
    /// # Errors
    ///
    /// As `recvfrom(2)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped receive has consumed no datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let (a_path, b_path) = (dir.join("a.sock"), dir.join("b.sock"));
    /// tulip_core::run(async {
    ///     let a = tulip_net::UnixDatagram::bind(&a_path)?;
    ///     let b = tulip_net::UnixDatagram::bind(&b_path)?;
    ///     a.send_to(b"from a", &b_path).await?;
    ///     let mut buf = [0u8; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"from a");
    ///     assert_eq!(from.as_pathname(), Some(a_path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn recv_from<'a>(&'a self, buf: &'a mut [u8]) -> RecvFrom<'a> {
        RecvFrom::new(self, buf)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// **asyncio:** `transport.sendto(data)` on an endpoint made with `remote_addr`.
    ///
    /// # Errors
    ///
    /// As `send(2)`: `NotConnected` without a peer, `BrokenPipe` after shutdown.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"abc").await?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn send<'a>(&'a self, buf: &'a [u8]) -> SendFuture<'a> {
        SendFuture::new(self, buf)
    }

    /// Receives one datagram from the connected peer; returns its length.
    ///
    /// **asyncio:** `loop.sock_recv(sock, bufsize)` on a connected datagram socket.
    ///
    /// # Errors
    ///
    /// As `recv(2)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixDatagram::pair()?;
    /// a.send(b"abc").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> RecvFuture<'a> {
        RecvFuture::new(self, buf)
    }

    /// Polls a send of one datagram to `path`; see [`UnixDatagram::send_to`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_sendto()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("poll-send-to.sock");
    /// tulip_core::run(async {
    ///     let _server = tulip_net::UnixDatagram::bind(&path)?;
    ///     let client = tulip_net::UnixDatagram::unbound()?;
    ///     assert_eq!(poll_fn(|cx| client.poll_send_to(cx, b"x", &path)).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: &Path,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send_to(buf, path))
    }

    /// Polls a receive of one datagram; see [`UnixDatagram::recv_from`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recvfrom()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// let mut buf = [0u8; 4];
    /// let (n, _from) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!(n, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Polls a send to the connected peer; see [`UnixDatagram::send`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `transport.sendto(data)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixDatagram::pair()?;
    /// assert_eq!(poll_fn(|cx| a.poll_send(cx, b"x")).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send(buf))
    }

    /// Polls a receive from the connected peer; see [`UnixDatagram::recv`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| s.recv(buf))
    }

    /// Waits until a datagram (or an error) is waiting.
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
    /// let (a, b) = tulip_net::UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// b.readable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the socket can send.
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
    /// let (a, _b) = tulip_net::UnixDatagram::pair()?;
    /// a.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`UnixDatagram::send_to`].
///
/// The datagram sockets share one body: this is [`udp::SendTo`](crate::udp::SendTo) on a `UnixDatagram`.
///
/// **asyncio:** the awaitable returned by `loop.sock_sendto()`.
///
/// # Examples
///
/// ```
/// use std::path::PathBuf;
/// use tulip_net::unix::SendTo;
/// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("send-to-fut.sock");
/// tulip_core::run(async {
///     let _server = tulip_net::UnixDatagram::bind(&path)?;
///     let client = tulip_net::UnixDatagram::unbound()?;
///     let fut: SendTo<'_, PathBuf> = client.send_to(b"x", path.clone());
///     assert_eq!(fut.await?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
pub type SendTo<'a, P> = crate::datagram_io::SendTo<'a, UnixDatagram, P>;

/// The future returned by [`UnixDatagram::recv_from`].
///
/// The datagram sockets share one body: this is [`udp::RecvFrom`](crate::udp::RecvFrom) on a `UnixDatagram`.
///
/// **asyncio:** the awaitable returned by `loop.sock_recvfrom()`.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::RecvFrom;
/// # tulip_core::run(async {
/// let (a, b) = tulip_net::UnixDatagram::pair()?;
/// a.send(b"x").await?;
/// let mut buf = [0u8; 4];
/// let fut: RecvFrom<'_> = b.recv_from(&mut buf);
/// assert_eq!(fut.await?.0, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub type RecvFrom<'a> = crate::datagram_io::RecvFrom<'a, UnixDatagram>;

/// The future returned by [`UnixDatagram::send`].
///
/// The datagram sockets share one body: this is [`udp::SendFuture`](crate::udp::SendFuture) on a `UnixDatagram`.
///
/// **asyncio:** the awaitable of `loop.sock_sendall()` on a connected datagram socket.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::SendFuture;
/// # tulip_core::run(async {
/// let (a, _b) = tulip_net::UnixDatagram::pair()?;
/// let fut: SendFuture<'_> = a.send(b"x");
/// assert_eq!(fut.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub type SendFuture<'a> = crate::datagram_io::SendFuture<'a, UnixDatagram>;

/// The future returned by [`UnixDatagram::recv`].
///
/// The datagram sockets share one body: this is [`udp::RecvFuture`](crate::udp::RecvFuture) on a `UnixDatagram`.
///
/// **asyncio:** the awaitable of `loop.sock_recv()` on a connected datagram socket.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::RecvFuture;
/// # tulip_core::run(async {
/// let (a, b) = tulip_net::UnixDatagram::pair()?;
/// a.send(b"x").await?;
/// let mut buf = [0u8; 4];
/// let fut: RecvFuture<'_> = b.recv(&mut buf);
/// assert_eq!(fut.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub type RecvFuture<'a> = crate::datagram_io::RecvFuture<'a, UnixDatagram>;
