//! Handing a running connection's stream over to be upgraded (asyncio's `loop.start_tls()` on a
//! transport): the connection's task stops reading, sends what is buffered, and gives the stream and
//! the protocol back instead of ending with `connection_lost`; a new transport then runs the same
//! protocol over the upgraded stream. The seam `tulip-tls` builds `start_tls` for transports on.

use std::any::Any;
use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Poll, Waker};

use crate::any_stream::{Addrs, AnyStream};
use crate::byte_stream::ByteStream;
use crate::connection::Connection;
use crate::protocol::Protocol;
use crate::transport::Transport;

/// The stream and protocol a connection's task gave back.
type HandedOver = (Box<dyn Any>, Rc<RefCell<dyn Protocol>>);

/// Where a handover stands, in the transport's state.
#[derive(Default)]
pub(crate) enum Handover {
    #[default]
    Idle,
    /// Asked for: the task stops reading and hands over once the buffer is sent.
    Requested(Option<Waker>),
    /// Done: what the task gave back, for the caller to take.
    Done(HandedOver),
}

impl Handover {
    #[inline]
    pub(crate) fn requested(&self) -> bool {
        matches!(self, Handover::Requested(_))
    }

    /// The task gives back its stream and the protocol.
    pub(crate) fn complete(&mut self, handed: HandedOver) {
        if let Handover::Requested(Some(waker)) = std::mem::replace(self, Handover::Done(handed)) {
            waker.wake();
        }
    }
}

impl Transport {
    /// Stops the connection (reading at once, after sending what is buffered) and returns its stream
    /// (the connection's own type, boxed: a `TcpStream` for TCP) and its protocol, without
    /// `connection_lost`. The transport is then closed.
    ///
    /// Not part of the API: public for `tulip-tls` (`tulip_tls::upgrade_transport_client`).
    ///
    /// # Errors
    ///
    /// `NotConnected` when the transport is closing or closed, or a handover is under way; the
    /// connection's error when it fails before the buffer is sent.
    #[doc(hidden)]
    pub async fn detach_for_upgrade(&self) -> io::Result<HandedOver> {
        {
            let mut st = self.inner.state.borrow_mut();
            if st.link.side.closing || !matches!(st.handover, Handover::Idle) {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the transport is closing, closed or being upgraded",
                ));
            }
            st.handover = Handover::Requested(None);
            st.link.task.wake();
        }
        poll_fn(|cx| {
            let mut st = self.inner.state.borrow_mut();
            match std::mem::take(&mut st.handover) {
                Handover::Done(handed) => Poll::Ready(Ok(handed)),
                Handover::Requested(_) if st.link.side.lost => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the connection ended before it could be upgraded",
                ))),
                Handover::Requested(_) | Handover::Idle => {
                    st.handover = Handover::Requested(Some(cx.waker().clone()));
                    Poll::Pending
                }
            }
        })
        .await
    }
}

/// Runs `protocol`, which a connection handed over, on the upgraded `stream`: a new transport and its
/// task, without calling `connection_made` again (as asyncio's `start_tls`).
///
/// Not part of the API: public for `tulip-tls`.
///
/// # Errors
///
/// When the stream is not connected (its peer address cannot be read).
#[doc(hidden)]
pub fn connect_upgraded<S: ByteStream>(
    protocol: Rc<RefCell<dyn Protocol>>,
    stream: S,
) -> io::Result<Transport> {
    let addrs = Addrs::of(&stream)?;
    let transport = Transport::new(AnyStream::new(stream.clone()), addrs, protocol.clone());
    let conn = Connection::new(transport.clone(), stream, protocol, None).made();
    tulip_core::spawn(conn).detach();
    Ok(transport)
}
