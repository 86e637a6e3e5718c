//! `ServerOptions`: `create_server` / `start_server` with a backlog and `SO_REUSEPORT`, and their Unix
//! forms with a backlog.

use std::future::Future;
use std::io;
use std::path::Path;

use crate::addr::ToSocketAddrs;
use crate::protocol::Protocol;
use crate::server::{bind_all, protocol_acceptor, protocol_acceptor_any, Server};
use crate::streams::{
    streams_acceptor, streams_acceptor_any, HandlerOutput, StreamReader, StreamWriter,
};
use crate::tcp::{TcpListener, DEFAULT_BACKLOG};
use crate::unix::UnixListener;
use crate::unix::UnixStream;
use crate::unix_server::{bind_unix, UnixCleanup};

/// Options for a listening server: the listen backlog and `SO_REUSEPORT`, then
/// [`create_server`](ServerOptions::create_server) or [`start_server`](ServerOptions::start_server)
/// as the plain functions do; on a Unix socket path the backlog alone, with
/// [`create_unix_server`](ServerOptions::create_unix_server) or
/// [`start_unix_server`](ServerOptions::start_unix_server).
///
/// With `reuse_port`, several servers (one per loop thread, typically one per runtime worker) listen on
/// the same address, each with its own socket, and the kernel spreads incoming connections between
/// them; a connection is served on the loop whose socket accepted it.
///
/// **asyncio:** the `backlog=` and `reuse_port=` arguments of `loop.create_server` and
/// `asyncio.start_server`, and `backlog=` of `loop.create_unix_server` and `asyncio.start_unix_server`.
///
/// # Examples
///
/// ```
/// use tulip_net::ServerOptions;
/// tulip_core::run(async {
///     # struct Nothing;
///     # impl tulip_net::Protocol for Nothing {}
///     let opts = ServerOptions::new().reuse_port(true);
///     let a = opts.create_server(|| Nothing, "127.0.0.1:0").await?;
///     let addr = a.local_addrs()[0];
///     // A second socket on the very same address and port.
///     let b = opts.create_server(|| Nothing, addr).await?;
///     assert_eq!(b.local_addrs()[0], addr);
///     a.close();
///     b.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    backlog: i32,
    reuse_port: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions::new()
    }
}

impl ServerOptions {
    /// The defaults of [`create_server`](crate::create_server): backlog [`DEFAULT_BACKLOG`], no
    /// `SO_REUSEPORT` (`SO_REUSEADDR` is always set).
    ///
    /// **asyncio:** the defaults of `loop.create_server` (`backlog=100`, `reuse_port=None`).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = tulip_net::ServerOptions::new();
    /// assert!(!opts.is_reuse_port());
    /// assert_eq!(opts, tulip_net::ServerOptions::default());
    /// ```
    pub fn new() -> Self {
        ServerOptions {
            backlog: DEFAULT_BACKLOG,
            reuse_port: false,
        }
    }

    /// The listen backlog.
    ///
    /// **asyncio:** `backlog=`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ServerOptions;
    /// tulip_core::run(async {
    ///     let opts = ServerOptions::new().backlog(16);
    ///     let server = opts.start_server("127.0.0.1:0", |_r, _w| async {}).await?;
    ///     assert_ne!(server.local_addrs()[0].port(), 0);
    ///     server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn backlog(mut self, backlog: i32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Sets `SO_REUSEPORT`, so other sockets with it may listen on the same address.
    ///
    /// **asyncio:** `reuse_port=True`.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = tulip_net::ServerOptions::new().reuse_port(true);
    /// assert!(opts.is_reuse_port());
    /// ```
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// **asyncio:** `sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)` on a server's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ServerOptions;
    /// assert!(!ServerOptions::new().is_reuse_port());
    /// assert!(ServerOptions::new().reuse_port(true).is_reuse_port());
    /// ```
    pub fn is_reuse_port(&self) -> bool {
        self.reuse_port
    }

    /// Listens with these options on every address `addr` names, as the plain functions do.
    pub(crate) async fn bind(&self, addr: impl ToSocketAddrs) -> io::Result<Vec<TcpListener>> {
        bind_all(addr, self.backlog, self.reuse_port).await
    }

