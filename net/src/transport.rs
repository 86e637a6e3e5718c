//! `Transport`: the handle a `Protocol` writes to, and the state it shares with its connection's task.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::any_stream::{Addrs, AnyStream};
use crate::buffer::{WriteBuf, Written};
use crate::byte_stream::ByteStream;
use crate::handover::Handover;
use crate::link::{deliver_flow, Link};
use crate::protocol::Protocol;
use crate::sendfile::{busy_error, SendfileSlot};

/// A handle to one stream connection: write to it, close it, pause its reading. Cheap to clone (an
/// `Rc`); every clone is the same connection. Loop-local (`!Send`), like an asyncio transport.
///
/// The connection may be over any [`ByteStream`]: TCP ([`create_connection`](crate::create_connection),
/// [`create_server`](crate::create_server)), a Unix socket
/// ([`create_unix_connection`](crate::create_unix_connection),
/// [`create_unix_server`](crate::create_unix_server)), a pipe
/// ([`connect_read_pipe`](crate::connect_read_pipe), [`connect_write_pipe`](crate::connect_write_pipe))
/// or TLS (`tulip_tls::create_connection`); [`Transport::stream`] gives the stream back by type.
///
/// The connection itself is driven by one task, which reads into a buffer the loop lends for each read
/// ([`ReadBuffer`](crate::ReadBuffer)) and calls the [`Protocol`]'s methods, and sends what `write` could not send at once. Dropping handles closes
/// nothing: the connection ends with `close()`, `abort()`, the peer's EOF (unless `eof_received`
/// returns `true`) or an error, and then the socket is closed and the protocol dropped.
///
/// **asyncio:** [`asyncio.Transport`](https://docs.python.org/3/library/asyncio-protocol.html#transports)
/// (`_SelectorSocketTransport`). Differences: `write` after `close()`, `abort()` or the end of the
/// connection returns `ErrorKind::NotConnected`, and after `write_eof()` returns `ErrorKind::BrokenPipe`
/// (asyncio logs a warning, or raises `RuntimeError` after `write_eof`); `get_extra_info("peername")` is
/// [`Transport::peer_addr`].
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// struct Hello;
/// impl Protocol for Hello {
///     fn connection_made(&mut self, transport: Transport) {
///         transport.write(b"hello").unwrap();
///         transport.close(); // flushes, then closes
///     }
/// }
///
/// tulip_core::run(async {
///     let server = tulip_net::create_server(|| Hello, "127.0.0.1:0").await?;
///     let client = tulip_net::TcpStream::connect(server.local_addrs()[0]).await?;
///     let mut buf = [0u8; 5];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello");
///     assert_eq!(client.read(&mut buf).await?, 0); // closed
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Transport {
    pub(crate) inner: Rc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) state: RefCell<State>,
    addrs: Addrs,
    can_write_eof: bool,
}

/// What the handle and the connection's task share.
pub(crate) struct State {
    /// The stream, the write side (its `closing` also stops reading), the task and the protocol.
    pub(crate) link: Link<AnyStream, WriteBuf, dyn Protocol>,
    pub(crate) reading_paused: bool,
    /// A write failed: the connection task reports it to `connection_lost`.
    pub(crate) error: Option<io::Error>,
    /// A running `sendfile` owns the write side (`sendfile.rs`).
    pub(crate) sendfile: SendfileSlot,
    /// A handover of the stream for an upgrade (TLS), if one was asked for.
    pub(crate) handover: Handover,
}

impl AsMut<Link<AnyStream, WriteBuf, dyn Protocol>> for State {
    fn as_mut(&mut self) -> &mut Link<AnyStream, WriteBuf, dyn Protocol> {
        &mut self.link
    }
}

impl State {
    /// A write failed: stop everything and let the task report `err`.
    pub(crate) fn fatal(&mut self, err: io::Error) {
        if self.error.is_none() && !self.link.side.lost {
            self.error = Some(err);
        }
        self.link.side.closing = true;
        self.link.side.buf.clear();
        self.link.task.wake();
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.try_borrow();
        let mut d = f.debug_struct("Transport");
        d.field("addrs", &self.inner.addrs);
        if let Ok(st) = st {
            d.field("closing", &st.link.side.closing)
                .field("write_buffer_size", &st.link.side.buf.len());
        }
        d.finish()
    }
}

