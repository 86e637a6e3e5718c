//! `TlsSocket`: a TLS stream as a `tulip_net::ByteStream`, so that asyncio's streams and Protocol
//! layer run over it; with the connection's TLS details (peer certificate, cipher).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsStream;
use rustls::pki_types::CertificateDer;
use rustls::{CommonState, ProtocolVersion, SupportedCipherSuite};
use tulip_net::{ByteStream, TcpStream};

/// A TLS connection over `S` (a TCP socket unless named), shared by the halves that use it: clones are
/// handles to the one connection, as a socket's are. It is what
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server) put under
/// their `StreamReader`/`StreamWriter`, and what [`create_connection`](crate::create_connection) and
/// [`create_server`](crate::create_server) run a `Protocol` over.
///
/// It cannot half-close ([`ByteStream::can_write_eof`] is `false`); shutting it down sends TLS's
/// `close_notify`, then shuts the socket down both ways, after which a reader of this connection
/// sees the end of the stream (as asyncio's reader does after `writer.close()`).
///
/// **asyncio:** `ssl.SSLObject` / `SSLSocket`, as reached through `get_extra_info("ssl_object")`;
/// [`peercert`](TlsSocket::peercert) and [`cipher`](TlsSocket::cipher) answer
/// `get_extra_info("peercert")` and `get_extra_info("cipher")`.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
/// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
/// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
/// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
/// #     let der: CertificateDer<'static> = cert.cert.der().clone();
/// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
/// #     let server = ServerConfig::builder()
/// #         .with_no_client_auth()
/// #         .with_single_cert(vec![der.clone()], key)
/// #         .unwrap();
/// #     let mut roots = RootCertStore::empty();
/// #     roots.add(der).unwrap();
/// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
/// #     (Arc::new(server), Arc::new(client))
/// # }
/// # tulip_core::run(async {
/// # let (server_config, client_config) = configs();
/// let server = tulip_tls::start_server("127.0.0.1:0", server_config, |_r, w| async move {
///     w.close();
///     w.wait_closed().await
/// })
/// .await?;
/// let (_reader, writer) =
///     tulip_tls::open_connection(server.local_addrs()[0], client_config, "localhost").await?;
/// let tls = writer.get_ref(); // the TlsSocket
/// assert!(tls.peercert().is_some());
/// assert!(tls.cipher().is_some());
/// assert_eq!(tls.protocol_version(), Some(tulip_tls::rustls::ProtocolVersion::TLSv1_3));
/// assert_eq!(tls.peer_addr()?, server.local_addrs()[0]);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TlsSocket<S = TcpStream> {
    inner: Rc<Inner<S>>,
}

struct Inner<S> {
    io: RefCell<TlsStream<S>>,
    /// We closed the connection (sent `close_notify` and shut the socket's write side): an end of
    /// the stream without the peer's `close_notify` is then ours, not a truncation.
    closed: Cell<bool>,
    /// The task waiting in `poll_read`, woken when we close so that its read ends.
    reader: Cell<Option<std::task::Waker>>,
}

impl<S> Clone for TlsSocket<S> {
    fn clone(&self) -> Self {
        TlsSocket {
            inner: self.inner.clone(),
        }
    }
}

impl<S> fmt::Debug for TlsSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TlsSocket");
        if let Ok(io) = self.inner.io.try_borrow() {
            let st = io.get_ref().1;
            d.field("protocol_version", &st.protocol_version())
                .field("cipher", &st.negotiated_cipher_suite().map(|c| c.suite()));
        }
        d.finish_non_exhaustive()
    }
}

