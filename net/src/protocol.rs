//! The asyncio callback interfaces: `Protocol` for byte streams, `DatagramProtocol` for UDP.

use std::io;
use std::net::SocketAddr;

use crate::buffered_protocol::BufferedProtocol;
use crate::datagram::DatagramTransport;
use crate::transport::Transport;

/// The callbacks of a stream connection, called by the task that drives the connection.
///
/// Every method has an empty default body, as in asyncio. They are called in this order:
/// `connection_made`, then any number of `data_received`, at most one `eof_received`, then
/// `connection_lost` exactly once (see below); `pause_writing` and `resume_writing` alternate, starting
/// with `pause_writing`, at any time in between.
///
/// All methods run on the loop thread, from the connection's task (or, for `pause_writing`, from the
/// [`Transport::write`] call that filled the buffer when the protocol is not already running; see
/// [`Protocol::pause_writing`]). No transport state is borrowed while they run, so a method may call
/// any [`Transport`] method, including `write` and `close`, or methods of other transports.
///
/// **asyncio:** [`asyncio.Protocol`](https://docs.python.org/3/library/asyncio-protocol.html#asyncio.Protocol)
/// (with the `BaseProtocol` flow-control methods). Differences: `data_received` borrows the bytes
/// (copy what you keep: they sit in a buffer the loop lends to one read at a time, as uvloop's
/// loop-wide read buffer, so an idle connection holds no read memory); a panicking method ends the connection's
/// task (the panic goes to the loop's exception handler and the socket is closed, without
/// `connection_lost`) where asyncio turns an exception into a fatal error; `connection_lost` is not
/// called for connections still open when their loop shuts down (asyncio does not call it either when a
/// loop is closed under open transports). For reads into the protocol's own memory see
/// [`BufferedProtocol`].
///
/// # Examples
///
/// The asyncio documentation's echo server:
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// struct Echo(Option<Transport>);
///
/// impl Protocol for Echo {
///     fn connection_made(&mut self, transport: Transport) {
///         self.0 = Some(transport);
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         let t = self.0.as_ref().unwrap();
///         t.write(data).unwrap();
///     }
/// }
///
/// tulip_core::run(async {
///     let server = tulip_net::create_server(|| Echo(None), "127.0.0.1:0").await?;
///     let addr = server.local_addrs()[0];
///     let client = tulip_net::TcpStream::connect(addr).await?;
///     client.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     server.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait Protocol: 'static {
    /// The connection is established; `transport` is the handle to write to and close it. Keep a clone
    /// to use later. Called once, before any other method.
    ///
    /// **asyncio:** `BaseProtocol.connection_made(transport)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{Protocol, Transport};
    /// struct Greeter;
    /// impl Protocol for Greeter {
    ///     fn connection_made(&mut self, transport: Transport) {
    ///         transport.write(b"hello\n").unwrap();
    ///         transport.close();
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| Greeter, "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     let mut b = [0u8; 6];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// #     assert_eq!(&b, b"hello\n");
    /// # });
    /// ```
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// Some bytes arrived. The slice is only valid during the call.
    ///
    /// **asyncio:** `Protocol.data_received(data)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::Protocol;
    /// struct Count(usize);
    /// impl Protocol for Count {
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         self.0 += data.len();
    ///     }
    /// }
    /// let mut c = Count(0);
    /// c.data_received(b"abc");
    /// assert_eq!(c.0, 3);
    /// ```
    fn data_received(&mut self, data: &[u8]) {
        let _ = data;
    }

    /// The peer sent EOF (it shut down its write side). Return `true` to keep the connection open for
    /// writing (then close the transport yourself when done), `false` to close it: buffered data is
    /// flushed, then `connection_lost(None)` follows. The default returns `false`.
    ///
    /// **asyncio:** `Protocol.eof_received()` (a falsy return closes the transport).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{Protocol, Transport};
    /// // Answers after the peer's EOF, then closes.
    /// struct Upper(Option<Transport>, Vec<u8>);
    /// impl Protocol for Upper {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         self.0 = Some(t);
    ///     }
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         self.1.extend_from_slice(data);
    ///     }
    ///     fn eof_received(&mut self) -> bool {
    ///         let t = self.0.as_ref().unwrap();
    ///         t.write(&self.1.to_ascii_uppercase()).unwrap();
    ///         t.close();
    ///         true
    ///     }
    /// }
    /// # tulip_core::run(async {
    /// #     let server = tulip_net::create_server(|| Upper(None, Vec::new()), "127.0.0.1:0").await.unwrap();
    /// #     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    /// #     c.write_all(b"abc").await.unwrap();
    /// #     c.shutdown(std::net::Shutdown::Write).unwrap();
    /// #     let mut b = [0u8; 3];
    /// #     c.read_exact(&mut b).await.unwrap();
    /// #     assert_eq!(&b, b"ABC");
    /// # });
    /// ```
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone: `None` after a clean close (`close()`, `abort()`, or EOF with
    /// `eof_received` returning `false`), `Some(err)` after an I/O error (e.g. `ConnectionReset`).
    /// Called exactly once; the socket is closed right after it returns.
    ///
    /// **asyncio:** `BaseProtocol.connection_lost(exc)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tulip_net::Protocol;
    /// struct Log;
    /// impl Protocol for Log {
    ///     fn connection_lost(&mut self, exc: Option<io::Error>) {
    ///         if let Some(e) = exc {
    ///             eprintln!("connection failed: {e}");
    ///         }
    ///     }
    /// }
    /// Log.connection_lost(None);
    /// ```
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The transport's write buffer went above its high-water mark: stop producing data until
    /// [`resume_writing`](Protocol::resume_writing).
    ///
    /// When the buffer fills from inside one of this protocol's own methods (the usual case), the call
    /// comes right after that method returns (a method that writes in a loop checks
    /// [`Transport::is_writing_paused`]); when another task or another protocol fills it, the call
    /// comes from inside that [`Transport::write`], as in asyncio.
    ///
    /// A panic here (or in `resume_writing`) is reported to the loop's exception handler as
    /// "protocol.pause_writing() failed" and goes no further: the `write` returns, the connection goes
    /// on.
    ///
    /// **asyncio:** `BaseProtocol.pause_writing()`; a raise is reported the same way by the transport's
    /// `_maybe_pause_protocol`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::Protocol;
    /// struct Producer { paused: bool }
    /// impl Protocol for Producer {
    ///     fn pause_writing(&mut self) { self.paused = true; }
    ///     fn resume_writing(&mut self) { self.paused = false; }
    /// }
    /// let mut p = Producer { paused: false };
    /// p.pause_writing();
    /// assert!(p.paused);
    /// ```
    fn pause_writing(&mut self) {}

    /// The write buffer drained to its low-water mark (or below) after a
    /// [`pause_writing`](Protocol::pause_writing): producing may resume.
    ///
    /// **asyncio:** `BaseProtocol.resume_writing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::Protocol;
    /// struct P(bool);
    /// impl Protocol for P {
    ///     fn resume_writing(&mut self) { self.0 = true; }
    /// }
    /// let mut p = P(false);
    /// p.resume_writing();
    /// assert!(p.0);
    /// ```
    fn resume_writing(&mut self) {}

    /// The [`BufferedProtocol`] this protocol is, if it is one: the connection then reads into its
    /// `get_buffer` instead of calling `data_received`. Every `BufferedProtocol` answers `Some(self)`
    /// (a blanket implementation); leave the default (`None`) on a plain `Protocol`.
    ///
    /// **asyncio:** no counterpart (asyncio's transports check `isinstance(protocol,
    /// BufferedProtocol)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{BufferedProtocol, Protocol};
    /// struct Plain;
    /// impl Protocol for Plain {}
    /// struct Buffered([u8; 8]);
    /// impl BufferedProtocol for Buffered {
    ///     fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] { &mut self.0 }
    ///     fn buffer_updated(&mut self, _nbytes: usize) {}
    /// }
    /// assert!(Plain.as_buffered().is_none());
    /// assert!(Buffered([0; 8]).as_buffered().is_some());
    /// ```
    fn as_buffered(&mut self) -> Option<&mut dyn BufferedProtocol> {
        None
    }
}

