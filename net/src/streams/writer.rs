//! `StreamWriter`: writes that never block, with a flusher task only while the socket lags behind.

use std::cell::RefCell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll, Waker};

use tulip_core::coop::poll_proceed;

use crate::buffer::{copy_error, WriteBuf, WriteSide, Written};
use crate::byte_stream::{poll_now, ByteStream};
use crate::tcp::TcpStream;

/// The writing half of a connection opened by [`open_connection`](crate::open_connection) or accepted
/// by [`start_server`](crate::start_server), or of any other [`ByteStream`] (`S`: a Unix socket from
/// [`open_unix_connection`](crate::open_unix_connection), a TLS stream from `tulip_tls`).
///
/// [`write`](StreamWriter::write) never blocks: with nothing buffered it sends at once (one syscall),
/// and the rest is buffered and sent by a small task spawned only while the socket is behind, so data
/// goes out even if nobody awaits [`drain`](StreamWriter::drain). `drain` is the backpressure point:
/// it waits while the buffer is above the high-water mark, until it is down to the low one.
///
/// Dropped without `close()`, the writer still sends what is buffered (and says so on stderr in the
/// loop's debug mode, as asyncio's `ResourceWarning` does); the socket is closed once the reader is
/// dropped too.
///
/// **asyncio:** [`asyncio.StreamWriter`](https://docs.python.org/3/library/asyncio-stream.html#streamwriter).
/// Differences: `write` returns a `Result` (an error after `close()`/`write_eof()`, or when the
/// connection already failed; asyncio ignores such writes with a warning); `close()` shuts down both
/// directions of the socket and the descriptor is closed once the reader is dropped too; the
/// transport's flow-control setters are on the writer itself.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # let echo = tulip_core::spawn(async move {
///     #     let (c, _) = listener.accept().await.unwrap();
///     #     let mut buf = [0u8; 64];
///     #     let n = c.read(&mut buf).await.unwrap();
///     #     c.write_all(&buf[..n]).await.unwrap();
///     # });
///     let (mut reader, writer) = tulip_net::open_connection(addr).await?;
///     writer.write(b"ping\n")?;
///     writer.drain().await?;
///     assert_eq!(reader.readline().await?, b"ping\n");
///     writer.close();
///     writer.wait_closed().await?;
///     # echo.await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct StreamWriter<S: ByteStream = TcpStream> {
    shared: Rc<Shared<S>>,
}

struct Shared<S> {
    sock: S,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The buffer, its marks and the closing flags. `side.flow.want`: above the high mark since the
    /// last time it drained to the low one, so `drain` waits. `side.closing`: `close()` was called.
    side: WriteSide<WriteBuf>,
    /// The stream is shut down (after the buffer emptied).
    closed: bool,
    /// The first send error.
    error: Option<io::Error>,
    /// A flusher task is running (it exists while the buffer is non-empty, the stream holds unsent
    /// bytes of its own, or a shutdown waits to complete).
    flushing: bool,
    waiters: Vec<Waker>,
}

impl State {
    fn wake_waiters(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.waiters)
    }

    fn add_waiter(&mut self, waker: &Waker) {
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }

    /// With the buffer sent: send the EOF or the close that was waiting for it.
    fn poll_finish<S: ByteStream>(&mut self, cx: &mut Context<'_>, sock: &S) -> Poll<()> {
        if self.side.eof_requested && !self.side.eof_sent && !self.side.closing {
            let r = ready!(sock.poll_shutdown(cx, Shutdown::Write));
            self.side.eof_sent = true;
            if let Err(e) = r {
                self.error.get_or_insert(e);
            }
        }
        if self.side.closing && !self.closed {
            let r = ready!(sock.poll_shutdown(cx, Shutdown::Both));
            self.closed = true;
            match r {
                // Already reset or shut down by the peer: closed all the same.
                Err(e) if e.kind() != io::ErrorKind::NotConnected => {
                    self.error.get_or_insert(e);
                }
                _ => {}
            }
        }
        Poll::Ready(())
    }
}

impl<S: ByteStream> fmt::Debug for StreamWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("StreamWriter");
        d.field("peer_addr", &self.shared.sock.peer_addr().ok());
        if let Ok(st) = self.shared.state.try_borrow() {
            d.field("buffered", &st.side.buf.len())
                .field("closing", &st.side.closing);
        }
        d.finish()
    }
}

