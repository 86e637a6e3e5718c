//! `TcpStream::split`: owned read and write halves that two tasks can hold.

use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::stream::shutdown_write;
use super::{PeekFuture, TcpStream};
use crate::io::{ReadFuture, WriteFuture, WriteVectoredFuture};

pub(super) fn split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

/// The read half of a [`TcpStream`], from [`TcpStream::split`].
///
/// Dropping it does nothing to the connection (no shutdown); the socket closes when the write half is
/// gone too.
///
/// **asyncio:** the `StreamReader` of `asyncio.open_connection()`, without its buffer.
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
/// # let (server, _) = l.accept().await?;
/// let (reader, _writer) = server.split();
/// client.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: TcpStream,
}

/// The write half of a [`TcpStream`], from [`TcpStream::split`].
///
/// Dropping it shuts down the write direction: the peer reads EOF (asyncio's `write_eof()`), while
/// the read half keeps reading. [`OwnedWriteHalf::shutdown`] does the same explicitly and reports
/// errors; [`OwnedReadHalf::reunite`] gets the stream back without a shutdown.
///
/// **asyncio:** the `StreamWriter` of `asyncio.open_connection()`, without its buffer.
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
/// # let (server, _) = l.accept().await?;
/// let (_reader, writer) = client.split();
/// writer.write_all(b"bye").await?;
/// drop(writer); // sends EOF
/// let mut buf = Vec::new();
/// let mut chunk = [0u8; 8];
/// loop {
///     let n = server.read(&mut chunk).await?;
///     if n == 0 { break; }
///     buf.extend_from_slice(&chunk[..n]);
/// }
/// assert_eq!(buf, b"bye");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: TcpStream,
    shutdown_on_drop: bool,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams; both are handed back.
///
/// **asyncio:** no counterpart (asyncio's reader and writer are never taken apart from one socket).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// let a = tulip_net::TcpStream::connect(l.local_addr()?).await?;
/// let b = tulip_net::TcpStream::connect(l.local_addr()?).await?;
/// let (a_read, _a_write) = a.split();
/// let (_b_read, b_write) = b.split();
/// let err = a_read.reunite(b_write).unwrap_err();
/// let (_a_read, _b_write) = (err.0, err.1);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}

fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
    if Arc::ptr_eq(&read.stream.io, &write.stream.io) {
        write.shutdown_on_drop = false;
        drop(write);
        Ok(read.stream)
    } else {
        Err(ReuniteError(read, write))
    }
}

impl OwnedReadHalf {
    /// Puts the halves back together into the stream they came from.
    ///
    /// **asyncio:** no counterpart (see [`ReuniteError`]).
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], carrying both halves, when they are from different streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// let (r, w) = s.split();
    /// let s = r.reunite(w).unwrap();
    /// s.write_all(b"still open for writing").await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }

    /// Reads what is available (at least one byte, or 0 at EOF); see [`TcpStream::read`].
    ///
    /// **asyncio:** `loop.sock_recv(sock, n)`.
    ///
    /// # Errors
    ///
    /// The OS error, e.g. `ConnectionReset`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, _writer) = server.split();
    /// client.write_all(b"x").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(reader.read(&mut buf).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        self.stream.read(buf)
    }

    /// Reads exactly `buf.len()` bytes; see [`TcpStream::read_exact`].
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, _writer) = server.split();
    /// client.write_all(b"four").await?;
    /// let mut buf = [0u8; 4];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"four");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.stream.read_exact(buf).await
    }

    /// Reads without consuming; see [`TcpStream::peek`].
    ///
    /// **asyncio:** `sock.recv(n, socket.MSG_PEEK)`.
    ///
    /// # Errors
    ///
    /// As [`OwnedReadHalf::read`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, _writer) = server.split();
    /// client.write_all(b"p").await?;
    /// let mut buf = [0u8; 1];
    /// reader.peek(&mut buf).await?;
    /// reader.read(&mut buf).await?;
    /// assert_eq!(&buf, b"p");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> PeekFuture<'a> {
        self.stream.peek(buf)
    }

    /// Polls a read; see [`TcpStream::poll_read`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_recv()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, _writer) = server.split();
    /// client.write_all(b"z").await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(poll_fn(|cx| reader.poll_read(cx, &mut buf)).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }

    /// Waits until the socket is readable; see [`TcpStream::readable`].
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (reader, _writer) = server.split();
    /// client.write_all(b"r").await?;
    /// reader.readable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.stream.readable().await
    }

    /// The remote address.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` after the peer went away.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (reader, _writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(reader.peer_addr()?, l.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (reader, _writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert!(reader.local_addr()?.port() != 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl OwnedWriteHalf {
    /// Puts the halves back together; see [`OwnedReadHalf::reunite`]. No EOF is sent.
    ///
    /// **asyncio:** no counterpart (see [`ReuniteError`]).
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], carrying both halves, when they are from different streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (r, w) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// let _stream = w.reunite(r).unwrap();
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }

    /// Writes some of `buf`; see [`TcpStream::write`].
    ///
    /// **asyncio:** `loop.sock_send(sock, data)`.
    ///
    /// # Errors
    ///
    /// The OS error, e.g. `BrokenPipe`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(writer.write(b"abc").await?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        self.stream.write(buf)
    }

    /// Writes several buffers with one `writev(2)`; see [`TcpStream::write_vectored`].
    ///
    /// **asyncio:** `transport.writelines(list_of_data)`.
    ///
    /// # Errors
    ///
    /// As [`OwnedWriteHalf::write`].
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// let n = writer.write_vectored(&[IoSlice::new(b"a"), IoSlice::new(b"b")]).await?;
    /// assert_eq!(n, 2);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn write_vectored<'a>(&'a self, bufs: &'a [IoSlice<'a>]) -> WriteVectoredFuture<'a> {
        self.stream.write_vectored(bufs)
    }

    /// Writes all of `buf`; see [`TcpStream::write_all`].
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// writer.write_all(b"all of it").await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.stream.write_all(buf).await
    }

    /// Polls a write; see [`TcpStream::poll_write`].
    ///
    /// **asyncio:** no counterpart (the poll-level form of `loop.sock_send()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(poll_fn(|cx| writer.poll_write(cx, b"w")).await?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    /// Waits until the socket is writable; see [`TcpStream::writable`].
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// writer.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.stream.writable().await
    }

    /// Shuts down the write direction now: the peer reads EOF, the read half keeps reading. Dropping
    /// the half does the same, ignoring errors.
    ///
    /// **asyncio:** `StreamWriter.write_eof()` / `transport.write_eof()`.
    ///
    /// # Errors
    ///
    /// As `shutdown(2)`; a connection already gone (`NotConnected`) is not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = tulip_net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (server, _) = l.accept().await?;
    /// let (_reader, writer) = client.split();
    /// writer.shutdown()?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(server.read(&mut buf).await?, 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        shutdown_write(&self.stream)
    }

    /// The remote address.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` after the peer went away.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(writer.peer_addr()?, l.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
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
    /// # let l = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (_reader, writer) = tulip_net::TcpStream::connect(l.local_addr()?).await?.split();
    /// assert!(writer.local_addr()?.port() != 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

impl futures_io::AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        crate::io::poll_read_vectored(&self.stream.io, cx, bufs)
    }
}

impl futures_io::AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &self.stream).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the write direction (sends EOF).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown())
    }
}