impl<S> TlsSocket<S> {
    /// Wraps a TLS stream whose handshake is done (from [`start_tls_client`](crate::start_tls_client)
    /// or [`start_tls_server`](crate::start_tls_server)).
    ///
    /// **asyncio:** what `loop.start_tls()` puts in place of the plain transport.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// use tulip_net::{StreamReader, StreamWriter};
    /// use tulip_tls::TlsSocket;
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// // STARTTLS on a plain connection, then asyncio streams over the encrypted one.
    /// let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// let plain = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (accepted, _) = listener.accept().await?;
    /// let server = tulip_core::spawn(async move {
    ///     let tls = tulip_tls::start_tls_server(accepted, server_config).await?;
    ///     let w = StreamWriter::new(TlsSocket::new(tls.into()));
    ///     w.write(b"secret\n")?;
    ///     w.close();
    ///     w.wait_closed().await
    /// });
    /// let tls = tulip_tls::start_tls_client(plain, client_config, "localhost").await?;
    /// let mut reader = StreamReader::new(TlsSocket::new(tls.into()));
    /// assert_eq!(reader.readline().await?, b"secret\n");
    /// server.await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn new(stream: TlsStream<S>) -> TlsSocket<S> {
        TlsSocket {
            inner: Rc::new(Inner {
                io: RefCell::new(stream),
                closed: Cell::new(false),
                reader: Cell::new(None),
            }),
        }
    }

    fn with_state<R>(&self, f: impl FnOnce(&CommonState) -> R) -> Option<R> {
        let io = self.inner.io.try_borrow().ok()?;
        Some(f(io.get_ref().1))
    }

    /// The peer's certificate (DER), if it sent one: always for a verified server, for a client only
    /// when the server asked for one.
    ///
    /// **asyncio:** `get_extra_info("peercert")`, or rather `ssl_object.getpeercert(binary_form=True)`
    /// (rustls does not decode certificates into a dictionary).
    ///
    /// # Examples
    ///
    /// See [`TlsSocket`].
    ///
    /// ```
    /// fn subject_len(tls: &tulip_tls::TlsSocket) -> usize {
    ///     tls.peercert().map_or(0, |der| der.len())
    /// }
    /// ```
    #[doc(alias = "get_extra_info")]
    #[doc(alias = "getpeercert")]
    pub fn peercert(&self) -> Option<CertificateDer<'static>> {
        self.with_state(|st| {
            st.peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.clone().into_owned())
        })
        .flatten()
    }

    /// The peer's whole certificate chain (DER), leaf first.
    ///
    /// **asyncio:** `ssl_object.get_verified_chain()` (3.13), roughly.
    ///
    /// # Examples
    ///
    /// ```
    /// fn chain_len(tls: &tulip_tls::TlsSocket) -> usize {
    ///     tls.peer_certificates().map_or(0, |chain| chain.len())
    /// }
    /// ```
    pub fn peer_certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        self.with_state(|st| {
            st.peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
        })
        .flatten()
    }

    /// The negotiated cipher suite (its name is `cipher().unwrap().suite()`; the TLS version is
    /// [`protocol_version`](TlsSocket::protocol_version)).
    ///
    /// **asyncio:** `get_extra_info("cipher")`, the `(name, protocol, bits)` triple of
    /// `SSLSocket.cipher()`.
    ///
    /// # Examples
    ///
    /// See [`TlsSocket`].
    ///
    /// ```
    /// fn cipher_name(tls: &tulip_tls::TlsSocket) -> String {
    ///     tls.cipher().map(|c| format!("{:?}", c.suite())).unwrap_or_default()
    /// }
    /// ```
    #[doc(alias = "get_extra_info")]
    pub fn cipher(&self) -> Option<SupportedCipherSuite> {
        self.with_state(|st| st.negotiated_cipher_suite()).flatten()
    }

    /// The negotiated TLS version.
    ///
    /// **asyncio:** `ssl_object.version()`.
    ///
    /// # Examples
    ///
    /// See [`TlsSocket`].
    ///
    /// ```
    /// fn is_tls13(tls: &tulip_tls::TlsSocket) -> bool {
    ///     tls.protocol_version() == Some(tulip_tls::rustls::ProtocolVersion::TLSv1_3)
    /// }
    /// ```
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.with_state(|st| st.protocol_version()).flatten()
    }

    /// The ALPN protocol both ends agreed on, if any.
    ///
    /// **asyncio:** `ssl_object.selected_alpn_protocol()`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn speaks_h2(tls: &tulip_tls::TlsSocket) -> bool {
    ///     tls.alpn_protocol().as_deref() == Some(&b"h2"[..])
    /// }
    /// ```
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.with_state(|st| st.alpn_protocol().map(<[u8]>::to_vec))
            .flatten()
    }

    /// The remote address of the socket beneath.
    ///
    /// **asyncio:** `get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// The socket's error, or `WouldBlock` when called from inside one of the stream's own polls.
    ///
    /// # Examples
    ///
    /// See [`TlsSocket`].
    ///
    /// ```
    /// fn peer(tls: &tulip_tls::TlsSocket) -> Option<std::net::SocketAddr> {
    ///     tls.peer_addr().ok()
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<S::Addr>
    where
        S: ByteStream,
    {
        self.inner
            .io
            .try_borrow()
            .map_err(busy)?
            .get_ref()
            .0
            .peer_addr()
    }

    /// The local address of the socket beneath.
    ///
    /// **asyncio:** `get_extra_info("sockname")`.
    ///
    /// # Errors
    ///
    /// As [`peer_addr`](TlsSocket::peer_addr).
    ///
    /// # Examples
    ///
    /// ```
    /// fn local(tls: &tulip_tls::TlsSocket) -> Option<std::net::SocketAddr> {
    ///     tls.local_addr().ok()
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<S::Addr>
    where
        S: ByteStream,
    {
        self.inner
            .io
            .try_borrow()
            .map_err(busy)?
            .get_ref()
            .0
            .local_addr()
    }
}

