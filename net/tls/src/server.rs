//! `open_connection` and `start_server` with `ssl=`: TLS connections as asyncio-style stream pairs.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures_rustls::TlsStream;
use rustls::{ClientConfig, ServerConfig};
use tulip_core::Task;
use tulip_net::{HandlerOutput, TcpListener, TcpStream, ToSocketAddrs};

use crate::{start_tls_client, start_tls_server, TlsStreamReader, TlsStreamWriter};

/// How long a client may take to complete the handshake (asyncio's `ssl_handshake_timeout` default).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

type Pair = (TlsStreamReader, TlsStreamWriter);

fn split(stream: TlsStream<TcpStream>) -> Pair {
    let io = Rc::new(RefCell::new(stream));
    (TlsStreamReader::new(io.clone()), TlsStreamWriter::new(io))
}

/// Connects to `addr`, runs the TLS handshake verifying the server as `server_hostname`, and returns
/// the connection as a reader and a writer.
///
/// **asyncio:** `await asyncio.open_connection(host, port, ssl=context, server_hostname=name)`.
///
/// # Errors
///
/// Resolution and connection errors; `InvalidInput` for a `server_hostname` that is not a DNS name or
/// IP address; `InvalidData` when the server's certificate is not trusted or not for
/// `server_hostname`.
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
/// writer.write(b"hello\n")?;
/// writer.drain().await?;
/// assert_eq!(reader.readline().await?, b"hello\n");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn open_connection(
    addr: impl ToSocketAddrs,
    ssl: Arc<ClientConfig>,
    server_hostname: &str,
) -> io::Result<Pair> {
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let tls = start_tls_client(stream, ssl, server_hostname).await?;
    Ok(split(TlsStream::Client(tls)))
}

/// Listens on `addr`; for each client, runs the TLS handshake (up to 60 s) and then
/// `client_connected_cb(reader, writer)` as a new task. A failed handshake is reported on stderr and
/// closes that connection only.
///
/// **asyncio:** `await asyncio.start_server(client_connected_cb, host, port, ssl=context)`.
///
/// # Errors
///
/// Resolution and bind errors.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
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
/// let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
///     let line = r.readline().await?;
///     w.write(&line)?;
///     w.close();
///     w.wait_closed().await
/// })
/// .await?;
/// let (mut reader, writer) =
///     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
/// writer.write(b"echo\n")?;
/// writer.drain().await?;
/// assert_eq!(reader.readline().await?, b"echo\n");
/// server.close();
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn start_server<F, Fut>(
    addr: impl ToSocketAddrs,
    ssl: Arc<ServerConfig>,
    client_connected_cb: F,
) -> io::Result<TlsServer>
where
    F: FnMut(TlsStreamReader, TlsStreamWriter) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let cb = Rc::new(RefCell::new(client_connected_cb));
    let accept = tulip_core::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE and friends: report, back off briefly, keep serving.
                    eprintln!("tulip: TLS server accept failed: {e}");
                    tulip_time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let peer = stream.peer_addr().ok();
            let ssl = ssl.clone();
            let cb = cb.clone();
            // The handshake runs in the connection's own task, so a slow client holds up no other.
            tulip_core::spawn(async move {
                let handshake =
                    tulip_time::timeout(HANDSHAKE_TIMEOUT, start_tls_server(stream, ssl));
                let tls = match handshake.await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        eprintln!("tulip: TLS handshake with {peer:?} failed: {e}");
                        return;
                    }
                    Err(_) => {
                        eprintln!("tulip: TLS handshake with {peer:?} timed out");
                        return;
                    }
                };
                let (reader, writer) = split(TlsStream::Server(tls));
                // Borrowed only to make the handler's future, never across an await.
                let handler = (cb.borrow_mut())(reader, writer);
                handler.await.report();
            })
            .detach();
        }
    });
    Ok(TlsServer {
        local_addr,
        accept: RefCell::new(Some(accept)),
    })
}

/// A listening TLS server from [`start_server`].
///
/// **asyncio:** `asyncio.Server` (`close()`, `sockets`).
///
/// Dropping it stops accepting, as [`close`](TlsServer::close) does (asyncio's server lives on until
/// closed): keep it while the server should serve.
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
/// assert!(server.is_serving());
/// assert!(server.local_addr().ip().is_loopback());
/// server.close();
/// assert!(!server.is_serving());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct TlsServer {
    local_addr: SocketAddr,
    accept: RefCell<Option<Task<()>>>,
}

impl TlsServer {
    /// The address the server listens on.
    ///
    /// **asyncio:** `server.sockets[0].getsockname()`.
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
    /// let addr = server.local_addr();
    /// assert_ne!(addr.port(), 0);
    /// let (reader, writer) = tulip_tls::open_connection(addr, client_config, "localhost").await?;
    /// # drop((reader, writer));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the server still accepts connections.
    ///
    /// **asyncio:** `server.is_serving()`.
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
    /// assert!(server.is_serving());
    /// server.close();
    /// assert!(!server.is_serving());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn is_serving(&self) -> bool {
        self.accept.borrow().is_some()
    }

    /// Stops accepting (the listening socket is closed); connections already handed to the callback
    /// go on. Idempotent.
    ///
    /// **asyncio:** `server.close()`.
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
    /// let addr = server.local_addr();
    /// server.close();
    /// server.close(); // idempotent
    /// assert!(tulip_tls::open_connection(addr, client_config, "localhost").await.is_err());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn close(&self) {
        // Dropping the accept task cancels it, which drops (closes) the listener.
        self.accept.borrow_mut().take();
    }
}
