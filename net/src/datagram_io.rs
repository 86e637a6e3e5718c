//! The send and receive futures shared by the datagram sockets ([`UdpSocket`] and [`UnixDatagram`]).
//!
//! Each future is written once, generic over the socket through the sealed [`DatagramSocket`] trait, and
//! stays a hand-written state machine: one poll calls the socket's own `poll_*` method, which tries the
//! syscall and touches the poller only when it returns `WouldBlock`. `tulip_net::udp` and
//! `tulip_net::unix` name them with their socket filled in (`udp::SendFuture<'a>`,
//! `unix::SendFuture<'a>`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::udp::UdpSocket;
use crate::unix::UnixDatagram;

/// A datagram socket: [`UdpSocket`] or [`UnixDatagram`]. Sealed; it exists so that
/// [`SendFuture`], [`RecvFuture`], [`SendTo`] and [`RecvFrom`] are written once for both.
///
/// **asyncio:** no counterpart (asyncio's `sock_sendto` / `sock_recvfrom` take any socket object).
///
/// # Examples
///
/// ```
/// use tulip_net::{DatagramSocket, UdpSocket, UnixDatagram};
/// fn takes_any<S: DatagramSocket>(_socket: &S) {}
/// # tulip_core::run(async {
/// takes_any(&UdpSocket::bind("127.0.0.1:0").await?);
/// takes_any(&UnixDatagram::pair()?.0);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait DatagramSocket: sealed::Datagram {}

impl DatagramSocket for UdpSocket {}
impl DatagramSocket for UnixDatagram {}

// `pub` items of a private module: nameable in the public bounds above and below, never by users.
// Hidden: not part of the API (and so left out of scripts/check_docs.py's count).
#[doc(hidden)]
#[allow(unreachable_pub)]
mod sealed {
    use std::fmt;
    use std::io;
    use std::task::{Context, Poll};

    /// What the futures call: the socket's own poll-level operations.
    pub trait Datagram {
        /// The sender address `recv_from` returns.
        type Addr;
        fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
        fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
        fn poll_recv_from(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<(usize, Self::Addr)>>;
    }

    /// A destination `A` the socket can send one datagram to.
    pub trait SendTarget<A> {
        fn poll_send_to(&self, cx: &mut Context<'_>, buf: &[u8], to: &A)
            -> Poll<io::Result<usize>>;
        /// Adds the destination to a `Debug` view (`target` for UDP, `path` for Unix).
        fn debug_target(f: &mut fmt::DebugStruct<'_, '_>, to: &A);
    }
}

use sealed::{Datagram, SendTarget};

impl Datagram for UdpSocket {
    type Addr = SocketAddr;

    #[inline]
    fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        UdpSocket::poll_send(self, cx, buf)
    }

    #[inline]
    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        UdpSocket::poll_recv(self, cx, buf)
    }

    #[inline]
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        UdpSocket::poll_recv_from(self, cx, buf)
    }
}

impl SendTarget<SocketAddr> for UdpSocket {
    #[inline]
    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        to: &SocketAddr,
    ) -> Poll<io::Result<usize>> {
        UdpSocket::poll_send_to(self, cx, buf, *to)
    }

    fn debug_target(f: &mut fmt::DebugStruct<'_, '_>, to: &SocketAddr) {
        f.field("target", to);
    }
}

impl Datagram for UnixDatagram {
    type Addr = std::os::unix::net::SocketAddr;

    #[inline]
    fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        UnixDatagram::poll_send(self, cx, buf)
    }

    #[inline]
    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        UnixDatagram::poll_recv(self, cx, buf)
    }

    #[inline]
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, Self::Addr)>> {
        UnixDatagram::poll_recv_from(self, cx, buf)
    }
}

impl<P: AsRef<Path>> SendTarget<P> for UnixDatagram {
    #[inline]
    fn poll_send_to(&self, cx: &mut Context<'_>, buf: &[u8], to: &P) -> Poll<io::Result<usize>> {
        UnixDatagram::poll_send_to(self, cx, buf, to.as_ref())
    }

    fn debug_target(f: &mut fmt::DebugStruct<'_, '_>, to: &P) {
        f.field("path", &to.as_ref());
    }
}

/// The future returned by `send` on [`UdpSocket`](crate::UdpSocket::send) and
/// [`UnixDatagram`](crate::UnixDatagram::send): sends one datagram to the connected peer.
///
/// `S` is the socket (`UdpSocket` unless named; `tulip_net::unix::SendFuture<'a>` names
/// `UnixDatagram`).
///
/// **asyncio:** the awaitable of `loop.sock_sendall()` on a connected datagram socket.
///
/// Dropping it before completion sends nothing.
///
/// # Examples
///
/// ```
/// use tulip_net::udp::SendFuture;
/// # tulip_core::run(async {
/// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
/// s.connect(s.local_addr()?).await?;
/// let fut: SendFuture<'_> = s.send(b"x");
/// assert_eq!(fut.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, S: DatagramSocket = UdpSocket> {
    socket: &'a S,
    buf: &'a [u8],
}

