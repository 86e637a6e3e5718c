//! `start_tls`: upgrade a connected stream to TLS, as client or as server.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::{client, server, TlsAcceptor, TlsConnector};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};

/// How long a TLS handshake may take, on either side, before it is given up with
/// [`TimedOut`](io::ErrorKind::TimedOut) and the stream dropped: 60 s, by every handshake tulip-tls
/// runs ([`start_tls_client`], [`start_tls_server`], the upgrades, `open_connection`,
/// `start_server`, `create_connection`, `create_server`). A shorter limit: wrap the call in
/// `tulip_time::timeout`.
///
/// **asyncio:** `asyncio.constants.SSL_HANDSHAKE_TIMEOUT`, the default `ssl_handshake_timeout` of
/// `start_tls`, `open_connection`, `start_server`, `create_connection` and `create_server` (asyncio
/// raises `ConnectionAbortedError` then).
///
/// # Examples
///
/// ```
/// assert_eq!(tulip_tls::HANDSHAKE_TIMEOUT, std::time::Duration::from_secs(60));
/// ```
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long closing a TLS connection may take before the connection is aborted: 30 s from the
/// `close()` of its [`StreamWriter`](tulip_net::StreamWriter) or
/// [`Transport`](tulip_net::Transport) (or from [`Server::close_clients`](tulip_net::Server::close_clients))
/// until the buffered data and `close_notify` are sent. A peer that stops reading cannot hold the
/// connection, its socket or a task waiting on it for longer, on any path of this crate
/// ([`TlsSocket`](crate::TlsSocket) keeps the limit, so the streams, the Protocol transports, the
/// servers' connections and the upgraded transports all get it). The bare streams that
/// [`start_tls_client`] and [`start_tls_server`] return are closed by their owner (`close()` of
/// `futures_io::AsyncWrite`), without a limit: wrap that in `tulip_time::timeout`, or put the stream
/// in a `TlsSocket` first.
///
/// Past the limit, the connection is aborted as asyncio aborts it: the socket is shut down both ways,
/// the data not yet sent is dropped, and every task waiting on the connection is woken.
/// `wait_closed()`, `drain()` and reads then fail with [`TimedOut`](io::ErrorKind::TimedOut) ("TLS
/// shutdown timed out"), and a protocol gets `connection_lost(Some(err))` with that error.
///
/// **asyncio:** `asyncio.constants.SSL_SHUTDOWN_TIMEOUT`, the default `ssl_shutdown_timeout` of
/// `open_connection`, `start_server`, `create_connection`, `create_server` and `start_tls` (3.11+):
/// asyncio then force-closes the transport with `TimeoutError("SSL shutdown timed out")`, which
/// `wait_closed()` raises and `connection_lost()` receives. Differences: asyncio also waits, within
/// the same limit, for the peer's own `close_notify`; tulip does not wait for it (the close is done
/// once ours is sent and the socket's write side is shut), so only a peer that does not take our data
/// runs into the limit.
///
/// # Examples
///
/// ```
/// assert_eq!(tulip_tls::SHUTDOWN_TIMEOUT, std::time::Duration::from_secs(30));
/// ```
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// `handshake`, given up with `TimedOut` after [`HANDSHAKE_TIMEOUT`] (dropping it drops the stream).
async fn within_handshake_timeout<T>(
    handshake: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match tulip_time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(res) => res,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "TLS handshake timed out",
        )),
    }
}

/// Runs the client side of a TLS handshake over `stream` and returns the encrypted stream; the server's
/// certificate is verified against `config`'s roots for `server_hostname`.
///
/// **asyncio:** `await loop.start_tls(transport, protocol, sslcontext, server_hostname=...)`, or
/// `await writer.start_tls(sslcontext, server_hostname=...)`: a plain connection upgraded, e.g. after
/// SMTP's `STARTTLS`.
///
/// # Errors
///
/// `InvalidInput` when `server_hostname` is neither a DNS name nor an IP address; `InvalidData` when
/// the handshake fails (certificate not trusted, or not for `server_hostname`); `TimedOut` when the
/// server has not finished the handshake within [`HANDSHAKE_TIMEOUT`] (60 s; the stream is dropped);
/// the stream's I/O errors.
///
/// # Panics
///
/// When polled outside a running tulip loop (the handshake timeout is a tulip timer).
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
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// # tulip_core::run(async {
/// # let (server_config, client_config) = configs();
/// // A plain TCP connection, upgraded on both ends (STARTTLS).
/// let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// let plain = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
/// let (accepted, _) = listener.accept().await?;
/// let server = tulip_core::spawn(async move {
///     let mut tls = tulip_tls::start_tls_server(accepted, server_config).await?;
///     let mut buf = [0u8; 5];
///     tls.read_exact(&mut buf).await?;
///     tls.write_all(&buf).await?;
///     tls.flush().await?;
///     std::io::Result::Ok(())
/// });
/// let mut tls = tulip_tls::start_tls_client(plain, client_config, "localhost").await?;
/// tls.write_all(b"hello").await?;
/// tls.flush().await?;
/// let mut echo = [0u8; 5];
/// tls.read_exact(&mut echo).await?;
/// assert_eq!(&echo, b"hello");
/// server.await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn start_tls_client<S>(
    stream: S,
    config: Arc<ClientConfig>,
    server_hostname: &str,
) -> io::Result<client::TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let name = ServerName::try_from(server_hostname.to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid server_hostname {server_hostname:?}: {e}"),
        )
    })?;
    within_handshake_timeout(TlsConnector::from(config).connect(name, stream)).await
}

/// Runs the server side of a TLS handshake over `stream` and returns the encrypted stream.
///
/// **asyncio:** `await loop.start_tls(transport, protocol, sslcontext, server_side=True)`.
///
/// # Errors
///
/// `InvalidData` when the handshake fails (e.g. the client requires a certificate the config does
/// not have, or presents none where `config` requires one); `TimedOut` when the client has not
/// finished the handshake within [`HANDSHAKE_TIMEOUT`] (60 s; the stream is dropped); the stream's I/O
/// errors.
///
/// # Panics
///
/// When polled outside a running tulip loop (the handshake timeout is a tulip timer).
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
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// # tulip_core::run(async {
/// # let (server_config, client_config) = configs();
/// // A plain TCP connection, upgraded on both ends (STARTTLS).
/// let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// let plain = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
/// let (accepted, _) = listener.accept().await?;
/// let server = tulip_core::spawn(async move {
///     let mut tls = tulip_tls::start_tls_server(accepted, server_config).await?;
///     let mut buf = [0u8; 5];
///     tls.read_exact(&mut buf).await?;
///     tls.write_all(&buf).await?;
///     tls.flush().await?;
///     std::io::Result::Ok(())
/// });
/// let mut tls = tulip_tls::start_tls_client(plain, client_config, "localhost").await?;
/// tls.write_all(b"hello").await?;
/// tls.flush().await?;
/// let mut echo = [0u8; 5];
/// tls.read_exact(&mut echo).await?;
/// assert_eq!(&echo, b"hello");
/// server.await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn start_tls_server<S>(
    stream: S,
    config: Arc<ServerConfig>,
) -> io::Result<server::TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    within_handshake_timeout(TlsAcceptor::from(config).accept(stream)).await
}
