//! [`UnixListener`] and the future and stream its accepts return.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use rustix::net::SocketFlags;
use socket2::{Domain, SockAddr, Socket, Type};
use tulip_core::Async;

use super::UnixStream;
use crate::tcp::DEFAULT_BACKLOG;

type StdListener = std::os::unix::net::UnixListener;
type StdStream = std::os::unix::net::UnixStream;

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
        Self::bind_with(path, DEFAULT_BACKLOG)
    }

    /// [`bind`](UnixListener::bind) with the listen backlog given: at most about `backlog`
    /// connections wait for `accept` (the kernel caps it at `net.core.somaxconn`); a non-blocking
    /// connect beyond that fails with `WouldBlock`, which [`UnixStream::connect`] retries.
    ///
    /// **asyncio:** the bind step of `loop.create_unix_server(path=..., backlog=...)`.
    ///
    /// # Errors
    ///
    /// As [`bind`](UnixListener::bind).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-bw-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("backlog.sock");
    /// tulip_core::run(async {
    ///     let listener = tulip_net::UnixListener::bind_with(&path, 16)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn bind_with(path: impl AsRef<Path>, backlog: i32) -> io::Result<UnixListener> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        socket.bind(&addr)?;
        socket.listen(backlog)?;
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
        Accept::new(self)
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
        Incoming::new(self)
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
/// The listeners share one body: this is [`tcp::Accept`](crate::tcp::Accept) on a `UnixListener`.
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
pub type Accept<'a> = crate::accept::Accept<'a, UnixListener>;

/// The stream returned by [`UnixListener::incoming`].
///
/// The listeners share one body: this is [`tcp::Incoming`](crate::tcp::Incoming) on a `UnixListener`.
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
pub type Incoming<'a> = crate::accept::Incoming<'a, UnixListener>;
