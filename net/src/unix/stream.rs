//! [`UnixStream`]: a Unix domain stream connection.

use std::fmt;
use std::io::{self, IoSlice, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, SockAddr, SockRef, Socket, Type};
use tulip_core::Async;

use crate::io::{ReadFuture, WriteFuture, WriteVectoredFuture};

type StdStream = std::os::unix::net::UnixStream;

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
    pub(super) fn from_nonblocking(stream: StdStream) -> UnixStream {
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
    /// let (a, _b) = tulip_net::UnixStream::pair()?;
    /// assert_eq!(poll_fn(|cx| a.poll_write(cx, b"x")).await?, 1);
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
        op: impl FnMut(&StdStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.io.poll_write_with(cx, op)
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