impl<S: ByteStream> StreamWriter<S> {
    /// The writing half over `stream`; make the reading half with [`StreamReader::new`] on a clone
    /// of the same stream. [`open_connection`](crate::open_connection) and the other openers do this
    /// for you.
    ///
    /// **asyncio:** `asyncio.StreamWriter(transport, protocol, reader, loop)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{StreamReader, StreamWriter};
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     let writer = StreamWriter::new(a);
    ///     let mut reader = StreamReader::new(b);
    ///     writer.write(b"hi\n")?;
    ///     assert_eq!(reader.readline().await?, b"hi\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// [`StreamReader::new`]: crate::StreamReader::new
    pub fn new(stream: S) -> StreamWriter<S> {
        StreamWriter {
            shared: Rc::new(Shared {
                sock: stream,
                state: RefCell::new(State::default()),
            }),
        }
    }

    /// The stream beneath, for what it offers besides reading and writing (a TLS stream's peer
    /// certificate and cipher, a socket's options).
    ///
    /// **asyncio:** `writer.get_extra_info(name)` / `writer.transport`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert!(writer.get_ref().nodelay()?); // set by open_connection, as asyncio does
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    #[doc(alias = "transport")]
    pub fn get_ref(&self) -> &S {
        &self.shared.sock
    }

    /// Starts the flusher task unless it runs.
    fn ensure_flusher(&self, st: &mut State) {
        if !st.flushing {
            st.flushing = true;
            tulip_core::spawn(Flusher(self.shared.clone())).detach();
        }
    }

