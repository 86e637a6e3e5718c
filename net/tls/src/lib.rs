//! TLS on tulip with rustls: [`start_tls`](start_tls_client) on a connected stream, and asyncio's
//! `ssl=` on [`open_connection`] / [`start_server`] (streams) and [`create_connection`] /
//! [`create_server`] (Protocol), all over a [`TlsSocket`]; `start_tls` on a running transport is
//! [`upgrade_transport_client`] / [`upgrade_transport_server`].
//!
//! **asyncio:** the `ssl` module's `SSLContext` (here rustls' [`ClientConfig`](rustls::ClientConfig) and
//! [`ServerConfig`](rustls::ServerConfig)), `loop.start_tls()`, `StreamWriter.start_tls()`, the
//! `ssl=` / `server_hostname=` arguments of `open_connection` / `start_server` /
//! `create_connection` / `create_server`, and `get_extra_info("peercert")` / `("cipher")`.
//!
//! # Implementation
//!
//! rustls through futures-rustls, on the `futures_io` traits that tulip's sockets implement, with
//! *ring* as the crypto provider (it needs only a C compiler to build). A [`TlsSocket`] is the TLS
//! stream shared by the halves that use it (`Rc<RefCell<_>>`, borrowed only inside a poll) and
//! implements `tulip_net::ByteStream`, so the streams are `tulip_net`'s own `StreamReader` /
//! `StreamWriter` and the Protocol layer is `tulip_net`'s own `Transport`: writes go into rustls
//! (encrypted and sent at once when the socket takes them, else by the writer's flusher task), and
//! closing sends `close_notify`.
//!
//! Every handshake, on either side and by every entry point, is given up with `TimedOut` after
//! [`HANDSHAKE_TIMEOUT`] (60 s, asyncio's default `ssl_handshake_timeout`), so a peer that stalls
//! never holds a connection or a task forever.
//!
//! Every close is bounded the same way, by [`SHUTDOWN_TIMEOUT`] (30 s, asyncio's default
//! `ssl_shutdown_timeout`), from the `close()` of a `StreamWriter` or `Transport` (or
//! `Server::close_clients`): when a peer that stopped reading leaves our data and `close_notify`
//! unsent, the connection is aborted (the socket shut down both ways, unsent data dropped, waiters
//! woken); `wait_closed()` then fails with `TimedOut` and a protocol gets
//! `connection_lost(Some(err))` of that kind, as asyncio's `TimeoutError("SSL shutdown timed out")`.
//! A close does not wait for the peer's `close_notify` (asyncio does, within the same limit).
//!
//! A peer that closes its TCP connection without `close_notify` may have been cut off (a truncation
//! attack looks the same), so the end is an error, not an end of stream: reads return the bytes that
//! came before it, then `UnexpectedEof`, and a protocol gets `connection_lost(Some(err))` with no
//! `eof_received`. asyncio reports a plain end of stream there (`eof_received()`, then
//! `connection_lost(None)`); rustls, whose default tulip keeps, treats it as truncation.
//!
//! A tulip socket keeps one waker per direction, so when rustls must send while reading (a TLS 1.3
//! `KeyUpdate` answer, an alert) while the socket's send buffer is full and the writer's flusher
//! waits too, the reading task's waker replaces the flusher's, which may then miss its wake-up until
//! the next write or read. A known limitation: it needs a full send buffer and one of those rare
//! records at once.
//!
//! # Examples
//!
//! A server and a client that verifies it (the certificate comes from your CA; the tests and the
//! `tls_echo` example make one with rcgen):
//!
//! ```
//! use std::sync::Arc;
//! use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
//! # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
//! // A self-signed certificate for "localhost" (rcgen), trusted by the client.
//! # fn configs() -> (ServerConfig, ClientConfig) {
//! #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
//! #     let der: CertificateDer<'static> = cert.cert.der().clone();
//! #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
//! #     let server = ServerConfig::builder()
//! #         .with_no_client_auth()
//! #         .with_single_cert(vec![der.clone()], key)
//! #         .unwrap();
//! #     let mut roots = RootCertStore::empty();
//! #     roots.add(der).unwrap();
//! #     (server, ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
//! # }
//! # tulip_core::run(async {
//! let (server_config, client_config) = configs();
//! let server = tulip_tls::start_server("127.0.0.1:0", Arc::new(server_config), |mut r, w| async move {
//!     let line = r.readline().await?;
//!     w.write(&line)?;
//!     w.close();
//!     w.wait_closed().await
//! })
//! .await?;
//! let (mut reader, writer) =
//!     tulip_tls::open_connection(server.local_addrs()[0], Arc::new(client_config), "localhost").await?;
//! writer.write(b"hello\n")?;
//! writer.drain().await?;
//! assert_eq!(reader.readline().await?, b"hello\n");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]

mod aliases;
mod protocol;
mod server;
mod shutdown;
mod socket;
mod start_tls;
mod upgrade;

pub use aliases::{TlsStreamReader, TlsStreamWriter};
pub use protocol::{create_connection, create_server};
pub use server::{open_connection, start_server};
pub use socket::TlsSocket;
pub use start_tls::{start_tls_client, start_tls_server, HANDSHAKE_TIMEOUT, SHUTDOWN_TIMEOUT};
pub use upgrade::{upgrade_transport_client, upgrade_transport_server};

pub use futures_rustls::{client, server as server_stream, TlsAcceptor, TlsConnector, TlsStream};
pub use rustls;
pub use rustls::pki_types;
