//! The read and write futures shared by the stream sockets (`TcpStream`, `UnixStream` and the TCP halves).
//!
//! Each is a hand-written state machine over `tulip_core::Async`: one poll tries the syscall and touches
//! the poller only when it returns `WouldBlock`, so a read whose data is already there completes in one
//! poll with one syscall.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use tulip_core::Async;

/// The future returned by `read` on [`TcpStream`](crate::TcpStream),
/// [`OwnedReadHalf`](crate::tcp::OwnedReadHalf) and [`UnixStream`](crate::UnixStream): reads what is
/// available, at least one byte, or 0 at end of stream.
///
/// `T` is the std socket beneath (`std::net::TcpStream` unless named).
///
/// **asyncio:** the awaitable returned by `loop.sock_recv(sock, n)`.
///
/// Dropping it before completion reads nothing: no byte is lost.
///
/// # Examples
///
/// ```
/// use tulip_net::{ReadFuture, TcpListener, TcpStream};
/// # tulip_core::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await?;
/// # let client = TcpStream::connect(listener.local_addr()?).await?;
/// # let (server, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0u8; 8];
/// let read: ReadFuture<'_> = server.read(&mut buf);
/// let n = read.await?;
/// assert_eq!(&buf[..n], b"hi");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadFuture<'a, T: AsFd = std::net::TcpStream> {
    io: &'a Async<T>,
    buf: &'a mut [u8],
}

impl<'a, T: AsFd> ReadFuture<'a, T> {
    #[inline]
    pub(crate) fn new(io: &'a Async<T>, buf: &'a mut [u8]) -> Self {
        ReadFuture { io, buf }
    }
}

impl<T: AsFd> Future for ReadFuture<'_, T>
where
    for<'b> &'b T: Read,
{
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        poll_read(this.io, cx, this.buf)
    }
}

impl<T: AsFd> fmt::Debug for ReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by `write` on [`TcpStream`](crate::TcpStream),
/// [`OwnedWriteHalf`](crate::tcp::OwnedWriteHalf) and [`UnixStream`](crate::UnixStream): writes some
/// of the buffer and returns how much.
///
/// **asyncio:** the awaitable returned by `loop.sock_send(sock, data)` (Python 3.12's one-shot send).
///
/// Dropping it before completion writes nothing.
///
/// # Examples
///
/// ```
/// use tulip_net::{TcpListener, TcpStream, WriteFuture};
/// # tulip_core::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await?;
/// # let client = TcpStream::connect(listener.local_addr()?).await?;
/// let write: WriteFuture<'_> = client.write(b"hello");
/// let n = write.await?;
/// assert!(n > 0 && n <= 5);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteFuture<'a, T: AsFd = std::net::TcpStream> {
    io: &'a Async<T>,
    buf: &'a [u8],
}

impl<'a, T: AsFd> WriteFuture<'a, T> {
    #[inline]
    pub(crate) fn new(io: &'a Async<T>, buf: &'a [u8]) -> Self {
        WriteFuture { io, buf }
    }
}

impl<T: AsFd> Future for WriteFuture<'_, T>
where
    for<'b> &'b T: Write,
{
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let buf = this.buf;
        this.io
            .poll_write_len_with(cx, buf.len(), |mut s| s.write(buf))
    }
}

impl<T: AsFd> fmt::Debug for WriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteFuture")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by `write_vectored` on [`TcpStream`](crate::TcpStream),
/// [`OwnedWriteHalf`](crate::tcp::OwnedWriteHalf) and [`UnixStream`](crate::UnixStream): one
/// `writev(2)` of several buffers, returning how many bytes went out in total.
///
/// **asyncio:** the gather-write inside `transport.writelines(list_of_data)` (one `sendmsg` call).
///
/// Dropping it before completion writes nothing.
///
/// # Examples
///
/// ```
/// use std::io::IoSlice;
/// use tulip_net::{TcpListener, TcpStream, WriteVectoredFuture};
/// # tulip_core::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await?;
/// # let client = TcpStream::connect(listener.local_addr()?).await?;
/// let bufs = [IoSlice::new(b"head"), IoSlice::new(b"body")];
/// let write: WriteVectoredFuture<'_> = client.write_vectored(&bufs);
/// assert_eq!(write.await?, 8);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectoredFuture<'a, T: AsFd = std::net::TcpStream> {
    io: &'a Async<T>,
    bufs: &'a [IoSlice<'a>],
}

impl<'a, T: AsFd> WriteVectoredFuture<'a, T> {
    #[inline]
    pub(crate) fn new(io: &'a Async<T>, bufs: &'a [IoSlice<'a>]) -> Self {
        WriteVectoredFuture { io, bufs }
    }
}

impl<T: AsFd> Future for WriteVectoredFuture<'_, T>
where
    for<'b> &'b T: Write,
{
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let bufs = this.bufs;
        let len = vectored_len(bufs.iter().map(|b| b.len()));
        this.io
            .poll_write_len_with(cx, len, |mut s| s.write_vectored(bufs))
    }
}

impl<T: AsFd> fmt::Debug for WriteVectoredFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteVectoredFuture")
            .field("bufs", &self.bufs.len())
            .finish_non_exhaustive()
    }
}

