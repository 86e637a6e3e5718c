//! `start_tls` on a running `Transport`: the connection's stream is handed over, upgraded, and the same
//! protocol goes on over a new transport.

use std::io;
use std::sync::Arc;

use futures_rustls::TlsStream;
use rustls::{ClientConfig, ServerConfig};
use tulip_net::{TcpStream, Transport};

use crate::{start_tls_client, start_tls_server, TlsSocket};

/// Takes the TCP stream of a running transport, for an upgrade.
async fn take_tcp(transport: &Transport) -> io::Result<(TcpStream, HandedProtocol)> {
    let (stream, protocol) = transport.detach_for_upgrade().await?;
    match stream.downcast::<TcpStream>() {
        Ok(tcp) => Ok((*tcp, protocol)),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "start_tls needs a TCP transport",
        )),
    }
}

type HandedProtocol = std::rc::Rc<std::cell::RefCell<dyn tulip_net::Protocol>>;

/// Upgrades a running TCP transport to TLS as the client: the transport stops reading, sends what is
/// buffered, and hands its socket over; after the handshake (verifying the server as
/// `server_hostname`) the same protocol goes on over the returned transport, without a second
/// `connection_made`. The old transport is closed: write to the new one.
///
/// **asyncio:** `new_transport = await loop.start_tls(transport, protocol, sslcontext,
/// server_hostname=name)`.
///
/// # Errors
///
/// `NotConnected` when the transport is closing or closed; `InvalidInput` when it is not over TCP (the
/// connection is then closed) or for an invalid `server_hostname`; the handshake's error
/// (`InvalidData` for a certificate not trusted, `TimedOut` when the peer has not finished it within
/// [`HANDSHAKE_TIMEOUT`](crate::HANDSHAKE_TIMEOUT), 60 s, asyncio's default `ssl_handshake_timeout`):
/// the socket is closed then and the protocol gets no `connection_lost` (as with asyncio, the error
/// is the caller's).
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
/// use tulip_net::Protocol;
///
/// #[derive(Default)]
/// struct Collect(Vec<u8>);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
/// }
///
/// # tulip_core::run(async {
/// # let (server_config, client_config) = configs();
/// // A server that says hello in plain text, then upgrades (STARTTLS) and says a secret.
/// let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let server = tulip_core::spawn(async move {
///     let (sock, _) = listener.accept().await?;
///     sock.write_all(b"hello\n").await?;
///     let tls = tulip_tls::start_tls_server(sock, server_config).await?;
///     let w = tulip_net::StreamWriter::new(tulip_tls::TlsSocket::new(tls.into()));
///     w.write(b"secret\n")?;
///     w.close();
///     w.wait_closed().await
/// });
/// let (plain, protocol) = tulip_net::create_connection(Collect::default, addr).await?;
/// while protocol.borrow().0 != b"hello\n" {
///     tulip_core::yield_now().await;
/// }
/// let tls = tulip_tls::upgrade_transport_client(&plain, client_config, "localhost").await?;
/// assert!(plain.is_closing());
/// assert!(tls.stream::<tulip_tls::TlsSocket>().unwrap().peercert().is_some());
/// while protocol.borrow().0 != b"hello\nsecret\n" {
///     tulip_core::yield_now().await;
/// }
/// server.await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[doc(alias = "start_tls")]
pub async fn upgrade_transport_client(
    transport: &Transport,
    config: Arc<ClientConfig>,
    server_hostname: &str,
) -> io::Result<Transport> {
    let (tcp, protocol) = take_tcp(transport).await?;
    let tls = start_tls_client(tcp, config, server_hostname).await?;
    tulip_net::connect_upgraded(protocol, TlsSocket::new(TlsStream::Client(tls)))
}

/// Upgrades a running TCP transport to TLS as the server, as
/// [`upgrade_transport_client`] does for the client.
///
/// **asyncio:** `new_transport = await loop.start_tls(transport, protocol, sslcontext,
/// server_side=True)`.
///
/// # Errors
///
/// As [`upgrade_transport_client`]: `TimedOut` when the client has not finished the handshake within
/// [`HANDSHAKE_TIMEOUT`](crate::HANDSHAKE_TIMEOUT) (60 s).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tulip_net::Transport;
/// use tulip_tls::rustls::ServerConfig;
///
/// // A STARTTLS server step: called from a task once the protocol saw the client's request.
/// async fn starttls(plain: Transport, config: Arc<ServerConfig>) -> std::io::Result<Transport> {
///     tulip_tls::upgrade_transport_server(&plain, config).await
/// }
/// ```
#[doc(alias = "start_tls")]
pub async fn upgrade_transport_server(
    transport: &Transport,
    config: Arc<ServerConfig>,
) -> io::Result<Transport> {
    let (tcp, protocol) = take_tcp(transport).await?;
    let tls = start_tls_server(tcp, config).await?;
    tulip_net::connect_upgraded(protocol, TlsSocket::new(TlsStream::Server(tls)))
}
