//! `TlsSocket`: a TLS stream as a `tulip_net::ByteStream`, so that asyncio's streams and Protocol
//! layer run over it; with the connection's TLS details (peer certificate, cipher).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsStream;
use rustls::pki_types::CertificateDer;
use rustls::{CommonState, ProtocolVersion, SupportedCipherSuite};
use tulip_net::{ByteStream, TcpStream};

use crate::shutdown::ShutdownTimer;

/// A TLS connection over `S` (a TCP socket unless named), shared by the halves that use it: clones are
/// handles to the one connection, as a socket's are. It is what
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server) put under
/// their `StreamReader`/`StreamWriter`, and what [`create_connection`](crate::create_connection) and
/// [`create_server`](crate::create_server) run a `Protocol` over.
///
/// It cannot half-close ([`ByteStream::can_write_eof`] is `false`); shutting it down sends TLS's
/// `close_notify`, then shuts the socket's write side down, after which a reader of this connection
/// sees the end of the stream (as asyncio's reader does after `writer.close()`). It does not wait for
/// the peer's `close_notify`.
///
/// Closing is bounded by [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) (30 s, asyncio's
/// `ssl_shutdown_timeout`), counted from the writer's or the transport's `close()`
/// ([`ByteStream::start_closing`]) or from the first shutdown poll: when the buffered data and
/// `close_notify` are not sent by then (a peer that stopped reading), the connection is aborted: the
/// socket is shut down both ways, unsent data is dropped, the tasks waiting on it are woken, and every
/// later read, write, flush and shutdown fails with [`TimedOut`](io::ErrorKind::TimedOut).
/// [`ByteStream::abort`] (what `Server::abort_clients` does to a `start_server` connection) ends it
/// at once, without `close_notify`.
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
    reader: Cell<Option<Waker>>,
    /// The task last waiting in `poll_write`, `poll_flush` or a shutdown, woken when the close times
    /// out (the socket's shutdown wakes it too; this does not depend on the selector reporting it).
    writer: Cell<Option<Waker>>,
    /// The close's time limit ([`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT)).
    shutdown: ShutdownTimer,
    /// Aborted ([`ByteStream::abort`]): reads see the end, everything else fails with
    /// `ConnectionAborted`.
    aborted: Cell<bool>,
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
                writer: Cell::new(None),
                shutdown: ShutdownTimer::default(),
                aborted: Cell::new(false),
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

/// What every call on a connection aborted by [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) returns.
#[cold]
fn shutdown_timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "TLS shutdown timed out")
}

/// What writes, flushes and shutdowns of a connection ended by [`ByteStream::abort`] return.
#[cold]
fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "TLS connection aborted")
}

/// Keeps `cx`'s waker in `slot` (the same task waiting again keeps the one it has: no clone).
#[inline]
fn remember(slot: &Cell<Option<Waker>>, cx: &Context<'_>) {
    let waker = match slot.take() {
        Some(w) if w.will_wake(cx.waker()) => w,
        _ => cx.waker().clone(),
    };
    slot.set(Some(waker));
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

    /// Whether the connection was aborted (at the close's time limit or by
    /// [`ByteStream::abort`]): nothing more goes out.
    #[inline]
    fn ended(&self) -> bool {
        self.inner.shutdown.expired() || self.inner.aborted.get()
    }

    /// The error of a connection that [`ended`](TlsSocket::ended).
    #[cold]
    fn ended_error(&self) -> io::Error {
        if self.inner.shutdown.expired() {
            shutdown_timed_out()
        } else {
            aborted()
        }
    }

    /// One write, without noting a waker (`try_write` polls with one that does nothing).
    fn poll_write_now(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.ended() {
            return Poll::Ready(Err(self.ended_error()));
        }
        self.poll_io(|io| io.poll_write(cx, buf))
    }
}

impl<S: ByteStream> TlsSocket<S> {
    /// Starts the close's time limit, unless the close is done already (or it runs).
    fn arm_shutdown_timer(&self) {
        if self.inner.closed.get() {
            return;
        }
        let inner = Rc::downgrade(&self.inner);
        self.inner.shutdown.arm(move || {
            if let Some(inner) = inner.upgrade() {
                TlsSocket { inner }.abort_after_shutdown_timeout();
            }
        });
    }