    /// Writes `data` without blocking: sent at once when nothing is buffered, the rest buffered and
    /// sent in the background. Follow with [`drain`](StreamWriter::drain) to respect backpressure.
    ///
    /// **asyncio:** `writer.write(data)`.
    ///
    /// # Errors
    ///
    /// `NotConnected` after `close()`, `BrokenPipe` after `write_eof()`, or the connection's send error
    /// (e.g. `ConnectionReset`, `BrokenPipe`) once one happened. The data is not sent then.
    ///
    /// # Examples
    ///
    /// See [`StreamWriter`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.write(b"hello")?;
    ///     writer.close();
    ///     assert_eq!(writer.write(b"late").unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut st = self.shared.state.borrow_mut();
        st.side.check_write()?;
        if let Some(e) = &st.error {
            return Err(copy_error(e));
        }
        if data.is_empty() {
            return Ok(());
        }
        match st.side.send_or_buffer(&self.shared.sock, data) {
            Ok(Written::Sent) => {
                // A TLS stream may hold the record it made until the socket takes it.
                if self.shared.sock.wants_flush() {
                    self.ensure_flusher(&mut st);
                }
                return Ok(());
            }
            Ok(Written::Buffered { .. }) => {}
            Err(e) => {
                let copy = copy_error(&e);
                st.error = Some(e);
                let waiters = st.wake_waiters();
                drop(st);
                waiters.into_iter().for_each(Waker::wake);
                return Err(copy);
            }
        }
        st.side.note_high();
        self.ensure_flusher(&mut st);
        Ok(())
    }

    /// Writes each buffer in turn, as [`StreamWriter::write`].
    ///
    /// **asyncio:** `writer.writelines(data)`.
    ///
    /// # Errors
    ///
    /// As [`StreamWriter::write`]; the buffers after a failing one are not written.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.writelines([&b"GET / HTTP/1.0\r\n"[..], b"\r\n"])?;
    ///     writer.drain().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn writelines<I>(&self, data: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for d in data {
            self.write(d.as_ref())?;
        }
        Ok(())
    }

    /// Waits while the write buffer is above the high-water mark, until it drains to the low one.
    /// Returns without waiting when it is not, but spends one unit of the task's cooperative budget,
    /// so a `write` + `drain` loop to a peer that keeps up still lets timers and other tasks run.
    ///
    /// **asyncio:** `await writer.drain()`.
    ///
    /// # Errors
    ///
    /// The connection's send error, or `ConnectionReset` ("connection lost") after `close()` completed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the buffered data is sent whether or not anyone waits.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     let mut buf = vec![0u8; 1 << 16];
    ///     #     while c.read(&mut buf).await.unwrap() > 0 {}
    ///     # }).detach();
    ///     let (_r, writer) = tulip_net::open_connection(addr).await?;
    ///     for _ in 0..64 {
    ///         writer.write(&[0u8; 16 * 1024])?;
    ///         writer.drain().await?; // the buffer never grows much past 64 KiB
    ///         assert!(writer.get_write_buffer_size() <= 64 * 1024 + 16 * 1024);
    ///     }
    ///     writer.close();
    ///     writer.wait_closed().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn drain(&self) -> io::Result<()> {
        self.wait_until(|st| {
            if let Some(e) = &st.error {
                Some(Err(copy_error(e)))
            } else if st.closed {
                Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "connection lost",
                )))
            } else if !st.side.flow.want {
                Some(Ok(()))
            } else {
                None
            }
        })
        .await
    }

    /// Shuts down the write side (sends EOF) once the buffered data is sent; the reader keeps reading.
    /// A no-op when closing or after an earlier `write_eof`.
    ///
    /// **asyncio:** `writer.write_eof()`.
    ///
    /// # Errors
    ///
    /// The `shutdown(2)` error when nothing is buffered and the socket refuses; `Unsupported` on a
    /// stream that cannot half-close (TLS: asyncio raises `NotImplementedError` there).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     let mut buf = [0u8; 64];
    ///     #     let mut all = Vec::new();
    ///     #     loop { let n = c.read(&mut buf).await.unwrap(); if n == 0 { break } all.extend_from_slice(&buf[..n]); }
    ///     #     c.write_all(&all).await.unwrap();
    ///     # }).detach();
    ///     // A server that answers once the request is complete (at EOF).
    ///     let (mut reader, writer) = tulip_net::open_connection(addr).await?;
    ///     writer.write(b"request")?;
    ///     writer.write_eof()?;
    ///     assert_eq!(reader.read_to_end().await?, b"request");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn write_eof(&self) -> io::Result<()> {
        let mut st = self.shared.state.borrow_mut();
        if !st.side.write_eof(&self.shared.sock)? {
            self.ensure_flusher(&mut st);
        }
        Ok(())
    }

    /// Whether the stream can half-close: `true` for TCP and Unix sockets, `false` for TLS.
    ///
    /// **asyncio:** `writer.can_write_eof()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert!(writer.can_write_eof());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn can_write_eof(&self) -> bool {
        self.shared.sock.can_write_eof()
    }

    /// Closes the stream: buffered data is still sent, then the socket is shut down in both directions
    /// (the peer sees EOF, our reader sees EOF). Await [`wait_closed`](StreamWriter::wait_closed) to
    /// know when that happened. Closing twice is harmless.
    ///
    /// **asyncio:** `writer.close()`.
    ///
    /// # Examples
    ///
    /// See [`StreamWriter`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.close();
    ///     assert!(writer.is_closing());
    ///     writer.wait_closed().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        let waiters = {
            let mut st = self.shared.state.borrow_mut();
            if !st.side.close() {
                return;
            }
            self.shared.sock.start_closing();
            if st.flushing {
                return; // the flusher finishes the job
            }
            let sock = &self.shared.sock;
            if sock.wants_flush() || poll_now(|cx| st.poll_finish(cx, sock)).is_none() {
                self.ensure_flusher(&mut st);
                return;
            }
            st.wake_waiters()
        };
        waiters.into_iter().for_each(Waker::wake);
    }

    /// Whether `close()` was called or the connection failed.
    ///
    /// **asyncio:** `writer.is_closing()`.
    ///
    /// # Examples
    ///
    /// See [`StreamWriter::close`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert!(!writer.is_closing());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        let st = self.shared.state.borrow();
        st.side.closing || st.error.is_some()
    }

    /// Waits until `close()` has sent the buffered data and shut the socket down.
    ///
    /// **asyncio:** `await writer.wait_closed()`.
    ///
    /// # Errors
    ///
    /// The connection's send error, if one happened (asyncio raises the `connection_lost` exception).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// See [`StreamWriter::close`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.write(&vec![1u8; 1 << 20])?; // more than the socket takes at once
    ///     writer.close();
    ///     # let (peer, _) = listener.accept().await?;
    ///     # tulip_core::spawn(async move {
    ///     #     let mut buf = vec![0u8; 1 << 16];
    ///     #     while peer.read(&mut buf).await.unwrap() > 0 {}
    ///     # }).detach();
    ///     writer.wait_closed().await?; // all of it was sent
    ///     assert_eq!(writer.get_write_buffer_size(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_closed(&self) -> io::Result<()> {
        self.wait_until(|st| match &st.error {
            Some(e) => Some(Err(copy_error(e))),
            None => st.closed.then_some(Ok(())),
        })
        .await
    }

    /// Waits, as one of the writer's waiters, until `outcome` gives a result. A result ready at once
    /// still spends one unit of the task's cooperative budget, so a `write` + `drain` loop to a peer
    /// that keeps up yields to the loop now and then.
    async fn wait_until(
        &self,
        outcome: impl Fn(&State) -> Option<io::Result<()>>,
    ) -> io::Result<()> {
        poll_fn(|cx| {
            let mut st = self.shared.state.borrow_mut();
            let Some(done) = outcome(&st) else {
                st.add_waiter(cx.waker());
                return Poll::Pending;
            };
            drop(st);
            ready!(poll_proceed(cx));
            Poll::Ready(done)
        })
        .await
    }

    /// Bytes accepted by `write` and not yet sent.
    ///
    /// **asyncio:** `writer.transport.get_write_buffer_size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.write(b"small")?;
    ///     assert_eq!(writer.get_write_buffer_size(), 0); // sent at once
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "write_buffer_size")]
    pub fn get_write_buffer_size(&self) -> usize {
        self.shared.state.borrow().side.buf.len()
    }

    /// Sets the water marks `drain` uses (asyncio's defaults: 64 KiB high, 16 KiB low; `None` as in
    /// [`Transport::set_write_buffer_limits`](crate::Transport::set_write_buffer_limits)).
    ///
    /// **asyncio:** `writer.transport.set_write_buffer_limits(high=None, low=None)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `high < low`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     writer.set_write_buffer_limits(Some(1 << 20), None)?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        self.shared.state.borrow_mut().side.set_limits(high, low)?;
        Ok(())
    }

    /// The remote address.
    ///
    /// **asyncio:** `writer.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let (_r, writer) = tulip_net::open_connection(addr).await?;
    ///     assert_eq!(writer.peer_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.shared.sock.peer_addr()
    }

    /// The local address.
    ///
    /// **asyncio:** `writer.get_extra_info("sockname")`.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert!(writer.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.shared.sock.local_addr()
    }
}

