//! `start_tls`: upgrade a connected stream to TLS, as client or as server.

use std::io;
use std::sync::Arc;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::{client, server, TlsAcceptor, TlsConnector};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};

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
/// the handshake fails (certificate not trusted, or not for `server_hostname`); the stream's I/O
/// errors.
///
/// # Examples
///
/// ```no_run
/// # use std::sync::Arc;
/// # tulip_core::run(async {
/// # let config: Arc<tulip_tls::rustls::ClientConfig> = unimplemented!();
/// let stream = tulip_net::TcpStream::connect("example.com:443").await?;
/// let tls = tulip_tls::start_tls_client(stream, config, "example.com").await?;
/// # drop(tls);
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
    TlsConnector::from(config).connect(name, stream).await
}

/// Runs the server side of a TLS handshake over `stream` and returns the encrypted stream.
///
/// **asyncio:** `await loop.start_tls(transport, protocol, sslcontext, server_side=True)`.
///
/// # Errors
///
/// `InvalidData` when the handshake fails (e.g. the client requires a certificate the config does
/// not have, or presents none where `config` requires one); the stream's I/O errors.
///
/// # Examples
///
/// ```no_run
/// # use std::sync::Arc;
/// # tulip_core::run(async {
/// # let config: Arc<tulip_tls::rustls::ServerConfig> = unimplemented!();
/// let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stream, _) = listener.accept().await?;
/// let tls = tulip_tls::start_tls_server(stream, config).await?;
/// # drop(tls);
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
    TlsAcceptor::from(config).accept(stream).await
}