#[cold]
fn busy(_: std::cell::BorrowError) -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, "TLS stream in use")
}

impl<S> TlsSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Runs `f` on the stream; `WouldBlock` when it is borrowed already (a poll re-entered from inside
    /// another, which a waker cannot cause: wakers only schedule).
    fn poll_io<R>(
        &self,
        f: impl FnOnce(Pin<&mut TlsStream<S>>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match self.inner.io.try_borrow_mut() {
            Ok(mut io) => f(Pin::new(&mut *io)),
            Err(_) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "TLS stream in use",
            ))),
        }
    }
}

impl<S> ByteStream for TlsSocket<S>
where
    S: ByteStream + AsyncRead + AsyncWrite + Unpin,
{
    type Addr = S::Addr;

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        // After our own close a reader of this connection sees the end (as asyncio's reader does
        // after `close()`), without shutting the socket's read side (see `poll_shutdown`).
        if buf.is_empty() || self.inner.closed.get() {
            return Poll::Ready(Ok(0));
        }
        match self.poll_io(|io| io.poll_read(cx, buf)) {
            // Our own close shut the socket's read side: the end, not a truncation.
            Poll::Ready(Err(e))
                if e.kind() == io::ErrorKind::UnexpectedEof && self.inner.closed.get() =>
            {
                Poll::Ready(Ok(0))
            }
            Poll::Pending => {
                // Woken by our own close too (`poll_shutdown`), which ends this read.
                // The same task reading again (the usual case) keeps its waker: no clone per read.
                let reader = match self.inner.reader.take() {
                    Some(w) if w.will_wake(cx.waker()) => w,
                    _ => cx.waker().clone(),
                };
                self.inner.reader.set(Some(reader));
                Poll::Pending
            }
            r => r,
        }
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_io(|io| io.poll_write(cx, buf))
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        // rustls takes the plaintext into its own buffer (sending what the socket accepts), so this
        // completes unless that buffer is full; `wants_flush` then tells the writer to send the rest.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match self.poll_write(&mut cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn wants_flush(&self) -> bool {
        self.inner
            .io
            .try_borrow()
            .is_ok_and(|io| io.get_ref().1.wants_write())
    }

    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_io(|io| io.poll_flush(cx))
    }

    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        if how == Shutdown::Write {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "TLS cannot half-close (write_eof)",
            )));
        }
        // `close_notify`, flushed, then the socket's write side (FIN); our own reads end here too
        // (`poll_read`). Not the socket's read side: the peer answers with its own `close_notify`,
        // and data arriving at a socket shut for reading makes Linux answer with a reset, which the
        // peer would see as an error instead of a clean close.
        ready!(self.poll_io(|io| io.poll_close(cx)))?;
        self.inner.closed.set(true);
        if let Some(reader) = self.inner.reader.take() {
            reader.wake();
        }
        let io = self.inner.io.try_borrow().map_err(busy)?;
        io.get_ref().0.poll_shutdown(cx, Shutdown::Write)
    }

    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown(cx, Shutdown::Both)
    }

    fn can_write_eof(&self) -> bool {
        false
    }

    fn peer_addr(&self) -> io::Result<S::Addr> {
        TlsSocket::peer_addr(self)
    }

    fn local_addr(&self) -> io::Result<S::Addr> {
        TlsSocket::local_addr(self)
    }
}