impl<'a, S: DatagramSocket> SendFuture<'a, S> {
    #[inline]
    pub(crate) fn new(socket: &'a S, buf: &'a [u8]) -> Self {
        SendFuture { socket, buf }
    }
}

impl<S: DatagramSocket> Future for SendFuture<'_, S> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.socket.poll_send(cx, this.buf)
    }
}

impl<S: DatagramSocket> fmt::Debug for SendFuture<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by `recv` on [`UdpSocket`](crate::UdpSocket::recv) and
/// [`UnixDatagram`](crate::UnixDatagram::recv): receives one datagram from the connected peer and
/// returns its length.
///
/// `S` is the socket (`UdpSocket` unless named).
///
/// **asyncio:** the awaitable of `loop.sock_recv()` on a connected datagram socket.
///
/// Dropping it before completion consumes no datagram.
///
/// # Examples
///
/// ```
/// use tulip_net::udp::RecvFuture;
/// # tulip_core::run(async {
/// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
/// s.connect(s.local_addr()?).await?;
/// s.send(b"x").await?;
/// let mut buf = [0u8; 4];
/// let fut: RecvFuture<'_> = s.recv(&mut buf);
/// assert_eq!(fut.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, S: DatagramSocket = UdpSocket> {
    socket: &'a S,
    buf: &'a mut [u8],
}

impl<'a, S: DatagramSocket> RecvFuture<'a, S> {
    #[inline]
    pub(crate) fn new(socket: &'a S, buf: &'a mut [u8]) -> Self {
        RecvFuture { socket, buf }
    }
}

impl<S: DatagramSocket> Future for RecvFuture<'_, S> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.socket.poll_recv(cx, this.buf)
    }
}

impl<S: DatagramSocket> fmt::Debug for RecvFuture<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by `send_to` on [`UdpSocket`](crate::UdpSocket::send_to) and
/// [`UnixDatagram`](crate::UnixDatagram::send_to): sends one datagram to `A` and returns the bytes
/// sent.
///
/// `S` is the socket and `A` the destination: a `SocketAddr` for UDP (the default), any
/// `AsRef<Path>` for Unix (`tulip_net::unix::SendTo<'a, P>`).
///
/// **asyncio:** the awaitable returned by `loop.sock_sendto()`.
///
/// Dropping it before completion sends nothing.
///
/// # Examples
///
/// ```
/// use tulip_net::udp::SendTo;
/// # tulip_core::run(async {
/// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
/// let fut: SendTo<'_> = s.send_to(b"x", s.local_addr()?);
/// assert_eq!(fut.await?, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendTo<'a, S: DatagramSocket = UdpSocket, A = SocketAddr> {
    socket: &'a S,
    buf: &'a [u8],
    to: A,
}

impl<'a, S: DatagramSocket, A> SendTo<'a, S, A> {
    #[inline]
    pub(crate) fn new(socket: &'a S, buf: &'a [u8], to: A) -> Self {
        SendTo { socket, buf, to }
    }
}

impl<S: DatagramSocket + SendTarget<A>, A> Future for SendTo<'_, S, A> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &*self;
        this.socket.poll_send_to(cx, this.buf, &this.to)
    }
}

impl<S: DatagramSocket + SendTarget<A>, A> fmt::Debug for SendTo<'_, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SendTo");
        d.field("len", &self.buf.len());
        S::debug_target(&mut d, &self.to);
        d.finish_non_exhaustive()
    }
}

/// The future returned by `recv_from` on [`UdpSocket`](crate::UdpSocket::recv_from) and
/// [`UnixDatagram`](crate::UnixDatagram::recv_from): receives one datagram and returns its length and
/// sender.
///
/// `S` is the socket (`UdpSocket` unless named).
///
/// **asyncio:** the awaitable returned by `loop.sock_recvfrom()`.
///
/// Dropping it before completion consumes no datagram.
///
/// # Examples
///
/// ```
/// use tulip_net::udp::RecvFrom;
/// # tulip_core::run(async {
/// let s = tulip_net::UdpSocket::bind("127.0.0.1:0").await?;
/// s.send_to(b"x", s.local_addr()?).await?;
/// let mut buf = [0u8; 4];
/// let fut: RecvFrom<'_> = s.recv_from(&mut buf);
/// assert_eq!(fut.await?.0, 1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFrom<'a, S: DatagramSocket = UdpSocket> {
    socket: &'a S,
    buf: &'a mut [u8],
}

impl<'a, S: DatagramSocket> RecvFrom<'a, S> {
    #[inline]
    pub(crate) fn new(socket: &'a S, buf: &'a mut [u8]) -> Self {
        RecvFrom { socket, buf }
    }
}

impl<S: DatagramSocket> Future for RecvFrom<'_, S> {
    type Output = io::Result<(usize, S::Addr)>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.socket.poll_recv_from(cx, this.buf)
    }
}

impl<S: DatagramSocket> fmt::Debug for RecvFrom<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFrom")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}
