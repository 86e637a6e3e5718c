//! The accept future and the stream of incoming connections shared by the listeners ([`TcpListener`]
//! and [`UnixListener`]).
//!
//! Both are written once, generic over the listener through the sealed [`Listener`] trait: one poll
//! calls the listener's own `poll_accept` (the `accept4` first, the poller only on `WouldBlock`).
//! `tulip_net::tcp` and `tulip_net::unix` name them with their listener filled in.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::tcp::{TcpListener, TcpStream};
use crate::unix::{UnixListener, UnixStream};

/// A listening socket: [`TcpListener`] or [`UnixListener`]. Sealed; it exists so that [`Accept`] and
/// [`Incoming`] are written once for both.
///
/// **asyncio:** no counterpart (asyncio's `sock_accept` takes any listening socket object).
///
/// # Examples
///
/// ```
/// use tulip_net::{Listener, TcpListener};
/// fn takes_any<L: Listener>(_listener: &L) {}
/// # tulip_core::run(async {
/// takes_any(&TcpListener::bind("127.0.0.1:0").await?);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait Listener: sealed::Accepts {}

impl Listener for TcpListener {}
impl Listener for UnixListener {}

// `pub` items of a private module: nameable in the public bounds below, never by users.
// Hidden: not part of the API (and so left out of scripts/check_docs.py's count).
#[doc(hidden)]
#[allow(unreachable_pub)]
pub(crate) mod sealed {
    use std::io;
    use std::task::{Context, Poll};

    /// What the futures call: the listener's own `poll_accept`.
    pub trait Accepts {
        /// The accepted connection.
        type Stream;
        /// The peer address `accept` returns with it.
        type Addr;
        fn poll_accept(&self, cx: &mut Context<'_>)
            -> Poll<io::Result<(Self::Stream, Self::Addr)>>;
    }
}

impl sealed::Accepts for TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;

    #[inline]
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        TcpListener::poll_accept(self, cx)
    }
}

impl sealed::Accepts for UnixListener {
    type Stream = UnixStream;
    type Addr = std::os::unix::net::SocketAddr;

    #[inline]
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, Self::Addr)>> {
        UnixListener::poll_accept(self, cx)
    }
}

/// The future returned by `accept` on [`TcpListener`](crate::TcpListener::accept) and
/// [`UnixListener`](crate::UnixListener::accept): the next connection and its peer's address.
///
/// `L` is the listener (`TcpListener` unless named; `tulip_net::unix::Accept<'a>` names
/// `UnixListener`). It holds no state of its own: after it completes, polling it again waits for the
/// next connection, so one `Accept` can be kept across the iterations of a hand-written `select` loop.
///
/// **asyncio:** the awaitable returned by `loop.sock_accept(sock)`.
///
/// Dropping it before completion takes no connection off the queue.
///
/// # Examples
///
/// ```
/// use tulip_net::{Accept, TcpListener, TcpStream};
/// # tulip_core::run(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let _client = TcpStream::connect(listener.local_addr()?).await?;
/// let accept: Accept<'_> = listener.accept();
/// let (_conn, _peer) = accept.await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Accept<'a, L: Listener = TcpListener> {
    listener: &'a L,
}

impl<'a, L: Listener> Accept<'a, L> {
    #[inline]
    pub(crate) fn new(listener: &'a L) -> Self {
        Accept { listener }
    }
}

impl<L: Listener> Future for Accept<'_, L> {
    type Output = io::Result<(L::Stream, L::Addr)>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.listener.poll_accept(cx)
    }
}

impl<L: Listener + fmt::Debug> fmt::Debug for Accept<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accept")
            .field("listener", self.listener)
            .finish()
    }
}

/// The stream returned by `incoming` on [`TcpListener`](crate::TcpListener::incoming) and
/// [`UnixListener`](crate::UnixListener::incoming): yields `io::Result<Stream>` forever; an error item
/// (e.g. `EMFILE`) does not end it.
///
/// `L` is the listener (`TcpListener` unless named).
///
/// **asyncio:** the accept loop a `Server` runs for `loop.create_server()`.
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// use tulip_net::tcp::Incoming;
/// use tulip_net::{TcpListener, TcpStream};
/// # tulip_core::run(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let _client = TcpStream::connect(listener.local_addr()?).await?;
/// let mut incoming: Incoming<'_> = listener.incoming();
/// let conn = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
/// assert!(matches!(conn, Some(Ok(_))));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a, L: Listener = TcpListener> {
    listener: &'a L,
}

impl<'a, L: Listener> Incoming<'a, L> {
    #[inline]
    pub(crate) fn new(listener: &'a L) -> Self {
        Incoming { listener }
    }
}

impl<L: Listener> Stream for Incoming<'_, L> {
    type Item = io::Result<L::Stream>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

impl<L: Listener + fmt::Debug> fmt::Debug for Incoming<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}
