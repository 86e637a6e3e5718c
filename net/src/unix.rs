//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`] and the futures their
//! operations return.
//!
//! **asyncio:** `loop.create_unix_server()`, `loop.create_unix_connection()`,
//! `asyncio.start_unix_server()` / `open_unix_connection()`, and `create_datagram_endpoint(family=AF_UNIX)`.
//!
//! # Examples
//!
//! ```
//! use tulip_net::unix::UnixStream;
//! tulip_core::run(async {
//!     let (a, b) = UnixStream::pair()?;
//!     a.write_all(b"over a socketpair").await?;
//!     let mut buf = [0u8; 17];
//!     b.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"over a socketpair");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use rustix::net::SocketFlags;
use socket2::{Domain, SockAddr, SockRef, Socket, Type};
use tulip_core::Async;

use crate::io::{ReadFuture, WriteFuture, WriteVectoredFuture};
use crate::tcp::DEFAULT_BACKLOG;

type StdListener = std::os::unix::net::UnixListener;
type StdStream = std::os::unix::net::UnixStream;
type StdDatagram = std::os::unix::net::UnixDatagram;

/// A Unix domain socket listening for connections at a filesystem path.
///
/// The socket file stays behind when the listener drops (as with asyncio before Python 3.13's
/// `cleanup_socket`): remove it yourself.
///
/// **asyncio:** the listening socket behind `loop.create_unix_server()` / `asyncio.start_unix_server()`.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::{UnixListener, UnixStream};
/// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("echo.sock");
/// tulip_core::run(async {
///     let listener = UnixListener::bind(&path)?;
///     let client = UnixStream::connect(&path).await?;
///     let (server, _addr) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0u8; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: Async<StdListener>,
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl UnixListener {
    /// Creates a socket file at `path` and listens on it (backlog [`DEFAULT_BACKLOG`]).
    ///
    /// **asyncio:** the bind step of `loop.create_unix_server(path=...)`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the file exists (remove a stale one first), `NotFound` / `PermissionDenied` for
    /// the directory, `InvalidInput` for a path too long for `sun_path` (about 108 bytes).
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
    /// let path = dir.join("bind.sock");
    /// tulip_core::run(async {
    ///     let listener = tulip_net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        socket.bind(&addr)?;
        socket.listen(DEFAULT_BACKLOG)?;
        Ok(UnixListener {
            io: Async::new_nonblocking(socket.into()),
        })
    }

    /// Wraps a listening std listener (made non-blocking here).
    ///
    /// **asyncio:** `loop.create_unix_server(sock=sock)`.
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
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("std.sock");
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// tulip_core::run(async {
    ///     let listener = tulip_net::UnixListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn from_std(listener: StdListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// The address the listener is bound to.
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
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("addr.sock");
    /// tulip_core::run(async {
    ///     let listener = tulip_net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for a connection and returns it with the peer's address (usually unnamed). The accepted
    /// socket is made non-blocking and close-on-exec in the same `accept4` call.
    ///
    /// **asyncio:** `loop.sock_accept(sock)` on a Unix socket.
    ///
    /// # Errors
    ///
    /// Accept errors such as `EMFILE`; the listener stays usable (back off before accepting again).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `Accept` has taken no connection off the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::unix::{UnixListener, UnixStream};
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("accept.sock");
    /// tulip_core::run(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_conn, peer) = listener.accept().await?;
    ///     assert!(peer.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn accept(&self) -> Accept<'_> {
        Accept { listener: self }
    }

    /// Polls for a connection; see [`UnixListener::accept`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_accept()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tulip_net::unix::{UnixListener, UnixStream};
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("poll.sock");
    /// tulip_core::run(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_conn, _peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let fd = match self.io.poll_read_with(cx, |l| {
            rustix::net::accept_with(l, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
                .map_err(io::Error::from)
        }) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(fd)) => fd,
        };
        let stream = StdStream::from(fd);
        Poll::Ready(
            stream
                .peer_addr()
                .map(|peer| (UnixStream::from_nonblocking(stream), peer)),
        )
    }

    /// A stream of incoming connections that never ends; error items do not end it either.
    ///
    /// **asyncio:** the accept loop of the `Server` from `loop.create_unix_server()`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`UnixListener::accept`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use tulip_net::unix::{UnixListener, UnixStream};
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("incoming.sock");
    /// tulip_core::run(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let mut incoming = listener.incoming();
    ///     let conn = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap()?;
    ///     assert!(conn.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[inline]
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The future returned by [`UnixListener::accept`]. Stateless: after it completes, polling it again
/// waits for the next connection.
///
/// **asyncio:** the awaitable returned by `loop.sock_accept()`.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::{Accept, UnixListener, UnixStream};
/// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("accept-fut.sock");
/// tulip_core::run(async {
///     let listener = UnixListener::bind(&path)?;
///     let _client = UnixStream::connect(&path).await?;
///     let accept: Accept<'_> = listener.accept();
///     accept.await?;
///     std::io::Result::Ok(())
/// })?;
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Accept<'a> {
    listener: &'a UnixListener,
}

