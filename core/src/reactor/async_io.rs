//! `Async<T>`: any non-blocking descriptor as an event source of the running loop.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{Interest, Source};
use crate::coop;

/// A non-blocking descriptor (socket, pipe, eventfd, timerfd, a foreign library's fd) registered with the
/// running loop's reactor.
///
/// Operations try the syscall first; only when it returns `WouldBlock` is the descriptor armed in the
/// poller and the task parked until it is ready. One waker per direction, so one task can read while
/// another writes.
///
/// # Moving to another loop
///
/// An `Async<T>` with `T: Send` is `Send`, and it belongs to whichever loop uses it: made on loop A and
/// moved to a thread running loop B, it leaves A's poller for B's on the first operation that would
/// block there (the check costs nothing while operations complete at once). This holds whether A still
/// runs, sits idle, or was closed, and covers every tulip socket and signal stream, which are built on
/// `Async`. So a loop that accepts connections can hand each to a worker thread's loop (through its
/// [`Handle`](crate::Handle)) with nothing lost. Use it from one loop at a time.
///
/// **asyncio:** `loop.add_reader(fd, cb)` / `loop.add_writer(fd, cb)` for coroutines, and
/// `loop.sock_recv` / `sock_sendall` for sockets. asyncio ties a socket to one loop; moving it means
/// detaching it and wrapping the descriptor again on the other loop.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use tulip_core::Async;
///
/// tulip_core::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let (a, b) = (Async::new(a)?, Async::new(b)?);
///     b.write_with(|mut s| s.write(b"ping")).await?;
///     let mut buf = [0u8; 4];
///     let n = a.read_with(|mut s| s.read(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// Made on one loop, used on another thread's loop:
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use tulip_core::Async;
///
/// let (a, b) = tulip_core::Loop::new()?.block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     std::io::Result::Ok((Async::new(a)?, Async::new(b)?))
/// })?; // that loop is gone now
/// std::thread::spawn(move || {
///     tulip_core::run(async {
///         let reader = tulip_core::spawn(async move {
///             let mut buf = [0u8; 4];
///             a.read_with(|mut s| s.read(&mut buf)).await.map(|n| buf[..n].to_vec())
///         });
///         tulip_core::yield_now().await; // the reader waits: it registers with this loop
///         b.write_with(|mut s| s.write(b"moved")).await?;
///         assert_eq!(reader.await?, b"move");
///         std::io::Result::Ok(())
///     })
/// })
/// .join()
/// .unwrap()?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsFd> {
    source: Arc<Source>,
    io: Option<T>,
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the loop running on this thread.
    ///
    /// **asyncio:** what `loop.add_reader(fd, ...)` / `add_writer` register (here lazily, at the first
    /// operation that would block); the socket's `setblocking(False)`.
    ///
    /// # Errors
    ///
    /// When the descriptor cannot be made non-blocking.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     assert!(a.get_ref().peer_addr().is_ok());
    ///     drop(b);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        rustix::io::ioctl_fionbio(io.as_fd(), true)?;
        Ok(Self::new_nonblocking(io))
    }

    /// Registers `io`, which the caller has already put in non-blocking mode, with the running loop.
    ///
    /// **asyncio:** `loop.add_reader(fd, ...)` on a socket already set with `setblocking(False)`.
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let a = Async::new_nonblocking(a);
    ///     (&b).write_all(b"x")?;
    ///     let mut buf = [0u8; 1];
    ///     assert_eq!(a.read_with(|mut s| s.read(&mut buf)).await?, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn new_nonblocking(io: T) -> Async<T> {
        let reactor = crate::event_loop::expect_current("Async::new")
            .shared
            .reactor
            .clone();
        let source = reactor.insert(io.as_fd().as_raw_fd());
        Async {
            source,
            io: Some(io),
        }
    }

    /// The wrapped I/O object.
    ///
    /// **asyncio:** `transport.get_extra_info('socket')`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     assert!(a.get_ref().local_addr().is_ok());
    ///     drop(b);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("Async holds its io until dropped")
    }

    /// Mutable access to the wrapped I/O object.
    ///
    /// **asyncio:** `transport.get_extra_info('socket')`, for calls that need `&mut`.
    ///
    /// # Safety
    ///
    /// The caller must not close or replace the descriptor (e.g. with `mem::replace`) while it is
    /// registered: the reactor deletes it from the poller on drop by its number.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let mut a = Async::new(a)?;
    ///     // SAFETY: only reads the socket's state; the descriptor is neither closed nor replaced.
    ///     let peer = unsafe { a.get_mut() }.peer_addr();
    ///     assert!(peer.is_ok());
    ///     drop(b);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub unsafe fn get_mut(&mut self) -> &mut T {
        self.io.as_mut().expect("Async holds its io until dropped")
    }

    /// Unregisters the descriptor and gives the I/O object back (still in non-blocking mode).
    ///
    /// **asyncio:** `loop.remove_reader(fd)` / `remove_writer(fd)`, keeping the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?.into_inner()?;
    ///     (&b).write_all(b"x")?;
    ///     let mut buf = [0u8; 1];
    ///     assert_eq!((&a).read(&mut buf)?, 1); // data was already there: no blocking
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        self.source.remove();
        Ok(self.io.take().expect("Async holds its io until dropped"))
    }

    /// Waits until the descriptor is readable (or has an error or hang-up to report).
    ///
    /// **asyncio:** `loop.add_reader(fd, fut.set_result, None)` then `await fut`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"x")?;
    ///     a.readable().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn readable(&self) -> Readable<'_, T> {
        Readable(self)
    }

    /// Waits until the descriptor is writable.
    ///
    /// **asyncio:** `loop.add_writer(fd, fut.set_result, None)` then `await fut`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     a.writable().await?; // an empty socket buffer is writable at once
    ///     drop(b);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn writable(&self) -> Writable<'_, T> {
        Writable(self)
    }

    /// Polls for read readiness; see [`Async::readable`].
    ///
    /// **asyncio:** `loop.add_reader(fd, callback)`, as a poll function for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"x")?;
    ///     std::future::poll_fn(|cx| a.poll_readable(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(Interest::Read, cx)
    }

    /// Polls for write readiness; see [`Async::writable`].
    ///
    /// **asyncio:** `loop.add_writer(fd, callback)`, as a poll function for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     std::future::poll_fn(|cx| a.poll_writable(cx)).await?;
    ///     drop(b);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(Interest::Write, cx)
    }

    /// Runs `op` until it stops returning `WouldBlock`, waiting for read readiness in between.
    ///
    /// **asyncio:** the body of an `add_reader` callback, as a poll function for hand-written futures.
    ///
    /// The fast path (data already there) is one call of `op` and no poller call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"hi")?;
    ///     let mut buf = [0u8; 2];
    ///     let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |mut s| s.read(&mut buf))).await?;
    ///     assert_eq!(n, 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.source.register(Interest::Read, cx))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => return Poll::Ready(res),
            }
        }
    }

    /// Runs `op` until it stops returning `WouldBlock`, waiting for write readiness in between.
    ///
    /// **asyncio:** the body of an `add_writer` callback, as a poll function for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |mut s| s.write(b"hi"))).await?;
    ///     assert_eq!(n, 2);
    ///     let mut buf = [0u8; 2];
    ///     (&b).read_exact(&mut buf)?;
    ///     assert_eq!(&buf, b"hi");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.source.register(Interest::Write, cx))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => return Poll::Ready(res),
            }
        }
    }

    /// Runs a read-like operation until it stops returning `WouldBlock`.
    ///
    /// **asyncio:** the body of an `add_reader` callback, written as a coroutine.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe when `op` is: it is only ever retried after `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"ping")?;
    ///     let mut buf = [0u8; 4];
    ///     let n = a.read_with(|mut s| s.read(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"ping");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs a write-like operation until it stops returning `WouldBlock`.
    ///
    /// **asyncio:** the body of an `add_writer` callback, written as a coroutine.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     let n = a.write_with(|mut s| s.write(b"pong")).await?;
    ///     let mut buf = [0u8; 4];
    ///     (&b).read_exact(&mut buf[..n])?;
    ///     assert_eq!(&buf[..n], b"pong");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            self.source.remove();
            self.io = None;
        }
    }
}