impl Transport {
    pub(crate) fn new(
        sock: AnyStream,
        addrs: Addrs,
        protocol: Rc<RefCell<dyn Protocol>>,
    ) -> Transport {
        Transport {
            inner: Rc::new(Inner {
                can_write_eof: sock.can_write_eof(),
                state: RefCell::new(State {
                    link: Link::new(sock, protocol),
                    reading_paused: false,
                    error: None,
                    sendfile: SendfileSlot::default(),
                    handover: Handover::Idle,
                }),
                addrs,
            }),
        }
    }

    /// Writes `data` without ever blocking: when nothing is buffered it is sent at once (one `send`
    /// syscall), and whatever the socket does not take is buffered and sent by the connection's task as
    /// the socket becomes writable. Above the high-water mark the protocol gets `pause_writing`.
    ///
    /// A send error (e.g. `ConnectionReset`) is not returned here: as in asyncio it ends the connection
    /// and reaches the protocol as `connection_lost(Some(err))`.
    ///
    /// **asyncio:** `WriteTransport.write(data)`.
    ///
    /// # Errors
    ///
    /// `NotConnected` when the transport is closing or closed (after `close()`, `abort()`, a fatal
    /// error or `connection_lost`); `BrokenPipe` after `write_eof()`; `ResourceBusy` while
    /// [`sendfile`](crate::sendfile()) sends a file on it. The data is not sent then.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.write(b"hi").unwrap();
    ///         t.close();
    ///         assert_eq!(t.write(b"late").unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 2];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// # });
    /// ```
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut guard = self.inner.state.borrow_mut();
        let st = &mut *guard;
        st.link.side.check_write()?;
        if st.sendfile.is_active() {
            return Err(busy_error());
        }
        if data.is_empty() {
            return Ok(());
        }
        let sock = st
            .link
            .sock
            .as_ref()
            .expect("an open transport has its socket");
        match st.link.side.send_or_buffer(sock, data) {
            Ok(Written::Sent) => {
                // A TLS stream may hold the record it made until the socket takes it.
                if sock.wants_flush() {
                    st.link.task.wake();
                }
                return Ok(());
            }
            // The task must arm the socket for writing.
            Ok(Written::Buffered { first: true }) => st.link.task.wake(),
            Ok(Written::Buffered { first: false }) => {}
            Err(e) => {
                st.fatal(e);
                return Ok(());
            }
        }
        if st.link.side.note_high() {
            drop(guard);
            self.inner.deliver_flow();
        }
        Ok(())
    }

    /// Writes each buffer in turn, as [`Transport::write`].
    ///
    /// **asyncio:** `WriteTransport.writelines(list_of_data)`.
    ///
    /// # Errors
    ///
    /// As [`Transport::write`]; the buffers after a failing one are not written.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.writelines([&b"ab"[..], b"cd"]).unwrap();
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 4];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// #     assert_eq!(&b, b"abcd");
    /// # });
    /// ```
    pub fn writelines<I>(&self, list_of_data: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for data in list_of_data {
            self.write(data.as_ref())?;
        }
        Ok(())
    }

    /// Shuts down the write side (sends EOF) once the buffered data is sent; reading goes on. A no-op
    /// when already closing or after an earlier `write_eof`.
    ///
    /// **asyncio:** `WriteTransport.write_eof()`.
    ///
    /// # Errors
    ///
    /// The `shutdown(2)` error when nothing is buffered and the socket refuses (e.g. `NotConnected`
    /// after a reset); `Unsupported` on a stream that cannot half-close (TLS, a pipe).
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.write(b"last words").unwrap();
    ///         t.write_eof().unwrap();
    ///         assert_eq!(t.write(b"x").unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 10];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// #     assert_eq!(c.read(&mut b).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn write_eof(&self) -> io::Result<()> {
        let mut guard = self.inner.state.borrow_mut();
        let st = &mut *guard;
        match &st.link.sock {
            Some(sock) => {
                if !st.link.side.write_eof(sock)? {
                    st.link.task.wake();
                }
                Ok(())
            }
            // The connection has ended, so `closing` is set: a no-op.
            None => Ok(()),
        }
    }

    /// Whether the stream can half-close: `true` for TCP and Unix sockets, `false` for TLS and pipes.
    ///
    /// **asyncio:** `WriteTransport.can_write_eof()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         assert!(t.can_write_eof());
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn can_write_eof(&self) -> bool {
        self.inner.can_write_eof
    }

    /// Closes the connection: reading stops at once, buffered data is still sent, then the socket is
    /// closed and the protocol gets `connection_lost(None)` (from the connection's task, never from
    /// inside this call). Closing twice is harmless.
    ///
    /// **asyncio:** `BaseTransport.close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.write(b"bye").unwrap();
    ///         t.close();
    ///         assert!(t.is_closing());
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 3];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// #     assert_eq!(c.read(&mut b).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn close(&self) {
        let mut st = self.inner.state.borrow_mut();
        if !st.link.side.closing {
            if let Some(sock) = &st.link.sock {
                sock.start_closing();
            }
        }
        st.link.close();
        st.sendfile.wake();
    }

    /// Closes the connection at once: buffered data is dropped, then `connection_lost(None)` follows
    /// (from the connection's task).
    ///
    /// **asyncio:** `WriteTransport.abort()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.abort();
    ///         assert_eq!(t.get_write_buffer_size(), 0);
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let _ = c.read(&mut [0u8; 1]).await;
    /// # });
    /// ```
    pub fn abort(&self) {
        let mut st = self.inner.state.borrow_mut();
        st.link.abort();
        st.sendfile.wake();
    }

    /// Whether the transport is closing or closed (after `close()`, `abort()`, a fatal error or the end
    /// of the connection).
    ///
    /// **asyncio:** `BaseTransport.is_closing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         assert!(!t.is_closing());
    ///         t.close();
    ///         assert!(t.is_closing());
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn is_closing(&self) -> bool {
        self.inner.state.borrow().link.side.closing
    }

    /// Stops reading until [`resume_reading`](Transport::resume_reading): no `data_received` calls
    /// meanwhile, and the peer is slowed down by TCP flow control. A no-op when closing or already
    /// paused.
    ///
    /// **asyncio:** `ReadTransport.pause_reading()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.pause_reading();
    ///         assert!(!t.is_reading());
    ///         t.resume_reading();
    ///         assert!(t.is_reading());
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn pause_reading(&self) {
        let mut st = self.inner.state.borrow_mut();
        if st.link.side.closing || st.reading_paused {
            return;
        }
        st.reading_paused = true;
    }

    /// Resumes reading after [`pause_reading`](Transport::pause_reading). A no-op when closing or not
    /// paused.
    ///
    /// **asyncio:** `ReadTransport.resume_reading()`.
    ///
    /// # Examples
    ///
    /// See [`Transport::pause_reading`].
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.resume_reading(); // not paused: nothing happens
    ///         assert!(t.is_reading());
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn resume_reading(&self) {
        let mut st = self.inner.state.borrow_mut();
        if st.link.side.closing || !st.reading_paused {
            return;
        }
        st.reading_paused = false;
        st.link.task.wake();
    }

    /// Whether the transport is reading: not paused and not closing.
    ///
    /// **asyncio:** `ReadTransport.is_reading()`.
    ///
    /// # Examples
    ///
    /// See [`Transport::pause_reading`].
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         assert!(t.is_reading());
    ///         t.close();
    ///         assert!(!t.is_reading());
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn is_reading(&self) -> bool {
        let st = self.inner.state.borrow();
        !st.reading_paused && !st.link.side.closing
    }

    /// Sets the write buffer's water marks: `pause_writing` when the buffer grows above `high`,
    /// `resume_writing` when it drains to `low` or below. `None` picks asyncio's defaults: `high` is
    /// `4 * low` (64 KiB when both are `None`), `low` is `high / 4`. If the buffer is already above the
    /// new `high`, the protocol is paused.
    ///
    /// **asyncio:** `WriteTransport.set_write_buffer_limits(high=None, low=None)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `high < low`; the limits are unchanged then.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         assert_eq!(t.get_write_buffer_limits(), (16384, 65536));
    ///         t.set_write_buffer_limits(Some(4096), None).unwrap();
    ///         assert_eq!(t.get_write_buffer_limits(), (1024, 4096));
    ///         assert!(t.set_write_buffer_limits(Some(1), Some(2)).is_err());
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let crossed = self
            .inner
            .state
            .borrow_mut()
            .link
            .side
            .set_limits(high, low)?;
        if crossed {
            self.inner.deliver_flow();
        }
        Ok(())
    }

    /// The water marks as `(low, high)`, in asyncio's order.
    ///
    /// **asyncio:** `WriteTransport.get_write_buffer_limits()`.
    ///
    /// # Examples
    ///
    /// See [`Transport::set_write_buffer_limits`].
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         let (low, high) = t.get_write_buffer_limits();
    ///         assert!(low <= high);
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(c.read(&mut [0u8; 1]).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        let st = self.inner.state.borrow();
        (st.link.side.limits.low, st.link.side.limits.high)
    }

    /// Whether the write buffer went above the high-water mark and has not yet drained to the low one:
    /// the protocol has been, or is about to be, told `pause_writing`.
    ///
    /// A protocol that produces data in a loop inside one of its own methods checks this: its
    /// `pause_writing` cannot run while that method holds `&mut self`, so it comes right after the
    /// method returns.
    ///
    /// **asyncio:** no public counterpart (the transport's `_protocol_paused`); asyncio calls
    /// `pause_writing()` from inside `write()`, which Rust's `&mut self` rules out here.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// // Sends 1 MiB without letting the buffer grow far beyond the high-water mark.
    /// struct Producer { t: Option<Transport>, left: usize }
    /// impl Producer {
    ///     fn produce(&mut self) {
    ///         let t = self.t.as_ref().unwrap();
    ///         while self.left > 0 && !t.is_writing_paused() {
    ///             t.write(&[b'x'; 16 * 1024]).unwrap();
    ///             self.left -= 16 * 1024;
    ///         }
    ///         if self.left == 0 {
    ///             t.close();
    ///         }
    ///     }
    /// }
    /// impl Protocol for Producer {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         self.t = Some(t);
    ///         self.produce();
    ///     }
    ///     fn resume_writing(&mut self) {
    ///         self.produce();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| Producer { t: None, left: 1 << 20 }, "127.0.0.1:0").await.unwrap();
    /// #     let (mut r, _w) = tulip_net::open_connection(server.local_addrs()[0]).await.unwrap();
    /// #     assert_eq!(r.read_to_end().await.unwrap().len(), 1 << 20);
    /// # });
    /// ```
    pub fn is_writing_paused(&self) -> bool {
        self.inner.state.borrow().link.side.flow.want
    }

    /// How many bytes are buffered, accepted by `write` but not yet sent.
    ///
    /// **asyncio:** `WriteTransport.get_write_buffer_size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// struct P;
    /// impl Protocol for P {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         t.write(b"small").unwrap(); // sent at once
    ///         assert_eq!(t.get_write_buffer_size(), 0);
    ///         t.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| P, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 5];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// # });
    /// ```
    #[doc(alias = "write_buffer_size")]
    pub fn get_write_buffer_size(&self) -> usize {
        self.inner.state.borrow().link.side.buf.len()
    }

    /// The remote address (kept after the connection ends).
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the connection is not over IP (a Unix socket: see
    /// [`unix_peer_addr`](Transport::unix_peer_addr); a pipe). For TCP the address is recorded when
    /// the connection is made, so this never fails.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let addr = server.local_addrs()[0];
    ///     let (transport, _protocol) = tulip_net::create_connection(|| Nothing, addr).await?;
    ///     assert_eq!(transport.peer_addr()?, addr);
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner.addrs {
            Addrs::Inet { peer, .. } => Ok(*peer),
            _ => Err(not_of_kind("IP")),
        }
    }

    /// The local address (kept after the connection ends).
    ///
    /// **asyncio:** `transport.get_extra_info("sockname")`.
    ///
    /// # Errors
    ///
    /// As [`peer_addr`](Transport::peer_addr).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     # let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let (transport, _) = tulip_net::create_connection(|| Nothing, server.local_addrs()[0]).await?;
    ///     assert!(transport.local_addr()?.ip().is_loopback());
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner.addrs {
            Addrs::Inet { local, .. } => Ok(*local),
            _ => Err(not_of_kind("IP")),
        }
    }

    /// The remote address of a Unix-socket connection (kept after the connection ends).
    ///
    /// **asyncio:** `transport.get_extra_info("peername")` of a Unix transport.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the connection is not over a Unix socket.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     let (transport, _) = tulip_net::connect_accepted_socket(|| Nothing, a)?;
    ///     assert!(transport.unix_peer_addr()?.is_unnamed());
    ///     assert!(transport.peer_addr().is_err()); // not an IP connection
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn unix_peer_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        match &self.inner.addrs {
            Addrs::Unix(u) => Ok(u.peer.clone()),
            _ => Err(not_of_kind("Unix-socket")),
        }
    }

    /// The local address of a Unix-socket connection (kept after the connection ends).
    ///
    /// **asyncio:** `transport.get_extra_info("sockname")` of a Unix transport.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the connection is not over a Unix socket.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let (a, _b) = tulip_net::unix::UnixStream::pair()?;
    ///     let (transport, _) = tulip_net::connect_accepted_socket(|| Nothing, a)?;
    ///     assert!(transport.unix_local_addr()?.is_unnamed());
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn unix_local_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        match &self.inner.addrs {
            Addrs::Unix(u) => Ok(u.local.clone()),
            _ => Err(not_of_kind("Unix-socket")),
        }
    }

    /// The connection's stream if it is an `S` (a handle to it: a clone), `None` for another type or
    /// once the connection has ended. With TLS this is how the protocol reaches the peer certificate
    /// and the cipher (`transport.stream::<tulip_tls::TlsSocket>()`).
    ///
    /// **asyncio:** `transport.get_extra_info("ssl_object")` (and `"socket"`, `"pipe"`). Reading or
    /// writing the stream directly would bypass the transport: use it for what it tells.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{TcpStream, unix::UnixStream};
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     # let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let (transport, _) = tulip_net::create_connection(|| Nothing, server.local_addrs()[0]).await?;
    ///     let tcp: TcpStream = transport.stream().unwrap();
    ///     assert!(tcp.nodelay()?);
    ///     assert!(transport.stream::<UnixStream>().is_none());
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    #[doc(alias = "ssl_object")]
    pub fn stream<S: ByteStream>(&self) -> Option<S> {
        self.inner.state.borrow().link.sock.as_ref()?.downcast()
    }

    /// Calls `f` with the connection's socket, to read or set socket options; `None` once the
    /// connection has ended and the socket is closed, and for connections that are not a plain TCP or
    /// Unix socket (TLS, pipes: see [`Transport::stream`]). Reading from or writing to the socket directly
    /// would bypass the transport: use the options only.
    ///
    /// **asyncio:** `transport.get_extra_info("socket")`, a `TransportSocket` limited to the option
    /// methods. Differences: a `socket2::SockRef` lent to a closure rather than an object to keep.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     # let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let (transport, _) = tulip_net::create_connection(|| Nothing, server.local_addrs()[0]).await?;
    ///     let nodelay = transport.with_socket(|sock| sock.nodelay()).unwrap()?;
    ///     assert!(nodelay); // asyncio sets TCP_NODELAY, and so does tulip
    ///     # transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn with_socket<R>(&self, f: impl FnOnce(socket2::SockRef<'_>) -> R) -> Option<R> {
        // A clone of the stream (one more reference to the same descriptor), so that `f` runs with no
        // transport state borrowed and may call the transport.
        let sock = self.inner.state.borrow().link.sock.clone()?;
        Some(f(sock.sock_ref()?))
    }
}

/// A getter for addresses of another kind than the connection has.
#[cold]
fn not_of_kind(kind: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a {kind} connection"),
    )
}

impl Inner {
    /// Tells the protocol about a water-mark crossing it has not heard of yet, unless it is running
    /// (then its task does so right after the running method returns). No state is borrowed during the
    /// call.
    pub(crate) fn deliver_flow(&self) {
        deliver_flow(&self.state);
    }
}