impl Future for Accept<'_> {
    type Output = io::Result<(UnixStream, SocketAddr)>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.listener.poll_accept(cx)
    }
}

/// The stream returned by [`UnixListener::incoming`].
///
/// **asyncio:** the accept loop of a Unix `Server`.
///
/// # Examples
///
/// ```
/// use tulip_net::unix::{Incoming, UnixListener};
/// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("incoming-type.sock");
/// tulip_core::run(async {
///     let listener = UnixListener::bind(&path)?;
///     let _incoming: Incoming<'_> = listener.incoming();
///     std::io::Result::Ok(())
/// })?;
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

/// A Unix domain stream connection.
///
/// Implements `futures_io::AsyncRead` / `AsyncWrite` (for `UnixStream` and `&UnixStream`). Cloning
/// shares the socket, so one task can read while another writes; it closes when the last clone drops.
/// One waiting task per direction: two tasks reading at once is not supported.
///
/// **asyncio:** the socket under the transport of `loop.create_unix_connection()` /
/// `asyncio.open_unix_connection()`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let (a, b) = tulip_net::UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UnixStream {
    io: Arc<Async<StdStream>>,
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl UnixStream {
    /// Connects to the socket at `path`. When the listener's backlog is full, the connect is retried
    /// (1 ms, then up to every 50 ms) until it is accepted: bound the wait with `tulip::time::timeout`.
    ///
    /// **asyncio:** `loop.create_unix_connection()` / `asyncio.open_unix_connection(path)`.
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing is at `path`, `ConnectionRefused` when the file is not a listening
    /// socket, `PermissionDenied`, `InvalidInput` for a path too long.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the unconnected socket; nothing else is left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("connect.sock");
    /// tulip_core::run(async {
    ///     let err = tulip_net::UnixStream::connect(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     let _listener = tulip_net::UnixListener::bind(&path)?;
    ///     let stream = tulip_net::UnixStream::connect(&path).await?;
    ///     assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        let stream = UnixStream::from_nonblocking(socket.into());
        let mut backoff = Duration::from_millis(1);
        loop {
            match SockRef::from(stream.io.get_ref()).connect(&addr) {
                Ok(()) => return Ok(stream),
                Err(e)
                    if e.raw_os_error() == Some(rustix::io::Errno::INPROGRESS.raw_os_error()) =>
                {
                    stream.io.writable().await?;
                    return match stream.io.get_ref().take_error()? {
                        Some(e) => Err(e),
                        None => Ok(stream),
                    };
                }
                // Linux: the listener's backlog is full and nothing is in progress; try again later.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    tulip_time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A pair of connected streams (`socketpair(2)`).
    ///
    /// **asyncio:** `socket.socketpair()` passed to `loop.create_unix_connection(sock=...)`.
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
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// b.write_all(b"back").await?;
    /// let mut buf = [0u8; 4];
    /// a.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"back");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = Socket::pair(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        Ok((
            UnixStream::from_nonblocking(a.into()),
            UnixStream::from_nonblocking(b.into()),
        ))
    }

    #[track_caller]
    fn from_nonblocking(stream: StdStream) -> UnixStream {
        UnixStream {
            io: Arc::new(Async::new_nonblocking(stream)),
        }
    }

    /// Wraps a connected std stream (made non-blocking here).
    ///
    /// **asyncio:** `loop.create_unix_connection(sock=sock)`.
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
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = tulip_net::UnixStream::from_std(a)?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(stream: StdStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Arc::new(Async::new(stream)?),
        })
    }

    /// The std stream beneath (shared with clones). Do not switch it back to blocking mode.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert!(a.get_ref().take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn get_ref(&self) -> &StdStream {
        self.io.get_ref()
    }

    /// The local address (unnamed unless this side was bound).
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
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address (the listener's path for a connected client).
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// As `getpeername(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert!(a.peer_addr()?.as_pathname().is_none());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down reading, writing or both; `Shutdown::Write` sends EOF while this side still reads.
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
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// a.shutdown(Shutdown::Write)?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.read(&mut buf).await?, 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the socket is readable.
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
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// a.write_all(b"r").await?;
    /// b.readable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the socket is writable.
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
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// a.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Polls a read into `buf`: the syscall first, the poller only on `WouldBlock`.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// a.write_all(b"x").await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(poll_fn(|cx| b.poll_read(cx, &mut buf)).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read(buf))
    }

    /// Polls a read into memory that need not be initialised (socket2's `recv`): for callers whose
    /// buffers are spare capacity, such as hyper's `ReadBufCursor`, which would otherwise zero them on
    /// every read. Returns how many bytes, from the start of `buf`, are now initialised.
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv_into()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// # tulip_core::run(async {
    /// let (client, server) = tulip_net::UnixStream::pair()?;
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
        self.io
            .poll_read_with(cx, |s| socket2::SockRef::from(s).recv(buf))
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
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert_eq!(poll_fn(|cx| a.poll_write(cx, b"x")).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |mut s| s.write(buf))
    }

    /// Reads what is available (at least one byte, or 0 at EOF).
    ///
    /// **asyncio:** `loop.sock_recv(sock, n)`.
    ///
    /// # Errors
    ///
    /// As `read(2)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// a.write_all(b"abc").await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], &b"abc"[..n]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a, StdStream> {
        ReadFuture::new(&self.io, buf)
    }

    /// Writes some of `buf`; returns how much.
    ///
    /// **asyncio:** `loop.sock_send(sock, data)`.
    ///
    /// # Errors
    ///
    /// As `write(2)`, e.g. `BrokenPipe` after the peer closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert_eq!(a.write(b"abc").await?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a, StdStream> {
        WriteFuture::new(&self.io, buf)
    }

    /// Writes several buffers with one `writev(2)`; returns the bytes written in total.
    ///
    /// **asyncio:** `transport.writelines(list_of_data)`.
    ///
    /// # Errors
    ///
    /// As [`UnixStream::write`].
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
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// let n = a.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).await?;
    /// assert_eq!(n, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write_vectored<'a>(
        &'a self,
        bufs: &'a [IoSlice<'a>],
    ) -> WriteVectoredFuture<'a, StdStream> {
        WriteVectoredFuture::new(&self.io, bufs)
    }

    /// Writes all of `buf`.
    ///
    /// **asyncio:** `loop.sock_sendall(sock, data)`.
    ///
    /// # Errors
    ///
    /// `WriteZero`, or the OS error (e.g. `BrokenPipe`).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a prefix of `buf` may have been written.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// a.write_all(b"everything").await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        crate::io::write_all(&self.io, buf).await
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// **asyncio:** `StreamReader.readexactly(n)`, unbuffered.
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
    /// let (a, b) = tulip_net::UnixStream::pair()?;
    /// a.write_all(b"12345").await?;
    /// let mut buf = [0u8; 5];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"12345");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        crate::io::read_exact(&self.io, buf).await
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