/// The future returned by [`Async::readable`].
///
/// **asyncio:** the future `await`ed after `loop.add_reader(fd, fut.set_result, None)`.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use tulip_core::Async;
///
/// tulip_core::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let a = Async::new(a)?;
///     (&b).write_all(b"x")?;
///     let ready: tulip_core::Readable<'_, UnixStream> = a.readable();
///     ready.await?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Readable<'a, T: AsFd>(&'a Async<T>);

impl<T: AsFd> Future for Readable<'_, T> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_readable(cx)
    }
}

/// The future returned by [`Async::writable`].
///
/// **asyncio:** the future `await`ed after `loop.add_writer(fd, fut.set_result, None)`.
///
/// # Examples
///
/// ```
/// use std::os::unix::net::UnixStream;
/// use tulip_core::Async;
///
/// tulip_core::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let a = Async::new(a)?;
///     let ready: tulip_core::Writable<'_, UnixStream> = a.writable();
///     ready.await?;
///     drop(b);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Writable<'a, T: AsFd>(&'a Async<T>);

impl<T: AsFd> Future for Writable<'_, T> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_writable(cx)
    }
}

impl<T: AsFd> futures_io::AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // An empty read completes at once (a stream socket's `recv` of 0 bytes would wait for data).
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_with(cx, |mut io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_with(cx, |mut io| io.read_vectored(bufs))
    }
}

impl<T: AsFd> futures_io::AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // An empty read completes at once (a stream socket's `recv` of 0 bytes would wait for data).
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_with(cx, |mut io| io.read(buf))
    }
}

impl<T: AsFd> futures_io::AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> futures_io::AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
