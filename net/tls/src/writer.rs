//! `TlsStreamWriter`: asyncio's `StreamWriter` methods over a TLS stream.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsStream;
use tulip_core::sync::Event;
use tulip_net::TcpStream;

/// The writing half of a TLS connection from [`open_connection`](crate::open_connection) or
/// [`start_server`](crate::start_server).
///
/// **asyncio:** `asyncio.StreamWriter` of a connection opened with `ssl=`.
///
/// Differences from `tulip_net::StreamWriter`: `write` buffers, and the data is encrypted and sent by
/// [`drain`](Self::drain), [`close`](Self::close) or dropping the writer (asyncio's SSL transport
/// sends in the background); [`write_eof`](Self::write_eof) is refused, as on asyncio's SSL transport
/// (TLS 1.2 has no half-close).
///
/// # Examples
///
/// See the [crate](crate) documentation.
pub struct TlsStreamWriter<S: AsyncRead + AsyncWrite + Unpin + 'static = TlsStream<TcpStream>> {
    shared: Rc<Shared<S>>,
}

struct Shared<S> {
    io: Rc<RefCell<S>>,
    state: RefCell<State>,
    /// Set once the close (flush, `close_notify`, TCP shutdown) has finished.
    closed: Event,
}

#[derive(Default)]
struct State {
    buf: Vec<u8>,
    closing: bool,
    /// The first send error, kept as kind and message (io::Error is not Clone).
    error: Option<(io::ErrorKind, String)>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> fmt::Debug for TlsStreamWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.borrow();
        f.debug_struct("TlsStreamWriter")
            .field("buffered", &st.buf.len())
            .field("closing", &st.closing)
            .finish()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> TlsStreamWriter<S> {
    pub(crate) fn new(io: Rc<RefCell<S>>) -> Self {
        TlsStreamWriter {
            shared: Rc::new(Shared {
                io,
                state: RefCell::new(State::default()),
                closed: Event::new(),
            }),
        }
    }

    /// Buffers `data` to be encrypted and sent by the next [`drain`](Self::drain) or
    /// [`close`](Self::close).
    ///
    /// **asyncio:** `writer.write(data)`.
    ///
    /// # Errors
    ///
    /// `NotConnected` after `close()`; the connection's earlier send error.
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut st = self.shared.state.borrow_mut();
        if st.closing {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "write after close()",
            ));
        }
        if let Some((kind, msg)) = &st.error {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        st.buf.extend_from_slice(data);
        Ok(())
    }

    /// Writes each buffer of `data` in turn.
    ///
    /// **asyncio:** `writer.writelines(data)`.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub fn writelines<I>(&self, data: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for chunk in data {
            self.write(chunk.as_ref())?;
        }
        Ok(())
    }

    /// Encrypts and sends everything written so far.
    ///
    /// **asyncio:** `await writer.drain()`.
    ///
    /// # Errors
    ///
    /// The connection's send error (kept: later writes fail with it too).
    pub async fn drain(&self) -> io::Result<()> {
        let res = flush(&self.shared).await;
        if let Err(e) = &res {
            self.shared
                .state
                .borrow_mut()
                .error
                .get_or_insert_with(|| (e.kind(), e.to_string()));
        }
        res
    }

    /// Always `false`: TLS has no half-close.
    ///
    /// **asyncio:** `writer.can_write_eof()`, `False` on an SSL transport.
    pub fn can_write_eof(&self) -> bool {
        false
    }

    /// Refused with `Unsupported`: use [`close`](Self::close), which ends the TLS session.
    ///
    /// **asyncio:** `writer.write_eof()` on an SSL transport raises.
    ///
    /// # Errors
    ///
    /// Always.
    pub fn write_eof(&self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "TLS connections cannot write EOF; close() sends close_notify",
        ))
    }

    /// Starts closing: the buffered data is sent, then TLS `close_notify`, then the TCP write side is
    /// shut down; in the background, on the running loop. Idempotent.
    ///
    /// **asyncio:** `writer.close()`.
    pub fn close(&self) {
        start_close(&self.shared);
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// **asyncio:** `writer.is_closing()`.
    pub fn is_closing(&self) -> bool {
        self.shared.state.borrow().closing
    }

    /// Waits until the close has finished.
    ///
    /// **asyncio:** `await writer.wait_closed()`.
    ///
    /// # Errors
    ///
    /// The error that stopped the buffered data or the `close_notify` from being sent.
    pub async fn wait_closed(&self) -> io::Result<()> {
        start_close(&self.shared);
        self.shared.closed.wait().await;
        match &self.shared.state.borrow().error {
            Some((kind, msg)) => Err(io::Error::new(*kind, msg.clone())),
            None => Ok(()),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> Drop for TlsStreamWriter<S> {
    /// Dropping the writer closes the connection as [`close`](Self::close) does (asyncio closes the
    /// transport when the writer is garbage-collected), when a loop is running to do it.
    fn drop(&mut self) {
        start_close(&self.shared);
    }
}

/// Sends the buffer, then flushes the TLS stream.
async fn flush<S: AsyncWrite + Unpin>(shared: &Shared<S>) -> io::Result<()> {
    poll_fn(|cx| {
        loop {
            let mut st = shared.state.borrow_mut();
            if st.buf.is_empty() {
                break;
            }
            let mut io = shared.io.borrow_mut();
            match Pin::new(&mut *io).poll_write(cx, &st.buf) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero)))
                }
                Poll::Ready(Ok(n)) => {
                    st.buf.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut *shared.io.borrow_mut()).poll_flush(cx)
    })
    .await
}

fn start_close<S: AsyncRead + AsyncWrite + Unpin + 'static>(shared: &Rc<Shared<S>>) {
    {
        let mut st = shared.state.borrow_mut();
        if st.closing {
            return;
        }
        st.closing = true;
    }
    if tulip_core::try_get_running_loop().is_none() {
        // No loop to send on: the socket is closed without close_notify when the last half drops.
        shared.closed.set();
        return;
    }
    let shared = shared.clone();
    tulip_core::spawn(async move {
        let mut res = flush(&shared).await;
        if res.is_ok() {
            res = poll_fn(|cx| Pin::new(&mut *shared.io.borrow_mut()).poll_close(cx)).await;
        }
        if let Err(e) = res {
            // A peer that already went away is closed all the same.
            if e.kind() != io::ErrorKind::NotConnected {
                shared
                    .state
                    .borrow_mut()
                    .error
                    .get_or_insert_with(|| (e.kind(), e.to_string()));
            }
        }
        shared.closed.set();
    })
    .detach();
}