fn shutdown_write(stream: &UnixStream) -> io::Result<()> {
    match stream.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

crate::io::stream_io_impls!(UnixStream, shutdown_write);

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
        SendTo {
            socket: self,
            buf,
            path,
        }
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
        RecvFrom { socket: self, buf }
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
        SendFuture { socket: self, buf }
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
        RecvFuture { socket: self, buf }
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
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendTo<'a, P> {
    socket: &'a UnixDatagram,
    buf: &'a [u8],
    path: P,
}

impl<P: AsRef<Path>> fmt::Debug for SendTo<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendTo")
            .field("len", &self.buf.len())
            .field("path", &self.path.as_ref())
            .finish_non_exhaustive()
    }
}

impl<P: AsRef<Path>> Future for SendTo<'_, P> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &*self;
        this.socket.poll_send_to(cx, this.buf, this.path.as_ref())
    }
}

/// The future returned by [`UnixDatagram::recv_from`].
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
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFrom<'a> {
    socket: &'a UnixDatagram,
    buf: &'a mut [u8],
}

impl fmt::Debug for RecvFrom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFrom")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Future for RecvFrom<'_> {
    type Output = io::Result<(usize, SocketAddr)>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.socket.poll_recv_from(cx, this.buf)
    }
}

/// The future returned by [`UnixDatagram::send`].
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
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a> {
    socket: &'a UnixDatagram,
    buf: &'a [u8],
}

impl fmt::Debug for SendFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Future for SendFuture<'_> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.socket.poll_send(cx, this.buf)
    }
}

/// The future returned by [`UnixDatagram::recv`].
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
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a> {
    socket: &'a UnixDatagram,
    buf: &'a mut [u8],
}

impl fmt::Debug for RecvFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Future for RecvFuture<'_> {
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.socket.poll_recv(cx, this.buf)
    }
}
