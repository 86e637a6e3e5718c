//! `TcpListener`, its accept future and its stream of incoming connections.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll};

use rustix::net::SocketFlags;
use socket2::{Domain, Protocol, Socket, Type};
use tulip_core::Async;

use super::TcpStream;
pub use crate::accept::{Accept, Incoming};
use crate::addr::{each_addr, ToSocketAddrs};

/// Listen backlog used by [`TcpListener::bind`]. Linux caps it at `net.core.somaxconn`.
///
/// **asyncio:** the `backlog=100` default of `loop.create_server()`; tulip uses a larger default because
/// a burst of connections beyond the backlog waits for SYN retransmits (a second or more).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// let addr = "127.0.0.1:0".parse().unwrap();
/// let l = tulip_net::TcpListener::bind_with(addr, tulip_net::DEFAULT_BACKLOG, false)?;
/// # assert!(l.local_addr().is_ok());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
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
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
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
    /// **asyncio:** `loop.create_server(..., backlog=, reuse_port=)`.
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
    /// **asyncio:** `loop.create_server(sock=sock)` with an existing socket.
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

    /// Unregisters the listener from the loop and returns the std one (still non-blocking).
    ///
    /// **asyncio:** `server.sockets[0].detach()`-like: take the raw socket out of the loop's hands.
    ///
    /// # Errors
    ///
    /// Never in practice; kept for symmetry with `Async::into_inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = l.local_addr()?;
    ///     let std_l = l.into_std()?;
    ///     assert_eq!(std_l.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to (with the port the OS picked when bound to port 0).
    ///
    /// **asyncio:** `server.sockets[0].getsockname()`.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_eq!(l.local_addr()?.ip().to_string(), "127.0.0.1");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for a connection and returns it with the peer's address. The accepted socket is made
    /// non-blocking and close-on-exec in the same `accept4` call; when a connection is already queued
    /// this is one syscall and no poller call.
    ///
    /// **asyncio:** `loop.sock_accept(sock)`.
    ///
    /// # Errors
    ///
    /// Accept errors such as `EMFILE` / `ENFILE` (out of descriptors) or `ECONNABORTED`. The listener
    /// stays usable: a server logs the error and accepts again. After `EMFILE` the pending connection is
    /// still queued, so accepting again at once fails again at once: back off first (asyncio's server
    /// stops accepting for a second; the `echo` example sleeps 10 ms).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `Accept` has taken no connection off the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{TcpListener, TcpStream};
    /// # tulip_core::run(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (conn, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(conn.local_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn accept(&self) -> Accept<'_> {
        Accept::new(self)
    }

    /// Polls for a connection: the `accept4` first, the poller only when it returns `WouldBlock`. See
    /// [`TcpListener::accept`] for the errors.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_accept()`, for hand-written
    /// futures).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::{TcpListener, TcpStream};
    /// # tulip_core::run(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (_conn, _peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (fd, peer) = match self.io.poll_read_with(cx, |l| {
            rustix::net::acceptfrom_with(l, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
                .map_err(io::Error::from)
        }) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(accepted)) => accepted,
        };
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

    /// A stream of incoming connections: each item is one [`TcpListener::accept`] without the peer
    /// address. It never ends; an error item (e.g. `EMFILE`) does not end it either.
    ///
    /// **asyncio:** the accept loop inside `Server` (`loop.create_server()` / `serve_forever()`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`TcpListener::accept`]: dropping a pending `next()` loses no connection.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use tulip_net::{TcpListener, TcpStream};
    /// # tulip_core::run(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let _a = TcpStream::connect(addr).await?;
    /// let _b = TcpStream::connect(addr).await?;
    /// let mut incoming = listener.incoming();
    /// for _ in 0..2 {
    ///     // With `futures::StreamExt` in scope this is `incoming.next().await`.
    ///     let conn = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap()?;
    ///     assert_eq!(conn.peer_addr()?.ip(), addr.ip());
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming::new(self)
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
