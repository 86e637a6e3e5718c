//! `Async<T>`: any non-blocking descriptor as an event source of the running loop.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{Interest, Source};
use crate::coop;

/// A non-blocking descriptor (socket, pipe, eventfd, timerfd, a foreign library's fd) registered with the
/// running loop's reactor.
///
/// Operations try the syscall first; only when it returns `WouldBlock` is the descriptor registered
/// with the poller (once: on Linux edge-triggered, for both directions) and the task parked until it is
/// ready. Readiness is then kept here: an event sets it, a `WouldBlock` clears it, and so does a stream
/// read or write that comes up short ([`Async::poll_read_len_with`]), so the next operation waits for
/// an event instead of making a syscall that would fail. Any number of tasks may wait at once (one
/// reading while another writes, or several on one direction): each is woken by the next event for the
/// direction it waits on.
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
    /// It returns once per event: when another task reads the same descriptor, the data it was woken
    /// for may already be gone, so the read that follows must expect `WouldBlock`.
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
        self.source.poll_reported(Interest::Read, cx)
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
        self.source.poll_reported(Interest::Write, cx)
    }

    /// Polls whether a read may be tried now: `Ready` when the descriptor is ready for reading or its
    /// level is unknown (so a read may still return `WouldBlock`), otherwise stores the waker, arms
    /// and returns `Pending`. Unlike [`Async::poll_readable`] it consumes no report, and it spends
    /// none of the task's cooperative budget: it lets a caller that must prepare a read (take a
    /// buffer) skip that preparation while the read would wait.
    ///
    /// **asyncio:** no counterpart (the readiness check at the top of a selector transport's read).
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
    ///     std::future::poll_fn(|cx| a.poll_read_ready(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(Interest::Read, cx).map_ok(|_| ())
    }

    /// Runs `op` until it stops returning `WouldBlock`, waiting for read readiness in between.
    ///
    /// **asyncio:** the body of an `add_reader` callback, as a poll function for hand-written futures.
    ///
    /// The fast path (data already there) is one call of `op` and no poller call. `op` runs only while
    /// the source may be readable: after it returns `WouldBlock`, the next call waits for an event
    /// before trying again.
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
        self.poll_io(cx, Interest::Read, |io, _| op(io))
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
        self.poll_io(cx, Interest::Write, |io, _| op(io))
    }

    /// The loop behind every operation: wait until `dir` may be ready, run `op` (given the word the
    /// readiness was read from), and clear readiness when it returns `WouldBlock` (then wait again) or
    /// tells that it drained the descriptor (`Ok((_, true))` from the `_len_with` forms).
    #[inline]
    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Interest,
        mut op: impl FnMut(&T, usize) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let seen = ready!(self.source.poll_ready(dir, cx))?;
            match op(self.get_ref(), seen) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.source.clear(seen, dir, true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => return Poll::Ready(res),
            }
        }
    }

    /// Like [`Async::poll_read_with`] for a stream read of at most `len` bytes: when `op` returns fewer
    /// (but more than 0), the descriptor was drained, so the next read waits for readiness instead of
    /// trying a syscall that would return `WouldBlock`.
    ///
    /// **asyncio:** what `loop.sock_recv_into` does on a stream socket, as a poll function.
    ///
    /// Only for byte streams (TCP and Unix stream sockets, pipes), where a short read means nothing is
    /// left: a datagram socket returns one datagram per read, short or not, with more queued behind it.
    /// `len` must be what one call of `op` can read: for `readv(2)` over more buffers than the kernel
    /// takes in one call (`IOV_MAX`, 1024 on Linux), only the first `IOV_MAX` count, or a full call
    /// would look short and the data left behind would wait for an event that never comes.
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
    ///     let mut buf = [0u8; 8];
    ///     let n = std::future::poll_fn(|cx| {
    ///         a.poll_read_len_with(cx, buf.len(), |mut s| s.read(&mut buf))
    ///     })
    ///     .await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_read_len_with(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_len_with(cx, Interest::Read, len, &mut op)
    }

    /// Like [`Async::poll_write_with`] for a stream write of `len` bytes: when `op` writes fewer (but
    /// more than 0), the send buffer is full, so the next write waits for readiness instead of trying a
    /// syscall that would return `WouldBlock`. As for [`Async::poll_read_len_with`], `len` is what one
    /// call can write (for `writev(2)`, the first `IOV_MAX` buffers only).
    ///
    /// **asyncio:** what `loop.sock_sendall` does between its partial sends, as a poll function.
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
    ///     let n = std::future::poll_fn(|cx| a.poll_write_len_with(cx, 2, |mut s| s.write(b"hi")))
    ///         .await?;
    ///     let mut buf = [0u8; 2];
    ///     (&b).read_exact(&mut buf[..n])?;
    ///     assert_eq!(&buf, b"hi");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_write_len_with(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_len_with(cx, Interest::Write, len, &mut op)
    }

    /// The body of [`Async::poll_read_len_with`] and [`Async::poll_write_len_with`]: a short transfer
    /// (more than 0, fewer than `len` bytes) clears `interest`'s readiness.
    #[inline(always)]
    fn poll_len_with(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        len: usize,
        op: &mut impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, interest, |io, seen| {
            let n = op(io)?;
            if n > 0 && n < len {
                self.source.clear(seen, interest, false);
            }
            Ok(n)
        })
    }

    /// Reads into memory that need not be initialised, waiting for read readiness as needed: on
    /// success the first `n` bytes of `buf` are initialised with the data read, the rest are left as
    /// they were. One `read(2)` per try.
    ///
    /// **asyncio:** `loop.sock_recv_into(sock, buf)` (Python's buffers are always initialised), as a
    /// poll function.
    ///
    /// An empty `buf` completes at once with 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::mem::MaybeUninit;
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"abc")?;
    ///     let mut buf = [MaybeUninit::<u8>::uninit(); 16];
    ///     let n = std::future::poll_fn(|cx| a.poll_read_uninit(cx, &mut buf)).await?;
    ///     // SAFETY: `poll_read_uninit` initialised the first `n` bytes.
    ///     let data = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
    ///     assert_eq!(data, b"abc");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_read_with(cx, |io| read_uninit(io.as_fd(), buf))
    }

    /// [`Async::poll_read_uninit`] on a byte stream: a short read clears readiness, as in
    /// [`Async::poll_read_len_with`] (only for stream sockets and pipes).
    ///
    /// **asyncio:** `loop.sock_recv_into(sock, buf)` on a stream socket, as a poll function.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::mem::MaybeUninit;
    /// use std::os::unix::net::UnixStream;
    /// use tulip_core::Async;
    ///
    /// tulip_core::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     (&b).write_all(b"abc")?;
    ///     let mut buf = [MaybeUninit::<u8>::uninit(); 16];
    ///     let n = std::future::poll_fn(|cx| a.poll_read_stream_uninit(cx, &mut buf)).await?;
    ///     assert_eq!(n, 3);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[inline]
    pub fn poll_read_stream_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.poll_read_len_with(cx, len, |io| read_uninit(io.as_fd(), buf))
    }

    /// Reads into memory that need not be initialised; see [`Async::poll_read_uninit`]. Returns how
    /// many bytes at the front of `buf` now hold data.
    ///
    /// **asyncio:** `await loop.sock_recv_into(sock, buf)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is read unless it completes.
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
    ///     (&b).write_all(b"abc")?;
    ///     let mut buf: Vec<u8> = Vec::with_capacity(64);
    ///     let n = a.read_uninit(buf.spare_capacity_mut()).await?;
    ///     // SAFETY: `read_uninit` initialised the first `n` bytes of the spare capacity.
    ///     unsafe { buf.set_len(n) };
    ///     assert_eq!(buf, b"abc");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn read_uninit(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read_uninit(cx, buf)).await
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

/// One `read(2)` into `buf`; the number of bytes read, all at the front of `buf` and now initialised.
#[inline]
fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // rustix reads into uninitialised memory safely: it passes only `buf`'s pointer and length to the
    // kernel and hands back the initialised front.
    let (filled, _) = rustix::io::read(fd, buf)?;
    Ok(filled.len())
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
