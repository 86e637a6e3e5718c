//! The Protocol API with `ssl=`: `create_connection` and `create_server` over a [`TlsSocket`](crate::TlsSocket).

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::Arc;

use rustls::{ClientConfig, ServerConfig};
use tulip_net::{Protocol, Server, ToSocketAddrs, Transport};

use crate::server::{accept_tls, connect_tls};

/// Connects to `addr`, runs the TLS handshake verifying the server as `server_hostname`, and runs a
/// protocol made by `protocol_factory` over the encrypted connection, as
/// `tulip_net::create_connection` does over TCP. When this returns, `connection_made` has been called.
///
/// The transport is `tulip_net`'s own [`Transport`]; `transport.stream::<TlsSocket>()` gives the
/// [`TlsSocket`](crate::TlsSocket) for the peer certificate and the cipher. `close()` sends `close_notify` after the
/// buffered data, within [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) (30 s; past it the transport
/// is aborted and the protocol gets `connection_lost(Some(err))`, `err` of kind `TimedOut`);
/// `write_eof()` is refused (`Unsupported`), as on asyncio's SSL transport.
///
/// **asyncio:** `loop.create_connection(protocol_factory, host, port, ssl=context,
/// server_hostname=name)`.
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
/// use tulip_net::{Protocol, Transport};
/// use tulip_tls::TlsSocket;
///
/// struct Echo(Option<Transport>);
/// impl Protocol for Echo {
///     fn connection_made(&mut self, t: Transport) {
///         self.0 = Some(t);
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         let _ = self.0.as_ref().unwrap().write(data);
///     }
/// }
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
/// let server = tulip_tls::create_server(|| Echo(None), "127.0.0.1:0", server_config).await?;
/// let (transport, protocol) = tulip_tls::create_connection(
///     Collect::default,
///     server.local_addrs()[0],
///     client_config,
///     "localhost",
/// )
/// .await?;
/// transport.write(b"over TLS")?;
/// while protocol.borrow().0.len() < 8 {
///     tulip_core::yield_now().await;
/// }
/// assert_eq!(protocol.borrow().0, b"over TLS");
/// // get_extra_info("peercert") / ("cipher"):
/// let tls: TlsSocket = transport.stream().unwrap();
/// assert!(tls.peercert().is_some() && tls.cipher().is_some());
/// transport.close();
/// server.close();
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn create_connection<F, P>(
    protocol_factory: F,
    addr: impl ToSocketAddrs,
    ssl: Arc<ClientConfig>,
    server_hostname: &str,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
{
    let tls = connect_tls(addr, ssl, server_hostname).await?;
    tulip_net::connect_accepted_socket(protocol_factory, tls)
}

/// Listens on `addr`; for each client, runs the TLS handshake (up to 60 s, in the connection's own
/// task) and then a protocol made by `protocol_factory`, as `tulip_net::create_server` does over TCP.
/// A failed handshake is reported on stderr and closes that connection only. A connection's close
/// (`transport.close()`, or `close_clients`) is aborted after
/// [`SHUTDOWN_TIMEOUT`](crate::SHUTDOWN_TIMEOUT) (30 s) when the client does not take the data.
///
/// **asyncio:** `loop.create_server(protocol_factory, host, port, ssl=context)`.
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
/// See [`create_connection`].
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
/// use tulip_net::{Protocol, Transport};
/// use tulip_tls::TlsSocket;
///
/// struct Echo(Option<Transport>);
/// impl Protocol for Echo {
///     fn connection_made(&mut self, t: Transport) {
///         self.0 = Some(t);
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         let _ = self.0.as_ref().unwrap().write(data);
///     }
/// }
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
/// let server = tulip_tls::create_server(|| Echo(None), "127.0.0.1:0", server_config).await?;
/// let (transport, protocol) = tulip_tls::create_connection(
///     Collect::default,
///     server.local_addrs()[0],
///     client_config,
///     "localhost",
/// )
/// .await?;
/// transport.write(b"over TLS")?;
/// while protocol.borrow().0.len() < 8 {
///     tulip_core::yield_now().await;
/// }
/// assert_eq!(protocol.borrow().0, b"over TLS");
/// // get_extra_info("peercert") / ("cipher"):
/// let tls: TlsSocket = transport.stream().unwrap();
/// assert!(tls.peercert().is_some() && tls.cipher().is_some());
/// transport.close();
/// server.close();
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn create_server<F, P>(
    protocol_factory: F,
    addr: impl ToSocketAddrs,
    ssl: Arc<ServerConfig>,
) -> io::Result<Server>
where
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    tulip_net::create_server_upgraded(protocol_factory, addr, move |sock| {
        accept_tls(sock, ssl.clone())
    })
    .await
}
