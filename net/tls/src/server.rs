//! `open_connection` and `start_server` with `ssl=`: TLS connections as asyncio stream pairs.

use std::future::Future;
use std::io;
use std::sync::Arc;

use futures_rustls::TlsStream;
use rustls::{ClientConfig, ServerConfig};
use tulip_net::{HandlerOutput, Server, StreamReader, StreamWriter, TcpStream, ToSocketAddrs};

use crate::{start_tls_client, start_tls_server, TlsSocket};

/// The server side of the handshake on an accepted socket (within [`HANDSHAKE_TIMEOUT`](crate::HANDSHAKE_TIMEOUT)).
pub(crate) async fn accept_tls(sock: TcpStream, ssl: Arc<ServerConfig>) -> io::Result<TlsSocket> {
    let tls = start_tls_server(sock, ssl).await?;
    Ok(TlsSocket::new(TlsStream::Server(tls)))
}

/// Connects to `addr` and runs the client side of the handshake, verifying the server as
/// `server_hostname`, within [`HANDSHAKE_TIMEOUT`](crate::HANDSHAKE_TIMEOUT).
pub(crate) async fn connect_tls(
    addr: impl ToSocketAddrs,
    ssl: Arc<ClientConfig>,
    server_hostname: &str,
) -> io::Result<TlsSocket> {
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let tls = start_tls_client(stream, ssl, server_hostname).await?;
    Ok(TlsSocket::new(TlsStream::Client(tls)))
}

/// Connects to `addr`, runs the TLS handshake verifying the server as `server_hostname`, and returns
/// the connection as a reader and a writer: `tulip_net`'s own [`StreamReader`]/[`StreamWriter`] over a
/// [`TlsSocket`] (reach it with `writer.get_ref()` for the peer certificate and the cipher).
///
/// `writer.close()` sends the buffered data and `close_notify` within
/// [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) (30 s), else aborts the connection:
/// `wait_closed()` then fails with `TimedOut`.
///
/// **asyncio:** `await asyncio.open_connection(host, port, ssl=context, server_hostname=name)`.
///
/// # Errors
///
/// Resolution and connection errors; `InvalidInput` for a `server_hostname` that is not a DNS name or
/// IP address; `InvalidData` when the server's certificate is not trusted or not for
/// `server_hostname`; `TimedOut` when the handshake takes longer than 60 s (asyncio's default
/// `ssl_handshake_timeout`).
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
///     tulip_tls::open_connection(server.local_addrs()[0], client_config, "localhost").await?;
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
) -> io::Result<(StreamReader<TlsSocket>, StreamWriter<TlsSocket>)> {
    let tls = connect_tls(addr, ssl, server_hostname).await?;
    Ok((StreamReader::new(tls.clone()), StreamWriter::new(tls)))
}

/// Listens on `addr`; for each client, runs the TLS handshake (up to 60 s) and then
/// `client_connected_cb(reader, writer)` as a new task. A failed handshake is reported on stderr and
/// closes that connection only.
///
/// The server is a `tulip_net::Server`, as for plain [`tulip_net::start_server`]: it listens on every
/// address `addr` names, and has `close`, `wait_closed`, `serve_forever`, `close_clients`. The halves
/// are `tulip_net`'s own [`StreamReader`]/[`StreamWriter`] over a [`TlsSocket`]. A connection's
/// close (its writer's `close()`, or `close_clients`) is aborted after
/// [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) (30 s) when the client does not take the data, so
/// a stalled client cannot keep `wait_closed` waiting.
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
///     tulip_tls::open_connection(server.local_addrs()[0], client_config, "localhost").await?;
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
) -> io::Result<Server>
where
    F: FnMut(StreamReader<TlsSocket>, StreamWriter<TlsSocket>) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    tulip_net::start_server_upgraded(
        addr,
        move |sock| accept_tls(sock, ssl.clone()),
        client_connected_cb,
    )
    .await
}