impl<S: ByteStream> Drop for StreamWriter<S> {
    fn drop(&mut self) {
        // Buffered data is still sent by the flusher. Say so in debug mode when nobody closed us, as
        // asyncio's ResourceWarning does.
        let closing = self
            .shared
            .state
            .try_borrow()
            .map_or(true, |st| st.side.closing);
        if !closing && tulip_core::try_get_running_loop().is_some_and(|l| l.debug()) {
            eprintln!(
                "tulip: StreamWriter to {:?} dropped without close()",
                self.shared.sock.peer_addr().ok()
            );
        }
    }
}

/// Sends a writer's buffer as the stream allows (and what a TLS stream holds itself), then the pending
/// EOF or close, and ends. Spawned by `write` when the buffer becomes non-empty, and by `close` or
/// `write_eof` when the stream cannot finish at once.
struct Flusher<S>(Rc<Shared<S>>);

impl<S: ByteStream> Future for Flusher<S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &*self.0;
        let waiters = {
            let mut st = shared.state.borrow_mut();
            if st.error.is_none() {
                match st.side.poll_flush(cx, &shared.sock) {
                    Poll::Ready(Ok(())) => {
                        if st.poll_finish(cx, &shared.sock).is_pending() {
                            // A TLS close waits for the socket: `drain` need not.
                            if !st.side.note_low() {
                                return Poll::Pending;
                            }
                            let w = st.wake_waiters();
                            drop(st);
                            w.into_iter().for_each(Waker::wake);
                            return Poll::Pending;
                        }
                    }
                    Poll::Ready(Err(e)) => st.error = Some(e),
                    Poll::Pending => {
                        if !st.side.note_low() {
                            return Poll::Pending;
                        }
                        let w = st.wake_waiters();
                        drop(st);
                        w.into_iter().for_each(Waker::wake);
                        return Poll::Pending;
                    }
                }
            }
            if st.error.is_some() {
                st.side.buf.clear();
            }
            st.flushing = false;
            st.side.flow.want = false;
            st.wake_waiters()
        };
        waiters.into_iter().for_each(Waker::wake);
        Poll::Ready(())
    }
}