    /// [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) passed with the close unfinished: aborts the
    /// connection as asyncio's `_check_shutdown_timeout` does (`transport._force_close(...)`): from
    /// now on every call fails with `TimedOut` (what rustls still holds is never sent), the socket is
    /// shut down both ways (so nothing more goes out or comes in, and the selector wakes whoever waits
    /// on it), and the tasks waiting on this stream are woken to see the error. The descriptor is
    /// closed when the last handle is dropped (the Protocol connection drops its own at once).
    fn abort_after_shutdown_timeout(&self) {
        self.inner.shutdown.expire();
        self.shut_and_wake();
    }

    /// The socket shut down both ways (so nothing more goes out or comes in, and the selector wakes
    /// whoever waits on it), and the tasks waiting on this stream woken to see the end.
    fn shut_and_wake(&self) {
        if let Ok(io) = self.inner.io.try_borrow() {
            let mut cx = Context::from_waker(Waker::noop());
            // An error means the socket is shut or reset already: aborted all the same.
            let _ = io.get_ref().0.poll_shutdown(&mut cx, Shutdown::Both);
        }
        for slot in [&self.inner.reader, &self.inner.writer] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
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
        if self.ended() {
            return Poll::Ready(Err(self.ended_error()));
        }
        match self.poll_io(|io| io.poll_read(cx, buf)) {
            // Our own close shut the socket's read side: the end, not a truncation.
            Poll::Ready(Err(e))
                if e.kind() == io::ErrorKind::UnexpectedEof && self.inner.closed.get() =>
            {
                Poll::Ready(Ok(0))
            }
            Poll::Pending => {
                // Woken by our own close too (`poll_shutdown`), which ends this read, and by an
                // abort at the close's time limit.
                // The same task reading again (the usual case) keeps its waker: no clone per read.
                remember(&self.inner.reader, cx);
                Poll::Pending
            }
            r => r,
        }
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = self.poll_write_now(cx, buf);
        if r.is_pending() {
            remember(&self.inner.writer, cx);
        }
        r
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        // rustls takes the plaintext into its own buffer (sending what the socket accepts), so this
        // completes unless that buffer is full; `wants_flush` then tells the writer to send the rest.
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_write_now(&mut cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn wants_flush(&self) -> bool {
        // Aborted: what rustls holds is dropped, not sent.
        !self.ended()
            && self
                .inner
                .io
                .try_borrow()
                .is_ok_and(|io| io.get_ref().1.wants_write())
    }

    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.ended() {
            return Poll::Ready(Err(self.ended_error()));
        }
        let r = self.poll_io(|io| io.poll_flush(cx));
        if r.is_pending() {
            remember(&self.inner.writer, cx);
        }
        r
    }

    fn start_closing(&self) {
        self.arm_shutdown_timer();
    }

    /// Ends the connection at once, without `close_notify` (asyncio's `transport.abort()` on an SSL
    /// transport): the close's time limit is dropped, the socket shut down both ways, what rustls
    /// still holds is never sent; reads of this connection see the end, writes, flushes and
    /// shutdowns fail with `ConnectionAborted`. The peer sees the connection end without
    /// `close_notify` (rustls: a truncation).
    fn abort(&self) {
        if self.ended() {
            return;
        }
        self.inner.aborted.set(true);
        self.inner.closed.set(true);
        self.inner.shutdown.disarm();
        self.shut_and_wake();
    }

    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        if how == Shutdown::Write {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "TLS cannot half-close (write_eof)",
            )));
        }
        if self.inner.aborted.get() {
            return Poll::Ready(Ok(())); // ended already, as asyncio's close after abort()
        }
        if self.ended() {
            return Poll::Ready(Err(self.ended_error()));
        }
        // `close_notify`, flushed, then the socket's write side (FIN); our own reads end here too
        // (`poll_read`). Not the socket's read side: the peer answers with its own `close_notify`,
        // and data arriving at a socket shut for reading makes Linux answer with a reset, which the
        // peer would see as an error instead of a clean close.
        let closed = match self.poll_io(|io| io.poll_close(cx)) {
            Poll::Pending => {
                // Bounded by SHUTDOWN_TIMEOUT, from here when no writer or transport started the
                // clock before (`start_closing`): `Server::close_clients` on a streams server
                // shuts the stream down directly.
                self.arm_shutdown_timer();
                remember(&self.inner.writer, cx);
                return Poll::Pending;
            }
            Poll::Ready(r) => r,
        };
        // Done, or failed on its own (the peer reset): the time limit no longer applies.
        self.inner.shutdown.disarm();
        closed?;
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
