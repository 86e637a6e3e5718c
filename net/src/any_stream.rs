//! The stream a `Transport` handle writes to, whatever its type: TCP and Unix sockets by value (so
//! `write`'s direct send stays a static call), any other `ByteStream` behind a trait object; and the
//! connection's addresses, recorded when it is made.

use std::any::Any;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::byte_stream::ByteStream;
use crate::tcp::TcpStream;
use crate::unix::UnixStream;

/// A transport's stream with its type erased.
#[derive(Clone)]
pub(crate) enum AnyStream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Other(Rc<dyn DynStream>),
}

impl AnyStream {
    /// Erases `stream`'s type, keeping sockets by value.
    pub(crate) fn new<S: ByteStream>(stream: S) -> AnyStream {
        let any: Box<dyn Any> = Box::new(stream);
        let any = match any.downcast::<TcpStream>() {
            Ok(tcp) => return AnyStream::Tcp(*tcp),
            Err(any) => any,
        };
        let any = match any.downcast::<UnixStream>() {
            Ok(unix) => return AnyStream::Unix(*unix),
            Err(any) => any,
        };
        match any.downcast::<S>() {
            Ok(s) => AnyStream::Other(Rc::new(*s)),
            // `any` was made from an `S` just above.
            Err(_) => unreachable!("a Box<dyn Any> made from S downcasts to S"),
        }
    }

    /// A clone of the stream if it is an `S`.
    pub(crate) fn downcast<S: ByteStream>(&self) -> Option<S> {
        let any: &dyn Any = match self {
            AnyStream::Tcp(s) => s,
            AnyStream::Unix(s) => s,
            AnyStream::Other(s) => s.as_any(),
        };
        any.downcast_ref::<S>().cloned()
    }

    /// The socket beneath, for its options: TCP and Unix sockets only.
    pub(crate) fn sock_ref(&self) -> Option<socket2::SockRef<'_>> {
        match self {
            AnyStream::Tcp(s) => Some(socket2::SockRef::from(s)),
            AnyStream::Unix(s) => Some(socket2::SockRef::from(s)),
            AnyStream::Other(_) => None,
        }
    }
}

/// [`ByteStream`] in a form that can be a trait object (no associated type, no `Clone`).
pub(crate) trait DynStream {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    fn wants_flush(&self) -> bool;
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>>;
    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn start_closing(&self);
    fn abort(&self);
    fn can_write_eof(&self) -> bool;
    fn as_any(&self) -> &dyn Any;
}

impl<S: ByteStream> DynStream for S {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        ByteStream::poll_read(self, cx, buf)
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ByteStream::poll_write(self, cx, buf)
    }
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        ByteStream::try_write(self, buf)
    }
    fn wants_flush(&self) -> bool {
        ByteStream::wants_flush(self)
    }
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ByteStream::poll_flush(self, cx)
    }
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        ByteStream::poll_shutdown(self, cx, how)
    }
    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ByteStream::poll_close(self, cx)
    }
    fn start_closing(&self) {
        ByteStream::start_closing(self)
    }
    fn abort(&self) {
        ByteStream::abort(self)
    }
    fn can_write_eof(&self) -> bool {
        ByteStream::can_write_eof(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Dispatches one call: a static call for the socket variants.
macro_rules! each {
    ($self:ident . $m:ident ( $($arg:expr),* )) => {
        match $self {
            AnyStream::Tcp(s) => ByteStream::$m(s, $($arg),*),
            AnyStream::Unix(s) => ByteStream::$m(s, $($arg),*),
            AnyStream::Other(s) => DynStream::$m(&**s, $($arg),*),
        }
    };
}

impl ByteStream for AnyStream {
    /// Unused: a transport records its addresses as [`Addrs`] when it is made.
    type Addr = ();

    #[inline]
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        each!(self.poll_read(cx, buf))
    }
    #[inline]
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            AnyStream::Tcp(s) => ByteStream::poll_read_ready(s, cx),
            AnyStream::Unix(s) => ByteStream::poll_read_ready(s, cx),
            AnyStream::Other(_) => Poll::Ready(Ok(())),
        }
    }
    #[inline]
    fn poll_read_spare(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Option<Poll<io::Result<usize>>> {
        match self {
            AnyStream::Tcp(s) => ByteStream::poll_read_spare(s, cx, buf),
            AnyStream::Unix(s) => ByteStream::poll_read_spare(s, cx, buf),
            AnyStream::Other(_) => None,
        }
    }
    #[inline]
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        each!(self.poll_write(cx, buf))
    }
    #[inline]
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        each!(self.try_write(buf))
    }
    #[inline]
    fn wants_flush(&self) -> bool {
        each!(self.wants_flush())
    }
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.poll_flush(cx))
    }
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        each!(self.poll_shutdown(cx, how))
    }
    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.poll_close(cx))
    }
    fn start_closing(&self) {
        each!(self.start_closing())
    }
    fn abort(&self) {
        each!(self.abort())
    }
    fn can_write_eof(&self) -> bool {
        each!(self.can_write_eof())
    }
    fn peer_addr(&self) -> io::Result<()> {
        Ok(())
    }
    fn local_addr(&self) -> io::Result<()> {
        Ok(())
    }
}

/// The two ends of a Unix-socket connection.
#[derive(Clone, Debug)]
pub(crate) struct UnixAddrs {
    pub(crate) peer: std::os::unix::net::SocketAddr,
    pub(crate) local: std::os::unix::net::SocketAddr,
}

/// A connection's addresses, recorded when it is made (asyncio's `peername` / `sockname`).
#[derive(Clone, Debug)]
pub(crate) enum Addrs {
    Inet {
        peer: SocketAddr,
        local: SocketAddr,
    },
    /// Boxed: a Unix socket address is 110 bytes, and every transport (TCP ones too) carries an
    /// `Addrs`; unboxed, the pair cost each idle TCP connection about 0.2 KiB.
    Unix(Box<UnixAddrs>),
    /// A pipe, or a stream whose addresses are neither.
    None,
}

impl Addrs {
    /// Reads `stream`'s addresses.
    ///
    /// # Errors
    ///
    /// When the stream is not connected (its peer address cannot be read).
    pub(crate) fn of<S: ByteStream>(stream: &S) -> io::Result<Addrs> {
        let peer: Box<dyn Any> = Box::new(stream.peer_addr()?);
        let local: Box<dyn Any> = Box::new(stream.local_addr()?);
        let (peer, local) = match (
            peer.downcast::<SocketAddr>(),
            local.downcast::<SocketAddr>(),
        ) {
            (Ok(peer), Ok(local)) => {
                return Ok(Addrs::Inet {
                    peer: *peer,
                    local: *local,
                })
            }
            (peer, local) => (peer.err(), local.err()),
        };
        type UnixAddr = std::os::unix::net::SocketAddr;
        match (
            peer.and_then(|p| p.downcast::<UnixAddr>().ok()),
            local.and_then(|l| l.downcast::<UnixAddr>().ok()),
        ) {
            (Some(peer), Some(local)) => Ok(Addrs::Unix(Box::new(UnixAddrs {
                peer: *peer,
                local: *local,
            }))),
            _ => Ok(Addrs::None),
        }
    }
}

impl fmt::Display for Addrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addrs::Inet { peer, .. } => write!(f, "{peer}"),
            Addrs::Unix(u) => write!(f, "{:?}", u.peer),
            Addrs::None => f.write_str("(no address)"),
        }
    }
}