/// Spends one unit of the running task's cooperative budget (`tulip_core::coop::poll_proceed`), first
/// yielding to the loop when it is used up. For the operations that can complete without touching the
/// socket (a read served from a reader's buffer, a `drain` with nothing to wait for): without it a loop
/// of them never yields, and timers and other tasks starve.
#[inline]
pub(crate) fn proceed() -> impl Future<Output = ()> {
    std::future::poll_fn(tulip_core::coop::poll_proceed)
}

/// Writes all of `buf` with repeated `write`s. Shared by the stream types' `write_all`.
pub(crate) async fn write_all<T: AsFd>(io: &Async<T>, mut buf: &[u8]) -> io::Result<()>
where
    for<'b> &'b T: Write,
{
    while !buf.is_empty() {
        let n = WriteFuture::new(io, buf).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    Ok(())
}

/// Fills `buf` with repeated `read`s. Shared by the stream types' `read_exact`.
pub(crate) async fn read_exact<T: AsFd>(io: &Async<T>, mut buf: &mut [u8]) -> io::Result<()>
where
    for<'b> &'b T: Read,
{
    while !buf.is_empty() {
        let n = ReadFuture::new(io, buf).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
    }
    Ok(())
}

/// `futures_io::AsyncRead` and `AsyncWrite` for a stream type and for a shared reference to it, from the
/// type's own `poll_read` / `poll_write`, its `io: Arc<Async<_>>` field (vectored I/O) and a
/// `shutdown_write(&Self)` (`poll_close` sends EOF). One body for `TcpStream` and `UnixStream`, owned
/// and borrowed.
macro_rules! stream_io_impls {
    ($ty:ty, $shutdown_write:path) => {
        $crate::io::stream_io_impls!(@one $ty, $shutdown_write);
        $crate::io::stream_io_impls!(@one &$ty, $shutdown_write);
    };
    (@one $self_ty:ty, $shutdown_write:path) => {
        impl futures_io::AsyncRead for $self_ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::io::poll_read(&self.io, cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::io::poll_read_vectored(&self.io, cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $self_ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write_len_with(cx, buf.len(), |mut s| {
                    std::io::Write::write(&mut s, buf)
                })
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let len = $crate::io::vectored_len(bufs.iter().map(|b| b.len()));
                self.io.poll_write_len_with(cx, len, |mut s| {
                    std::io::Write::write_vectored(&mut s, bufs)
                })
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            /// Shuts down the write side (sends EOF).
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready($shutdown_write(&self))
            }
        }
    };
}
pub(crate) use stream_io_impls;

/// One read from a stream socket. An empty buffer completes at once with 0, as `Read` promises: the
/// kernel's `recv` of 0 bytes on a stream socket with nothing queued fails with `EAGAIN`, which would
/// otherwise park the read until the peer sends something.
#[inline]
pub(crate) fn poll_read<T: AsFd>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>>
where
    for<'b> &'b T: Read,
{
    if buf.is_empty() {
        return Poll::Ready(Ok(0));
    }
    let len = buf.len();
    io.poll_read_len_with(cx, len, |mut s| s.read(buf))
}

/// One `recv(2)` from a stream socket appended to `buf`'s spare capacity (none of it zeroed first): the
/// body of `poll_read_spare` for TCP and Unix sockets. No spare capacity completes at once with 0.
#[inline]
pub(crate) fn poll_recv_spare<T: AsFd>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<usize>> {
    let len = buf.capacity() - buf.len();
    if len == 0 {
        return Poll::Ready(Ok(0));
    }
    io.poll_read_len_with(cx, len, |s| {
        rustix::net::recv(
            s,
            rustix::buffer::spare_capacity(&mut *buf),
            rustix::net::RecvFlags::empty(),
        )
        .map(|(n, _)| n)
        .map_err(io::Error::from)
    })
}

/// [`poll_read`] into several buffers; all of them empty completes at once with 0.
#[inline]
pub(crate) fn poll_read_vectored<T: AsFd>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    bufs: &mut [IoSliceMut<'_>],
) -> Poll<io::Result<usize>>
where
    for<'b> &'b T: Read,
{
    if bufs.iter().all(|b| b.is_empty()) {
        return Poll::Ready(Ok(0));
    }
    let len = vectored_len(bufs.iter().map(|b| b.len()));
    io.poll_read_len_with(cx, len, |mut s| s.read_vectored(bufs))
}

/// The most buffers one `readv(2)` / `writev(2)` takes; std passes only that many of a longer list.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
const IOV_MAX: Option<usize> = Some(1024);
/// Unknown here: only lists no longer than POSIX's minimum (`_XOPEN_IOV_MAX`) are known to go whole.
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
const IOV_MAX: Option<usize> = None;
/// POSIX's minimum of `IOV_MAX`.
const XOPEN_IOV_MAX: usize = 16;

/// How many bytes one vectored call over buffers of lengths `lens` can move at most: a count below it
/// means the socket is drained (read) or full (write). Only the first `IOV_MAX` buffers count, since a
/// longer list is cut there and comes up short with data or room left; where that limit is unknown and
/// the list is longer than POSIX's minimum, 0, so that no count is taken as short.
#[inline]
pub(crate) fn vectored_len(lens: impl ExactSizeIterator<Item = usize>) -> usize {
    match IOV_MAX {
        Some(max) => lens.take(max).sum(),
        None if lens.len() <= XOPEN_IOV_MAX => lens.sum(),
        None => 0,
    }
}