/// The callbacks of a UDP endpoint, called by the task that drives it.
///
/// Order: `connection_made`, then any number of `datagram_received` and `error_received`, then
/// `connection_lost` exactly once after the transport is closed. Like [`Protocol`], every method has an
/// empty default body and may call any [`DatagramTransport`] method.
///
/// **asyncio:** [`asyncio.DatagramProtocol`](https://docs.python.org/3/library/asyncio-protocol.html#datagram-protocols).
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use tulip_net::{DatagramProtocol, DatagramTransport};
///
/// struct EchoUdp(Option<DatagramTransport>);
/// impl DatagramProtocol for EchoUdp {
///     fn connection_made(&mut self, t: DatagramTransport) {
///         self.0 = Some(t);
///     }
///     fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
///         self.0.as_ref().unwrap().sendto(data, Some(addr)).unwrap();
///     }
/// }
///
/// tulip_core::run(async {
///     let local = "127.0.0.1:0".parse().ok();
///     let (server, _) = tulip_net::create_datagram_endpoint(|| EchoUdp(None), local, None).await?;
///     let client = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     client.send_to(b"ping", server.local_addr()?)?;
///     let client = tulip_core::Async::new(client)?;
///     let mut buf = [0u8; 16];
///     let (n, _) = client.read_with(|s| s.recv_from(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     server.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait DatagramProtocol: 'static {
    /// The endpoint is ready; keep `transport` to send with.
    ///
    /// **asyncio:** `BaseProtocol.connection_made(transport)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{DatagramProtocol, DatagramTransport};
    /// struct P(Option<DatagramTransport>);
    /// impl DatagramProtocol for P {
    ///     fn connection_made(&mut self, t: DatagramTransport) { self.0 = Some(t); }
    /// }
    /// ```
    fn connection_made(&mut self, transport: DatagramTransport) {
        let _ = transport;
    }

    /// A datagram arrived from `addr`.
    ///
    /// **asyncio:** `DatagramProtocol.datagram_received(data, addr)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use tulip_net::DatagramProtocol;
    /// struct Count(usize);
    /// impl DatagramProtocol for Count {
    ///     fn datagram_received(&mut self, data: &[u8], _addr: SocketAddr) { self.0 += data.len(); }
    /// }
    /// let mut c = Count(0);
    /// c.datagram_received(b"ab", "127.0.0.1:9".parse().unwrap());
    /// assert_eq!(c.0, 2);
    /// ```
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        let _ = (data, addr);
    }

    /// A send or receive failed (e.g. `ConnectionRefused` from an ICMP port-unreachable on a connected
    /// endpoint). The endpoint stays open.
    ///
    /// **asyncio:** `DatagramProtocol.error_received(exc)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::DatagramProtocol;
    /// struct P(u32);
    /// impl DatagramProtocol for P {
    ///     fn error_received(&mut self, _exc: std::io::Error) { self.0 += 1; }
    /// }
    /// let mut p = P(0);
    /// p.error_received(std::io::ErrorKind::ConnectionRefused.into());
    /// assert_eq!(p.0, 1);
    /// ```
    fn error_received(&mut self, exc: io::Error) {
        let _ = exc;
    }

    /// The endpoint is closed. Called exactly once.
    ///
    /// **asyncio:** `BaseProtocol.connection_lost(exc)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::DatagramProtocol;
    /// struct P(bool);
    /// impl DatagramProtocol for P {
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) { self.0 = true; }
    /// }
    /// let mut p = P(false);
    /// p.connection_lost(None);
    /// assert!(p.0);
    /// ```
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The send buffer went above its high-water mark.
    ///
    /// A panic here (or in `resume_writing`) is reported to the loop's exception handler as
    /// "protocol.pause_writing() failed" and goes no further: the `sendto` returns, the endpoint goes
    /// on.
    ///
    /// **asyncio:** `BaseProtocol.pause_writing()`; a raise is reported the same way by the transport's
    /// `_maybe_pause_protocol`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::DatagramProtocol;
    /// struct P;
    /// impl DatagramProtocol for P {
    ///     fn pause_writing(&mut self) {}
    /// }
    /// ```
    fn pause_writing(&mut self) {}

    /// The send buffer drained to its low-water mark after a `pause_writing`.
    ///
    /// **asyncio:** `BaseProtocol.resume_writing()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::DatagramProtocol;
    /// struct P;
    /// impl DatagramProtocol for P {
    ///     fn resume_writing(&mut self) {}
    /// }
    /// ```
    fn resume_writing(&mut self) {}
}

impl<P: Protocol + ?Sized> crate::link::WriteFlow for P {
    fn tell(&mut self, pause: bool) {
        if pause {
            self.pause_writing();
        } else {
            self.resume_writing();
        }
    }
}

impl crate::link::WriteFlow for dyn DatagramProtocol {
    fn tell(&mut self, pause: bool) {
        if pause {
            self.pause_writing();
        } else {
            self.resume_writing();
        }
    }
}
