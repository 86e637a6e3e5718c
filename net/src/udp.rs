//! UDP: [`UdpSocket`] and the futures its send and receive operations return.
//!
//! **asyncio:** the datagram socket under `loop.create_datagram_endpoint()` and the
//! `loop.sock_sendto()` / `loop.sock_recvfrom()` coroutines.
//!
//! # Examples
//!
//! ```
//! use tulip_net::udp::UdpSocket;
//! tulip_core::run(async {
//!     let a = UdpSocket::bind("127.0.0.1:0").await?;
//!     let b = UdpSocket::bind("127.0.0.1:0").await?;
//!     a.send_to(b"ping", b.local_addr()?).await?;
//!     let mut buf = [0u8; 16];
//!     let (n, from) = b.recv_from(&mut buf).await?;
//!     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, Socket, Type};
use tulip_core::Async;

use crate::addr::{each_addr, ToSocketAddrs};
pub use crate::datagram_io::{RecvFrom, RecvFuture, SendFuture, SendTo};

/// A UDP socket.
///
/// Cloning shares the socket (it closes when the last clone drops), so one task can receive while
/// another sends. Every send and receive tries its syscall first and arms the poller only when it
/// would block. The reactor keeps one waiting task per direction: two tasks receiving on the same
/// socket at once is not supported (the later one takes the wakeup).
///
/// **asyncio:** the socket under a `DatagramTransport` (`loop.create_datagram_endpoint()`), driven
/// with `loop.sock_sendto()` / `loop.sock_recvfrom()`.
///
/// # Examples
///
/// ```
/// use tulip_net::UdpSocket;
/// tulip_core::run(async {
///     let server = UdpSocket::bind("127.0.0.1:0").await?;
///     let client = UdpSocket::bind("127.0.0.1:0").await?;
///     client.connect(server.local_addr()?).await?;
///     client.send(b"hello").await?;
///     let mut buf = [0u8; 16];
///     let (n, peer) = server.recv_from(&mut buf).await?;
///     server.send_to(&buf[..n], peer).await?;
///     let n = client.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"hello");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UdpSocket {
    io: Arc<Async<std::net::UdpSocket>>,
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port). A name that resolves to several addresses
    /// binds the first that works.
    ///
    /// **asyncio:** `loop.create_datagram_endpoint(..., local_addr=(host, port))`.
    ///
    /// # Errors
    ///
    /// Resolution failures, `AddrInUse`, `AddrNotAvailable`, `PermissionDenied`, out of descriptors.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_ne!(s.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |a| async move { Self::bind_one(a) }).await
    }

    fn bind_one(addr: SocketAddr) -> io::Result<UdpSocket> {
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::DGRAM.nonblocking().cloexec(),
            Some(Protocol::UDP),
        )?;
        socket.bind(&addr.into())?;
        Ok(UdpSocket {
            io: Arc::new(Async::new_nonblocking(socket.into())),
        })
    }

    /// Wraps a bound std socket (made non-blocking here).
    ///
    /// **asyncio:** `loop.create_datagram_endpoint(..., sock=sock)`.
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
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let s = tulip_net::UdpSocket::from_std(std_socket)?;
    /// assert!(s.local_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Arc::new(Async::new(socket)?),
        })
    }

    /// The std socket beneath (shared with clones), for options tulip does not wrap. Do not switch it
    /// back to blocking mode.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// s.get_ref().set_ttl(7)?;
    /// assert_eq!(s.get_ref().ttl()?, 7);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn get_ref(&self) -> &std::net::UdpSocket {
        self.io.get_ref()
    }

    /// The address the socket is bound to.
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
    /// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(s.local_addr()?.ip().to_string(), "127.0.0.1");
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
    /// `NotConnected` when [`UdpSocket::connect`] was not called.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(a.peer_addr().is_err());
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets the default destination for [`UdpSocket::send`] and keeps only datagrams from that peer for
    /// [`UdpSocket::recv`]. A name that resolves to several addresses uses the first that works.
    ///
    /// **asyncio:** `loop.create_datagram_endpoint(..., remote_addr=(host, port))`.
    ///
    /// # Errors
    ///
    /// Resolution failures, or as `connect(2)` (e.g. `NetworkUnreachable`).
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// a.send(b"x").await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |a| async move { self.io.get_ref().connect(a) }).await
    }

    /// Sends one datagram to `target` and returns the bytes sent. `target` is an address, not a name:
    /// resolve names first with [`ToSocketAddrs`].
    ///
    /// **asyncio:** `loop.sock_sendto(sock, data, address)`; `transport.sendto(data, addr)`.
    ///
    /// # Errors
    ///
    /// As `sendto(2)`: e.g. `PermissionDenied` for a broadcast address without
    /// [`UdpSocket::set_broadcast`], or a message too long for the socket.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped send has sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(a.send_to(b"hi", b.local_addr()?).await?, 2);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn send_to<'a>(&'a self, buf: &'a [u8], target: impl Into<SocketAddr>) -> SendTo<'a> {
        SendTo::new(self, buf, target.into())
    }

    /// Receives one datagram into `buf`; returns its length and sender. A datagram longer than `buf` is
    /// truncated (the rest is discarded).
    ///
    /// **asyncio:** `loop.sock_recvfrom(sock, bufsize)`; `DatagramProtocol.datagram_received(data, addr)`.
    ///
    /// # Errors
    ///
    /// As `recvfrom(2)`; on a connected socket, `ConnectionRefused` after an earlier send drew an ICMP
    /// "port unreachable".
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped receive has consumed no datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hi", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn recv_from<'a>(&'a self, buf: &'a mut [u8]) -> RecvFrom<'a> {
        RecvFrom::new(self, buf)
    }

    /// Receives the next datagram into `buf` without taking it off the queue: the next receive returns
    /// it again.
    ///
    /// **asyncio:** `sock.recvfrom(bufsize, socket.MSG_PEEK)`.
    ///
    /// # Errors
    ///
    /// As [`UdpSocket::recv_from`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"twice", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, _) = b.peek_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"twice");
    /// let (n, _) = b.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"twice");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peek_from<'a>(&'a self, buf: &'a mut [u8]) -> PeekFrom<'a> {
        PeekFrom { socket: self, buf }
    }

    /// Sends one datagram to the connected peer.
    ///
    /// **asyncio:** `transport.sendto(data)` on an endpoint made with `remote_addr`; `loop.sock_sendall`.
    ///
    /// # Errors
    ///
    /// Without [`UdpSocket::connect`], the OS error `EDESTADDRREQ`; as `send(2)` otherwise, including
    /// `ConnectionRefused` left by an earlier ICMP error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
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
    /// As `recv(2)`, including `ConnectionRefused` left by an earlier ICMP error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"abc", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> RecvFuture<'a> {
        RecvFuture::new(self, buf)
    }

    /// Polls a send of one datagram to `target`; see [`UdpSocket::send_to`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_sendto()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let to = a.local_addr()?;
    /// assert_eq!(poll_fn(|cx| a.poll_send_to(cx, b"me", to)).await?, 2);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send_to(buf, target))
    }

    /// Polls a receive of one datagram; see [`UdpSocket::recv_from`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recvfrom()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"me", a.local_addr()?).await?;
    /// let mut buf = [0u8; 4];
    /// let (n, from) = poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((n, from), (2, a.local_addr()?));
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

    /// Polls a send to the connected peer; see [`UdpSocket::send`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `transport.sendto(data)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(a.local_addr()?).await?;
    /// assert_eq!(poll_fn(|cx| a.poll_send(cx, b"self")).await?, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send(buf))
    }

    /// Polls a receive from the connected peer; see [`UdpSocket::recv`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(a.local_addr()?).await?;
    /// a.send(b"self").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(poll_fn(|cx| a.poll_recv(cx, &mut buf)).await?, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| s.recv(buf))
    }

    /// Polls a peek at the next datagram; see [`UdpSocket::peek_from`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `sock.recvfrom(n, MSG_PEEK)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"p", a.local_addr()?).await?;
    /// let mut buf = [0u8; 4];
    /// let (n, _) = poll_fn(|cx| a.poll_peek_from(cx, &mut buf)).await?;
    /// assert_eq!(n, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.peek_from(buf))
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
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"r", a.local_addr()?).await?;
    /// a.readable().await?;
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
    /// let a = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Sets `SO_BROADCAST`: whether datagrams may go to a broadcast address.
    ///
    /// **asyncio:** `create_datagram_endpoint(..., allow_broadcast=True)`.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// s.set_broadcast(true)?;
    /// assert!(s.broadcast()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// **asyncio:** `sock.getsockopt(SOL_SOCKET, SO_BROADCAST)`.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(!s.broadcast()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`UdpSocket::peek_from`].
///
/// **asyncio:** the awaitable of `loop.sock_recvfrom()` with `MSG_PEEK`.
///
/// # Examples
///
/// ```
/// use tulip_net::udp::PeekFrom;
/// # tulip_core::run(async {
/// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
/// s.send_to(b"x", s.local_addr()?).await?;
/// let mut buf = [0u8; 4];
/// let fut: PeekFrom<'_> = s.peek_from(&mut buf);
/// assert_eq!(fut.await?.0, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct PeekFrom<'a> {
    socket: &'a UdpSocket,
    buf: &'a mut [u8],
}

impl fmt::Debug for PeekFrom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeekFrom")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Future for PeekFrom<'_> {
    type Output = io::Result<(usize, SocketAddr)>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.socket.poll_peek_from(cx, this.buf)
    }
}
