//! hyper's `Read`/`Write` over tulip's stream sockets, reading into hyper's uninitialised buffer.
#![allow(unsafe_code)]

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncWrite;
use hyper::rt::ReadBufCursor;

/// A tulip stream socket as hyper's I/O: wrap the [`TcpStream`](tulip_net::TcpStream) or
/// [`UnixStream`](tulip_net::UnixStream) you accepted or connected, and hand it to hyper's
/// `serve_connection` or `handshake`.
///
/// **asyncio:** the transport under aiohttp's protocol.
///
/// Reads go straight into hyper's buffer capacity with one `recv` each, and that capacity is not
/// zeroed first (tokio's `TokioIo` does the same through `ReadBuf`); writes use `writev` when hyper
/// has several buffers queued.
///
/// # Examples
///
/// ```
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
/// # tulip_core::run(async {
/// # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// # let addr = listener.local_addr()?;
/// # tulip_core::spawn(async move {
/// #     let (s, _) = listener.accept().await.unwrap();
/// #     let svc = hyper::service::service_fn(|_r| async {
/// #         Ok::<_, std::convert::Infallible>(hyper::Response::new(Empty::<Bytes>::new()))
/// #     });
/// #     hyper::server::conn::http1::Builder::new()
/// #         .serve_connection(tulip_hyper::TulipIo::new(s), svc).await.unwrap();
/// # }).detach();
/// let stream = tulip_net::TcpStream::connect(addr).await?;
/// let (mut sender, conn) =
///     hyper::client::conn::http1::handshake(tulip_hyper::TulipIo::new(stream)).await?;
/// tulip_core::spawn(conn).detach();
/// let req = hyper::Request::get("/").header("host", "example").body(Empty::<Bytes>::new())?;
/// let res = sender.send_request(req).await?;
/// assert_eq!(res.status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct TulipIo<T> {
    inner: T,
}

impl<T> TulipIo<T> {
    /// Wraps a stream.
    ///
    /// **asyncio:** `loop.connect_accepted_socket(protocol_factory, sock)`: a transport around a
    /// socket you already have.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let (a, _b) = tulip_net::UnixStream::pair()?;
    ///     let io = tulip_hyper::TulipIo::new(a);
    ///     assert!(io.get_ref().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(inner: T) -> Self {
        TulipIo { inner }
    }

    /// The stream.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let io = tulip_hyper::TulipIo::new(tulip_net::TcpStream::connect(addr).await?);
    ///     assert_eq!(io.get_ref().peer_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::UnixStream::pair()?;
    ///     let mut io = tulip_hyper::TulipIo::new(a);
    ///     *io.get_mut() = b; // swap in the other end
    ///     assert!(io.get_ref().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`, after which the transport is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::UnixStream::pair()?;
    ///     let a = tulip_hyper::TulipIo::new(a).into_inner();
    ///     a.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"x");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The streams [`TulipIo`] can read from: those with a read into uninitialised memory.
///
/// **asyncio:** `loop.sock_recv_into(sock, buf)`: a read into the caller's buffer (Python's buffers are
/// always initialised).
///
/// # Examples
///
/// ```
/// fn hyper_io<T: tulip_hyper::ReadUninit + Unpin>(s: T) -> impl hyper::rt::Read {
///     tulip_hyper::TulipIo::new(s)
/// }
/// tulip_core::run(async {
///     let (a, _b) = tulip_net::UnixStream::pair()?;
///     let _io = hyper_io(a);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait ReadUninit: sealed::Sealed {
    #[doc(hidden)]
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

// Hidden: not part of the API (and so left out of scripts/check_docs.py's count).
#[doc(hidden)]
mod sealed {
    pub trait Sealed {}
    impl Sealed for tulip_net::TcpStream {}
    impl Sealed for tulip_net::UnixStream {}
}

impl ReadUninit for tulip_net::TcpStream {
    #[inline]
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        tulip_net::TcpStream::poll_read_uninit(self, cx, buf)
    }
}

impl ReadUninit for tulip_net::UnixStream {
    #[inline]
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        tulip_net::UnixStream::poll_read_uninit(self, cx, buf)
    }
}

impl<T: ReadUninit + Unpin> hyper::rt::Read for TulipIo<T> {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `as_mut` requires that no byte already initialised becomes uninitialised through
        // the slice. The slice goes only to `poll_read_uninit`, which hands it to socket2's `recv`:
        // the kernel stores received bytes into it and nothing ever writes `MaybeUninit::uninit()`
        // into it, so initialised bytes stay initialised.
        let unfilled = unsafe { buf.as_mut() };
        let n = ready!(self.inner.poll_read_uninit(cx, unfilled))?;
        // SAFETY: `advance(n)` requires the next `n` bytes of the cursor to be initialised. `recv`
        // returned `n`: the kernel wrote `n` bytes at the start of `unfilled`, which is the cursor's
        // unfilled part, and `n <= unfilled.len()` (recv never reports more than the length given).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T> hyper::rt::Write for TulipIo<T>
where
    T: AsyncWrite + Unpin,
{
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    /// Shuts down the write side (a FIN to the peer); reading stays possible.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