    /// [`create_server`](crate::create_server) with these options.
    ///
    /// **asyncio:** `loop.create_server(protocol_factory, host, port, backlog=, reuse_port=)`.
    ///
    /// # Errors
    ///
    /// Resolution and bind errors (`AddrInUse` when another socket holds the address without
    /// `SO_REUSEPORT`, …).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{Protocol, ServerOptions};
    /// struct Nothing;
    /// impl Protocol for Nothing {}
    /// tulip_core::run(async {
    ///     let opts = ServerOptions::new().backlog(8);
    ///     let server = opts.create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     assert!(server.is_serving());
    ///     server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn create_server<F, P>(
        &self,
        protocol_factory: F,
        addr: impl ToSocketAddrs,
    ) -> io::Result<Server>
    where
        F: FnMut() -> P + 'static,
        P: Protocol,
    {
        Server::start(self.bind(addr).await?, protocol_acceptor(protocol_factory))
    }

    /// [`start_server`](crate::start_server) with these options.
    ///
    /// **asyncio:** `asyncio.start_server(client_connected_cb, host, port, backlog=, reuse_port=)`.
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
    /// use tulip_net::ServerOptions;
    /// tulip_core::run(async {
    ///     let server = ServerOptions::new()
    ///         .reuse_port(true)
    ///         .start_server("127.0.0.1:0", |mut reader, writer| async move {
    ///             let data = reader.read_to_end().await?;
    ///             writer.write(&data)?;
    ///             writer.drain().await
    ///         })
    ///         .await?;
    ///     let (mut reader, writer) = tulip_net::open_connection(server.local_addrs()[0]).await?;
    ///     writer.write(b"ping")?;
    ///     writer.write_eof()?;
    ///     assert_eq!(reader.read_to_end().await?, b"ping");
    ///     server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn start_server<F, Fut>(
        &self,
        addr: impl ToSocketAddrs,
        client_connected_cb: F,
    ) -> io::Result<Server>
    where
        F: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: HandlerOutput,
    {
        Server::start(
            self.bind(addr).await?,
            streams_acceptor(client_connected_cb),
        )
    }

    /// Binds the Unix socket at `path` with this backlog; `reuse_port` has no meaning there.
    fn bind_unix(&self, path: &Path) -> io::Result<(UnixListener, UnixCleanup)> {
        if self.reuse_port {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "reuse_port applies to TCP servers only, not to a Unix socket path",
            ));
        }
        bind_unix(path, self.backlog)
    }

    /// [`create_unix_server`](crate::create_unix_server) with this backlog.
    ///
    /// **asyncio:** `loop.create_unix_server(protocol_factory, path, backlog=)`.
    ///
    /// # Errors
    ///
    /// Those of [`create_unix_server`](crate::create_unix_server); `InvalidInput` when
    /// [`reuse_port`](ServerOptions::reuse_port) is set (asyncio's `create_unix_server` has no such
    /// argument).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{Protocol, ServerOptions};
    /// struct Nothing;
    /// impl Protocol for Nothing {}
    /// tulip_core::run(async {
    ///     let dir = std::env::temp_dir().join(format!("tulip-doc-so-cus-{}", std::process::id()));
    ///     std::fs::create_dir_all(&dir)?;
    ///     let server = ServerOptions::new()
    ///         .backlog(8)
    ///         .create_unix_server(|| Nothing, dir.join("s.sock"))
    ///         .await?;
    ///     assert!(server.is_serving());
    ///     server.close();
    ///     # std::fs::remove_dir_all(&dir)?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn create_unix_server<F, P>(
        &self,
        protocol_factory: F,
        path: impl AsRef<Path>,
    ) -> io::Result<Server>
    where
        F: FnMut() -> P + 'static,
        P: Protocol,
    {
        let (listener, cleanup) = self.bind_unix(path.as_ref())?;
        Server::start_unix(
            vec![listener],
            vec![cleanup],
            protocol_acceptor_any(protocol_factory),
        )
    }

    /// [`start_unix_server`](crate::start_unix_server) with this backlog.
    ///
    /// **asyncio:** `asyncio.start_unix_server(client_connected_cb, path, backlog=)`.
    ///
    /// # Errors
    ///
    /// As [`create_unix_server`](ServerOptions::create_unix_server).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ServerOptions;
    /// tulip_core::run(async {
    ///     let dir = std::env::temp_dir().join(format!("tulip-doc-so-sus-{}", std::process::id()));
    ///     std::fs::create_dir_all(&dir)?;
    ///     let path = dir.join("s.sock");
    ///     let server = ServerOptions::new()
    ///         .backlog(4)
    ///         .start_unix_server(&path, |mut reader, writer| async move {
    ///             let data = reader.read_to_end().await?;
    ///             writer.write(&data)?;
    ///             writer.drain().await
    ///         })
    ///         .await?;
    ///     let (mut reader, writer) = tulip_net::open_unix_connection(&path).await?;
    ///     writer.write(b"ping")?;
    ///     writer.write_eof()?;
    ///     assert_eq!(reader.read_to_end().await?, b"ping");
    ///     server.close();
    ///     # std::fs::remove_dir_all(&dir)?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn start_unix_server<F, Fut>(
        &self,
        path: impl AsRef<Path>,
        client_connected_cb: F,
    ) -> io::Result<Server>
    where
        F: FnMut(StreamReader<UnixStream>, StreamWriter<UnixStream>) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: HandlerOutput,
    {
        let (listener, cleanup) = self.bind_unix(path.as_ref())?;
        Server::start_unix(
            vec![listener],
            vec![cleanup],
            streams_acceptor_any(client_connected_cb),
        )
    }
}
