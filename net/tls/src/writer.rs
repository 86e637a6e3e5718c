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
/// # // An echo server: each line comes back until the client closes.
/// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
/// #     loop {
/// #         let line = r.readline().await?;
/// #         if line.is_empty() {
/// #             break;
/// #         }
/// #         w.write(&line)?;
/// #         w.drain().await?;
/// #     }
/// #     w.close();
/// #     w.wait_closed().await
/// # })
/// # .await?;
/// let (mut reader, writer) =
///     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
/// writer.write(b"hello ")?; // buffered
/// writer.write(b"world\n")?;
/// writer.drain().await?; // encrypted and sent
/// assert_eq!(reader.readline().await?, b"hello world\n");
/// writer.close();
/// writer.wait_closed().await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"hi\n")?;
    /// writer.drain().await?;
    /// assert_eq!(reader.readline().await?, b"hi\n");
    /// writer.close();
    /// assert_eq!(writer.write(b"late").unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.writelines([&b"a\n"[..], b"b\n"])?;
    /// writer.drain().await?;
    /// assert_eq!(reader.readline().await?, b"a\n");
    /// assert_eq!(reader.readline().await?, b"b\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"now\n")?;
    /// writer.drain().await?;
    /// assert_eq!(reader.readline().await?, b"now\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// assert!(!writer.can_write_eof());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// let err = writer.write_eof().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"last\n")?;
    /// writer.close(); // sends "last\n", then close_notify
    /// assert!(writer.is_closing());
    /// assert_eq!(reader.read_to_end().await?, b"last\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn close(&self) {
        start_close(&self.shared);
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// **asyncio:** `writer.is_closing()`.
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// assert!(!writer.is_closing());
    /// writer.close();
    /// assert!(writer.is_closing());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"bye\n")?;
    /// writer.close();
    /// writer.wait_closed().await?;
    /// assert_eq!(reader.read_to_end().await?, b"bye\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
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
