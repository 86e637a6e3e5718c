//! asyncio's `BufferedProtocol`: the protocol hands out the memory its connection reads into.

use std::io;

use crate::protocol::Protocol;
use crate::transport::Transport;

/// The callbacks of a stream connection that reads straight into the protocol's own memory: the
/// connection asks [`get_buffer`](BufferedProtocol::get_buffer) for somewhere to read, reads into it
/// and reports how many bytes it wrote with [`buffer_updated`](BufferedProtocol::buffer_updated). No
/// copy, and no read buffer but the protocol's.
///
/// Every `BufferedProtocol` is a [`Protocol`] (a blanket implementation), so it runs wherever a protocol
/// does: [`create_connection`](crate::create_connection), [`create_server`](crate::create_server),
/// [`connect_accepted_socket`](crate::connect_accepted_socket), [`Transport::set_protocol`]. The order of
/// calls is `Protocol`'s, with `get_buffer` / `buffer_updated` pairs in place of `data_received`.
///
/// **asyncio:** [`asyncio.BufferedProtocol`](https://docs.python.org/3/library/asyncio-protocol.html#buffered-streaming-protocols).
/// Differences: `get_buffer` returns `&mut [u8]` borrowed from the protocol (asyncio: any writable
/// buffer object); an empty buffer is reported to the loop's exception handler
/// ([`ExceptionKind::ProtocolError`](tulip_core::ExceptionKind::ProtocolError)) and ends the connection
/// with `connection_lost(Some(err))`, `err` of kind `InvalidInput` (asyncio: the same report and a fatal
/// `RuntimeError`). With both traits in scope, call a buffered
/// protocol's methods through the trait (`BufferedProtocol::connection_made(&mut p, t)`): the two share
/// method names.
///
/// # Examples
///
/// A protocol that reads fixed 4-byte records into one buffer it owns:
///
/// ```
/// use tulip_net::{BufferedProtocol, Transport};
///
/// #[derive(Default)]
/// struct Records {
///     buf: [u8; 4],
///     filled: usize,
///     records: Vec<[u8; 4]>,
/// }
///
/// impl BufferedProtocol for Records {
///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
///         &mut self.buf[self.filled..] // the rest of the current record
///     }
///     fn buffer_updated(&mut self, nbytes: usize) {
///         self.filled += nbytes;
///         if self.filled == self.buf.len() {
///             self.records.push(self.buf);
///             self.filled = 0;
///         }
///     }
/// }
///
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     tulip_core::spawn(async move {
///         let (conn, _) = listener.accept().await?;
///         conn.write_all(b"abcdefgh").await
///     })
///     .detach();
///     let (transport, records) = tulip_net::create_connection(Records::default, addr).await?;
///     while !transport.is_closing() {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(records.borrow().records, [*b"abcd", *b"efgh"]);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait BufferedProtocol: 'static {
    /// The connection is established; keep `transport` to write with. Called once, first.
    ///
    /// **asyncio:** `BaseProtocol.connection_made(transport)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{BufferedProtocol, Transport};
    /// struct P(Option<Transport>, [u8; 16]);
    /// impl BufferedProtocol for P {
    ///     fn connection_made(&mut self, transport: Transport) {
    ///         self.0 = Some(transport);
    ///     }
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.1 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    /// }
    /// ```
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// Returns the memory the next read goes into; it must not be empty. `sizehint` is how much the
    /// connection would read at most ([`ReadBuffer::SIZE`](crate::ReadBuffer::SIZE)); any non-empty
    /// length works, a shorter buffer only means more reads.
    ///
    /// Called before each read, including reads that then find nothing (the socket had no data after
    /// all; no `buffer_updated` follows): return memory the protocol keeps rather than allocating here.
    ///
    /// **asyncio:** `BufferedProtocol.get_buffer(sizehint)` (which gets `-1` from the selector
    /// transports: no hint).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct P(Vec<u8>, usize);
    /// impl BufferedProtocol for P {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
    ///         let start = self.1;
    ///         &mut self.0[start..]
    ///     }
    ///     fn buffer_updated(&mut self, nbytes: usize) { self.1 += nbytes; }
    /// }
    /// let mut p = P(vec![0; 8], 0);
    /// p.get_buffer(8)[..2].copy_from_slice(b"hi");
    /// p.buffer_updated(2);
    /// assert_eq!(&p.0[..p.1], b"hi");
    /// ```
    fn get_buffer(&mut self, sizehint: usize) -> &mut [u8];

    /// The last read wrote `nbytes` (at least 1) bytes at the start of the buffer `get_buffer` returned.
    ///
    /// **asyncio:** `BufferedProtocol.buffer_updated(nbytes)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct Count([u8; 64], usize);
    /// impl BufferedProtocol for Count {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, nbytes: usize) { self.1 += nbytes; }
    /// }
    /// let mut c = Count([0; 64], 0);
    /// c.buffer_updated(5);
    /// assert_eq!(c.1, 5);
    /// ```
    fn buffer_updated(&mut self, nbytes: usize);

    /// The peer sent EOF. Return `true` to keep the connection open for writing, `false` (the default)
    /// to close it, as [`Protocol::eof_received`].
    ///
    /// **asyncio:** `BufferedProtocol.eof_received()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct P([u8; 8], bool);
    /// impl BufferedProtocol for P {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    ///     fn eof_received(&mut self) -> bool {
    ///         self.1 = true;
    ///         false
    ///     }
    /// }
    /// ```
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone, as [`Protocol::connection_lost`]. Called exactly once.
    ///
    /// **asyncio:** `BaseProtocol.connection_lost(exc)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct P([u8; 8], Option<std::io::ErrorKind>);
    /// impl BufferedProtocol for P {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    ///     fn connection_lost(&mut self, exc: Option<std::io::Error>) {
    ///         self.1 = exc.map(|e| e.kind());
    ///     }
    /// }
    /// ```
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The write buffer went above its high-water mark, as [`Protocol::pause_writing`].
    ///
    /// **asyncio:** `BaseProtocol.pause_writing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct P([u8; 8], bool);
    /// impl BufferedProtocol for P {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    ///     fn pause_writing(&mut self) { self.1 = true; }
    /// }
    /// ```
    fn pause_writing(&mut self) {}

    /// The write buffer drained after a `pause_writing`, as [`Protocol::resume_writing`].
    ///
    /// **asyncio:** `BaseProtocol.resume_writing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::BufferedProtocol;
    /// struct P([u8; 8], bool);
    /// impl BufferedProtocol for P {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    ///     fn resume_writing(&mut self) { self.1 = false; }
    /// }
    /// ```
    fn resume_writing(&mut self) {}
}

/// A `BufferedProtocol` runs wherever a `Protocol` does. The connection reads straight into
/// `get_buffer` (it finds the buffered protocol through [`Protocol::as_buffered`]); `data_received`
/// is only for bytes handed over as a slice, and copies them in.
impl<B: BufferedProtocol> Protocol for B {
    fn connection_made(&mut self, transport: Transport) {
        BufferedProtocol::connection_made(self, transport);
    }

    /// Copies `data` in through `get_buffer` / `buffer_updated`, as many times as it takes (asyncio's
    /// `_feed_data_to_buffered_proto`); see [`feed_buffered`] for the version that returns the error.
    ///
    /// When `get_buffer` returns an empty buffer with bytes left to copy (asyncio raises
    /// `RuntimeError`), the bytes not copied are dropped and the running loop's exception handler is
    /// told, with [`ExceptionKind::ProtocolError`](tulip_core::ExceptionKind::ProtocolError) (off a
    /// loop: a line on standard error). The connection's own reads close the connection instead.
    fn data_received(&mut self, data: &[u8]) {
        if let Err(e) = feed_buffered(self, data) {
            report_empty_buffer(&e);
        }
    }

    fn eof_received(&mut self) -> bool {
        BufferedProtocol::eof_received(self)
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        BufferedProtocol::connection_lost(self, exc);
    }

    fn pause_writing(&mut self) {
        BufferedProtocol::pause_writing(self);
    }

    fn resume_writing(&mut self) {
        BufferedProtocol::resume_writing(self);
    }

    fn as_buffered(&mut self) -> Option<&mut dyn BufferedProtocol> {
        Some(self)
    }
}

/// Copies `data` into a buffered protocol through `get_buffer` / `buffer_updated`, as many times as it
/// takes.
///
/// **asyncio:** `asyncio.protocols._feed_data_to_buffered_proto(proto, data)`.
///
/// # Errors
///
/// `InvalidInput` when `get_buffer` returns an empty buffer while bytes are left to copy (asyncio:
/// `RuntimeError("get_buffer() returned an empty buffer")`); the bytes copied before stay delivered.
///
/// # Examples
///
/// ```
/// use tulip_net::{feed_buffered, BufferedProtocol};
///
/// struct Full([u8; 2], Vec<u8>);
/// impl BufferedProtocol for Full {
///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
///         if self.1.len() < 2 { &mut self.0 } else { &mut self.0[..0] } // full after two bytes
///     }
///     fn buffer_updated(&mut self, n: usize) { self.1.extend_from_slice(&self.0[..n]) }
/// }
/// let mut p = Full([0; 2], Vec::new());
/// let err = feed_buffered(&mut p, b"abcd").unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// assert_eq!(p.1, b"ab");
/// ```
pub fn feed_buffered<B: BufferedProtocol + ?Sized>(
    proto: &mut B,
    mut data: &[u8],
) -> io::Result<()> {
    while !data.is_empty() {
        let buf = proto.get_buffer(data.len());
        if buf.is_empty() {
            return Err(empty_buffer_error());
        }
        let n = buf.len().min(data.len());
        buf[..n].copy_from_slice(&data[..n]);
        proto.buffer_updated(n);
        data = &data[n..];
    }
    Ok(())
}

/// The error of an empty `get_buffer` (asyncio: `RuntimeError`).
#[cold]
pub(crate) fn empty_buffer_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "BufferedProtocol::get_buffer returned an empty buffer",
    )
}

/// Tells the running loop's exception handler (or standard error, off a loop) about `err`.
#[cold]
pub(crate) fn report_empty_buffer(err: &io::Error) {
    let message = format!("Fatal error: protocol.get_buffer() call failed: {err}");
    match tulip_core::try_get_running_loop() {
        Some(lp) => {
            lp.call_exception_handler(&tulip_core::ExceptionContext::protocol_error(message))
        }
        None => eprintln!("tulip: {message}"),
    }
}
