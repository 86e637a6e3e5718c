//! The Protocol API over Unix sockets: `create_unix_connection` and `create_unix_server`.

use std::cell::RefCell;
use std::io;
use std::path::Path;
use std::rc::Rc;

use crate::connection::run_protocol;
use crate::protocol::Protocol;
use crate::server::Server;
use crate::server_options::ServerOptions;
use crate::transport::Transport;
use crate::unix::UnixStream;

/// Connects to the Unix socket at `path` and runs a protocol made by `protocol_factory` on the
/// connection, as [`create_connection`](crate::create_connection) does for TCP. When this returns,
/// `connection_made` has been called; the connection is then driven by its own task.
///
/// **asyncio:** `loop.create_unix_connection(protocol_factory, path)`, which returns
/// `(transport, protocol)`. The transport's addresses are
/// [`Transport::unix_peer_addr`] / [`Transport::unix_local_addr`].
///
/// # Errors
///
/// The connect error: `NotFound` when nothing is at `path`, `ConnectionRefused` when nobody listens.
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// #[derive(Default)]
/// struct Collect(Vec<u8>, bool);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.1 = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let dir = std::env::temp_dir().join(format!("tulip-doc-cuc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("hello.sock");
///     let listener = tulip_net::UnixListener::bind(&path)?;
///     tulip_core::spawn(async move {
///         let (conn, _) = listener.accept().await?;
///         conn.write_all(b"over a Unix socket").await
///     })
///     .detach();
///
///     let (transport, protocol) = tulip_net::create_unix_connection(Collect::default, &path).await?;
///     while !protocol.borrow().1 {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(protocol.borrow().0, b"over a Unix socket");
///     assert!(transport.unix_peer_addr()?.as_pathname().is_some());
///     # std::fs::remove_dir_all(&dir)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn create_unix_connection<F, P>(
    protocol_factory: F,
    path: impl AsRef<Path>,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
{
    let sock = UnixStream::connect(path).await?;
    run_protocol(protocol_factory, sock)
}

/// Listens on a Unix socket at `path` and serves each connection with a protocol made by
/// `protocol_factory`, as [`create_server`](crate::create_server) does for TCP.
///
/// A socket file already at `path` is removed before binding, and [`Server::close`] unlinks the file
/// again if it is still the one this server made, as asyncio does (3.13's `cleanup_socket=True`).
///
/// **asyncio:** `loop.create_unix_server(protocol_factory, path)`. Differences: `path` only (no
/// `sock=`); the addresses are [`Server::unix_local_addrs`].
///
/// # Errors
///
/// The bind error (`AddrInUse` when a non-socket file is at `path`, `NotFound` for a missing
/// directory, `InvalidInput` for a path too long for `sun_path`), or the error removing a stale socket.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
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
/// tulip_core::run(async {
///     let dir = std::env::temp_dir().join(format!("tulip-doc-cus-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("echo.sock");
///     let server = tulip_net::create_unix_server(|| Echo(None), &path).await?;
///     let c = tulip_net::UnixStream::connect(&path).await?;
///     c.write_all(b"hey").await?;
///     let mut buf = [0u8; 3];
///     c.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hey");
///     server.close();
///     assert!(!path.exists());
///     # std::fs::remove_dir_all(&dir)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn create_unix_server<F, P>(
    protocol_factory: F,
    path: impl AsRef<Path>,
) -> io::Result<Server>
where
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    ServerOptions::new()
        .create_unix_server(protocol_factory, path)
        .await
}
