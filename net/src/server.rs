//! `Server` and `create_server`: a listening socket with an accept task, shared by the Protocol and the
//! streams APIs.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use slab::Slab;
use socket2::{Domain, Protocol as SockProtocol, Socket, Type};
use tulip_core::Task;

use crate::accept::Listener;
use crate::addr::ToSocketAddrs;
use crate::any_stream::{Addrs, AnyStream};
use crate::byte_stream::ByteStream;
use crate::connection::Connection;
use crate::protocol::Protocol;
use crate::tcp::{TcpListener, TcpStream, DEFAULT_BACKLOG};
use crate::transport::Transport;
use crate::unix::{UnixListener, UnixStream};
use crate::unix_server::UnixCleanup;

/// How long the accept task waits after an error such as `EMFILE` before accepting again.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(10);
/// While accept keeps failing, one report per this many retries (about one a second).
const REPORT_EVERY: u32 = 100;

/// A listening server: one or more listening sockets, each with an accept task that starts a connection
/// (a [`Protocol`] or a streams handler) for each client.
///
/// Given a host name that resolves to several addresses (`localhost` to `::1` and `127.0.0.1`) or a list
/// of addresses, the server listens on every one of them, as asyncio does; [`Server::local_addrs`] lists
/// each socket.
///
/// A cheap handle (an `Rc`); clones control the same server. Dropping every handle does **not** stop
/// the server, as in asyncio (the loop keeps it); call [`Server::close`]. Open connections are not
/// closed by `close()`; [`Server::wait_closed`] waits for them to end.
///
/// **asyncio:** [`asyncio.Server`](https://docs.python.org/3/library/asyncio-eventloop.html#server-objects).
/// `wait_closed` follows Python 3.12 and later (it waits for the connections to end; 3.11 returned at
/// once); `sockets` is [`Server::local_addrs`].
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     struct Nothing;
///     impl tulip_net::Protocol for Nothing {}
///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
///     assert!(server.is_serving());
///     server.close();
///     server.wait_closed().await;
///     assert!(!server.is_serving());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Rc<ServerInner>,
}

struct ServerInner {
    /// One per listening TCP socket, in the order they were bound (empty for a Unix server).
    addrs: Vec<SocketAddr>,
    /// One per listening Unix socket (empty for a TCP server).
    unix_addrs: Vec<std::os::unix::net::SocketAddr>,
    /// The socket files to unlink when the server closes (asyncio's `cleanup_socket`).
    cleanup: Vec<UnixCleanup>,
    /// `None` once closed (the descriptors are closed with it). A `Vec<L>` of one listener type (the
    /// accept tasks know which); index `i` is the `i`-th address.
    listeners: RefCell<Option<Box<dyn Any>>>,
    accept_tasks: RefCell<Vec<Task<()>>>,
    /// Connections (or streams handlers) still running.
    active: Cell<usize>,
    /// `serve_forever` and `wait_closed` callers.
    waiters: RefCell<Vec<Waker>>,
    /// How to close each live connection (`true`: abort), for `close_clients` / `abort_clients`.
    clients: RefCell<Slab<Closer>>,
    /// The loop the server was made on, without keeping it alive (`get_loop`).
    lp: tulip_core::WeakLoop,
}

/// Closes one connection: `close()` on its transport, or `abort()` when given `true`.
pub(crate) type Closer = Rc<dyn Fn(bool)>;

impl ServerInner {
    fn is_closed(&self) -> bool {
        self.listeners.borrow().is_none()
    }

    fn wake_waiters(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }

    fn add_waiter(&self, waker: &Waker) {
        let mut ws = self.waiters.borrow_mut();
        if !ws.iter().any(|w| w.will_wake(waker)) {
            ws.push(waker.clone());
        }
    }
}

/// Counts one live connection of a server, for `wait_closed`, and holds its place in the server's
/// client list while it lives.
pub(crate) struct ConnGuard {
    inner: Rc<ServerInner>,
    /// Key of this connection's closer in `ServerInner::clients`, once set.
    client: Option<usize>,
}

impl ConnGuard {
    fn new(inner: &Rc<ServerInner>) -> ConnGuard {
        inner.active.set(inner.active.get() + 1);
        ConnGuard {
            inner: inner.clone(),
            client: None,
        }
    }

    /// Registers how `close_clients` / `abort_clients` end this connection.
    pub(crate) fn set_closer(&mut self, closer: Closer) {
        let mut clients = self.inner.clients.borrow_mut();
        if let Some(old) = self.client.take() {
            clients.try_remove(old);
        }
        self.client = Some(clients.insert(closer));
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        if let Some(key) = self.client.take() {
            let closer = self.inner.clients.borrow_mut().try_remove(key);
            drop(closer); // with the list released
        }
        let left = self.inner.active.get() - 1;
        self.inner.active.set(left);
        if left == 0 && self.inner.is_closed() {
            self.inner.wake_waiters();
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addrs", &self.inner.addrs)
            .field("unix_addrs", &self.inner.unix_addrs)
            .field("serving", &self.is_serving())
            .field("active", &self.inner.active.get())
            .finish()
    }
}

impl Server {
    /// Starts one accept task per TCP listener; `on_accept` starts each connection, whichever socket it
    /// came in on.
    pub(crate) fn start<H>(listeners: Vec<TcpListener>, on_accept: H) -> io::Result<Server>
    where
        H: FnMut(TcpStream, SocketAddr, ConnGuard) + 'static,
    {
        let addrs = listeners
            .iter()
            .map(TcpListener::local_addr)
            .collect::<io::Result<Vec<_>>>()?;
        let names = addrs.iter().map(ToString::to_string).collect();
        Ok(Server::start_any(
            listeners,
            names,
            addrs,
            Vec::new(),
            Vec::new(),
            on_accept,
        ))
    }

    /// Starts one accept task per Unix listener; `cleanup` says which socket files `close()` unlinks.
    pub(crate) fn start_unix<H>(
        listeners: Vec<UnixListener>,
        cleanup: Vec<UnixCleanup>,
        on_accept: H,
    ) -> io::Result<Server>
    where
        H: FnMut(UnixStream, std::os::unix::net::SocketAddr, ConnGuard) + 'static,
    {
        let addrs = listeners
            .iter()
            .map(UnixListener::local_addr)
            .collect::<io::Result<Vec<_>>>()?;
        let names = addrs
            .iter()
            .map(|a| match a.as_pathname() {
                Some(p) => p.display().to_string(),
                None => format!("{a:?}"),
            })
            .collect();
        Ok(Server::start_any(
            listeners,
            names,
            Vec::new(),
            addrs,
            cleanup,
            on_accept,
        ))
    }

    /// Starts one accept task per listener of any kind.
    fn start_any<L, H>(
        listeners: Vec<L>,
        names: Vec<String>,
        addrs: Vec<SocketAddr>,
        unix_addrs: Vec<std::os::unix::net::SocketAddr>,
        cleanup: Vec<UnixCleanup>,
        on_accept: H,
    ) -> Server
    where
        L: Listener + 'static,
        H: FnMut(L::Stream, L::Addr, ConnGuard) + 'static,
    {
        let count = listeners.len();
        let inner = Rc::new(ServerInner {
            addrs,
            unix_addrs,
            cleanup,
            listeners: RefCell::new(Some(Box::new(listeners))),
            accept_tasks: RefCell::new(Vec::new()),
            active: Cell::new(0),
            waiters: RefCell::new(Vec::new()),
            clients: RefCell::new(Slab::new()),
            lp: tulip_core::try_get_running_loop()
                .map(|l| l.downgrade())
                .unwrap_or_default(),
        });
        let on_accept = Rc::new(RefCell::new(on_accept));
        let tasks = names
            .into_iter()
            .take(count)
            .enumerate()
            .map(|(i, name)| {
                tulip_core::spawn(accept_loop::<L, H>(
                    inner.clone(),
                    i,
                    name,
                    on_accept.clone(),
                ))
            })
            .collect();
        *inner.accept_tasks.borrow_mut() = tasks;
        Server { inner }
    }

    /// Stops listening: every listening socket is closed at once and no more connections are accepted.
    /// Open connections go on (see [`Server::wait_closed`]). Closing twice is harmless.
    ///
    /// **asyncio:** `Server.close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let addr = server.local_addrs()[0];
    ///     server.close();
    ///     let err = tulip_net::TcpStream::connect(addr).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        let listeners = self.inner.listeners.borrow_mut().take();
        let tasks = std::mem::take(&mut *self.inner.accept_tasks.borrow_mut());
        if listeners.is_none() {
            return;
        }
        drop(listeners);
        drop(tasks);
        for c in &self.inner.cleanup {
            c.unlink_if_ours();
        }
        self.inner.wake_waiters();
    }

    /// Waits until the server is closed and every connection it accepted has ended.
    ///
    /// **asyncio:** `await Server.wait_closed()` (Python 3.12 semantics).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let s = server.clone();
    ///     tulip_core::call_soon(move || s.close());
    ///     server.wait_closed().await;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_closed(&self) {
        poll_fn(|cx| {
            if self.inner.is_closed() && self.inner.active.get() == 0 {
                return Poll::Ready(());
            }
            self.inner.add_waiter(cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Serves until the server is closed (by [`Server::close`] from elsewhere). Dropping the future
    /// before that (cancelling it) closes the server, as cancelling `serve_forever` does in asyncio.
    ///
    /// **asyncio:** `await Server.serve_forever()`.
    ///
    /// # Errors
    ///
    /// `NotConnected` when the server is already closed, or when its loop is not the one running this
    /// call (closed, dropped, or another loop: nothing would accept; asyncio raises `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:8888").await?;
    ///     server.serve_forever().await
    /// })
    /// .unwrap();
    /// ```
    pub async fn serve_forever(&self) -> io::Result<()> {
        struct CloseOnDrop<'a>(&'a Server, bool);
        impl Drop for CloseOnDrop<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.close();
                }
            }
        }
        if self.inner.is_closed() {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "serve_forever on a closed server",
            ));
        }
        // A server is `!Send`: its loop, if running, runs on this thread, so it is the one running us.
        if !self.inner.lp.upgrade().is_some_and(|lp| lp.is_running()) {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "serve_forever outside the server's loop (closed, dropped, or another loop)",
            ));
        }
        let mut guard = CloseOnDrop(self, false);
        poll_fn(|cx| {
            if self.inner.is_closed() {
                return Poll::Ready(());
            }
            self.inner.add_waiter(cx.waker());
            Poll::Pending
        })
        .await;
        guard.1 = true;
        Ok(())
    }

    /// Whether the server is accepting connections (until [`Server::close`]).
    ///
    /// **asyncio:** `Server.is_serving()`.
    ///
    /// # Examples
    ///
    /// See [`Server`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     assert!(server.is_serving());
    ///     # server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.inner.is_closed()
    }

    /// The addresses the server listens on, one per listening socket (kept after `close()`).
    ///
    /// **asyncio:** `[s.getsockname() for s in Server.sockets]`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let addr = server.local_addrs()[0];
    ///     assert!(addr.ip().is_loopback() && addr.port() != 0);
    ///     # server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "sockets")]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.inner.addrs.clone()
    }

    /// The addresses a Unix server ([`start_unix_server`](crate::start_unix_server),
    /// [`create_unix_server`](crate::create_unix_server)) listens on, one per socket (kept after
    /// `close()`); empty for a TCP server, as [`local_addrs`](Server::local_addrs) is for a Unix one.
    ///
    /// **asyncio:** `[s.getsockname() for s in Server.sockets]` of a Unix server.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let dir = std::env::temp_dir().join(format!("tulip-doc-unix-addrs-{}", std::process::id()));
    ///     std::fs::create_dir_all(&dir)?;
    ///     let path = dir.join("server.sock");
    ///     let server = tulip_net::start_unix_server(&path, |_r, _w| async {}).await?;
    ///     assert_eq!(server.unix_local_addrs()[0].as_pathname(), Some(path.as_path()));
    ///     assert!(server.local_addrs().is_empty());
    ///     server.close();
    ///     # std::fs::remove_dir_all(&dir)?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "sockets")]
    pub fn unix_local_addrs(&self) -> Vec<std::os::unix::net::SocketAddr> {
        self.inner.unix_addrs.clone()
    }

    /// Closes every connection the server has accepted and that is still open: a [`create_server`]
    /// connection gets [`Transport::close`] (what it has buffered is still written, then
    /// `connection_lost(None)`); a [`start_server`](crate::start_server) connection is shut down both
    /// ways (its handler reads EOF and its writes fail). Listening is not affected: call
    /// [`close`](Server::close) for that.
    ///
    /// **asyncio:** `Server.close_clients()` (3.13).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let client = tulip_net::TcpStream::connect(server.local_addrs()[0]).await?;
    ///     while server.active_clients() == 0 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     server.close_clients();
    ///     let mut buf = [0u8; 1];
    ///     assert_eq!(client.read(&mut buf).await?, 0); // the server closed its side
    ///     # server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close_clients(&self) {
        self.end_clients(false)
    }

    /// Aborts every connection the server has accepted and that is still open: a [`create_server`]
    /// connection gets [`Transport::abort`] (buffered data is dropped, then `connection_lost(None)`); a
    /// [`start_server`](crate::start_server) connection's stream gets [`ByteStream::abort`]
    /// (a socket is shut down both ways, as by [`close_clients`](Server::close_clients); a TLS
    /// stream without `close_notify` and without waiting on the peer).
    ///
    /// **asyncio:** `Server.abort_clients()` (3.13).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     let _client = tulip_net::TcpStream::connect(server.local_addrs()[0]).await?;
    ///     while server.active_clients() == 0 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     server.abort_clients();
    ///     while server.active_clients() != 0 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     # server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn abort_clients(&self) {
        self.end_clients(true)
    }

    /// How many accepted connections are still running (for a `start_server` server: handlers).
    ///
    /// **asyncio:** `len(server._clients)` (private in asyncio).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # struct Nothing;
    ///     # impl tulip_net::Protocol for Nothing {}
    ///     let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    ///     assert_eq!(server.active_clients(), 0);
    ///     # server.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn active_clients(&self) -> usize {
        self.inner.active.get()
    }

    /// The loop the server was made on (whose tasks accept its connections), while that loop lives:
    /// `None` once every `Loop` value that owned it has been dropped. The server holds a
    /// [`WeakLoop`](tulip_core::WeakLoop), so it does not keep its loop alive.
    ///
    /// **asyncio:** `Server.get_loop()`. Differences: `None` where asyncio, whose server keeps its loop
    /// alive, would still return it.
    ///
    /// # Examples
    ///
    /// ```
    /// struct Nothing;
    /// impl tulip_net::Protocol for Nothing {}
    ///
    /// let lp = tulip_core::Loop::new()?;
    /// let server = lp.block_on(tulip_net::create_server(|| Nothing, "127.0.0.1:0"))?;
    /// assert!(!server.get_loop().unwrap().is_closed());
    /// server.close();
    /// drop(lp); // the loop shuts down with its last owner
    /// assert!(server.get_loop().is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_loop(&self) -> Option<tulip_core::Loop> {
        self.inner.lp.upgrade()
    }

    /// Runs every registered closer, with the client list released (closing may end a connection and
    /// drop its guard).
    fn end_clients(&self, abort: bool) {
        let closers: Vec<Closer> = self
            .inner
            .clients
            .borrow()
            .iter()
            .map(|(_, c)| c.clone())
            .collect();
        for close in closers {
            close(abort);
        }
    }
}

/// Accepts connections on listener `index` of `inner` (called `name` in reports) until the server
/// closes.
async fn accept_loop<L, H>(
    inner: Rc<ServerInner>,
    index: usize,
    name: String,
    on_accept: Rc<RefCell<H>>,
) where
    L: Listener + 'static,
    H: FnMut(L::Stream, L::Addr, ConnGuard) + 'static,
{
    // Retries left before the next report: the first failure in a row is reported, then one in
    // `REPORT_EVERY`.
    let mut quiet = 0u32;
    loop {
        let res = poll_fn(|cx| {
            let listeners = inner.listeners.borrow();
            match listeners
                .as_ref()
                .and_then(|ls| ls.downcast_ref::<Vec<L>>())
                .and_then(|ls| ls.get(index))
            {
                Some(l) => l.poll_accept(cx).map(Some),
                None => Poll::Ready(None),
            }
        })
        .await;
        match res {
            None => return,
            Some(Ok((stream, peer))) => {
                quiet = 0;
                (on_accept.borrow_mut())(stream, peer, ConnGuard::new(&inner));
            }
            Some(Err(e)) => match e.kind() {
                // The client gave up before we accepted: asyncio ignores these too.
                io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted => {}
                _ => {
                    if quiet == 0 {
                        quiet = REPORT_EVERY;
                        eprintln!(
                            "tulip: accept failed on {}: {e}; retrying every {} ms",
                            name,
                            ACCEPT_RETRY_DELAY.as_millis()
                        );
                    }
                    quiet -= 1;
                    tulip_time::sleep(ACCEPT_RETRY_DELAY).await;
                }
            },
        }
    }
}

/// Resolves `addr` and listens on every distinct address it names, as asyncio's `create_server` does:
/// `SO_REUSEADDR` on each socket, and `IPV6_V6ONLY` on IPv6 sockets when there are several (so `::` and
/// `0.0.0.0` on one port do not collide), `SO_REUSEPORT` when `reuse_port`, listening with `backlog`. Any
/// bind error closes the sockets bound so far and is returned.
pub(crate) async fn bind_all(
    addr: impl ToSocketAddrs,
    backlog: i32,
    reuse_port: bool,
) -> io::Result<Vec<TcpListener>> {
    let mut addrs = addr.to_socket_addrs().await?;
    let mut seen = Vec::with_capacity(addrs.len());
    addrs.retain(|a| {
        let new = !seen.contains(a);
        seen.push(*a);
        new
    });
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        ));
    }
    let several = addrs.len() > 1;
    addrs
        .into_iter()
        .map(|a| {
            let socket = Socket::new(
                Domain::for_address(a),
                Type::STREAM.nonblocking().cloexec(),
                Some(SockProtocol::TCP),
            )?;
            socket.set_reuse_address(true)?;
            if reuse_port {
                socket.set_reuse_port(true)?;
            }
            if several && a.is_ipv6() {
                socket.set_only_v6(true)?;
            }
            socket.bind(&a.into()).map_err(|e| bind_error(e, a))?;
            socket.listen(backlog)?;
            TcpListener::from_std(socket.into())
        })
        .collect()
}

/// The OS error, with the address that could not be bound in its message (asyncio: "error while
/// attempting to bind on address ...").
#[cold]
fn bind_error(e: io::Error, addr: SocketAddr) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("error while attempting to bind on address {addr}: {e}"),
    )
}

/// Listens on `addr` and serves each connection with a protocol made by `protocol_factory`.
///
/// For each client the accept task calls the factory and spawns one task that drives the connection
/// (`connection_made`, `data_received`, … are called from it). `TCP_NODELAY` is set on each accepted
/// socket, as asyncio does. Accept errors such as `EMFILE` (out of descriptors) are reported on stderr
/// (about once a second while they last) and the server keeps serving, trying again every 10 ms.
///
/// **asyncio:** `loop.create_server(protocol_factory, host, port)` (`SO_REUSEADDR` set, serving
/// started at once). Like asyncio, it listens on every address `addr` names: a host name resolving to
/// several addresses (`"localhost:8888"` to `::1` and `127.0.0.1`) or a list of addresses (`&[a, b][..]`)
/// gives one listening socket each; with port 0 each socket gets its own port.
///
/// # Errors
///
/// Resolution and bind errors (`AddrInUse`, `PermissionDenied`, …): when one of several addresses
/// cannot be bound, none is kept.
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
///     let server = tulip_net::create_server(|| Echo(None), "127.0.0.1:0").await?;
///     let c = tulip_net::TcpStream::connect(server.local_addrs()[0]).await?;
///     c.write_all(b"hey").await?;
///     let mut buf = [0u8; 3];
///     c.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hey");
///     server.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn create_server<F, P>(
    protocol_factory: F,
    addr: impl ToSocketAddrs,
) -> io::Result<Server>
where
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    let listeners = bind_all(addr, DEFAULT_BACKLOG, false).await?;
    Server::start(listeners, protocol_acceptor(protocol_factory))
}

/// What a Protocol server does with each accepted socket: make a protocol and its transport, let
/// [`Server::close_clients`] reach the transport, spawn the connection task. Shared by [`create_server`]
/// and the servers of [`ServerOptions`](crate::ServerOptions) and the runtime workers.
pub(crate) fn protocol_acceptor<F, P>(
    mut protocol_factory: F,
) -> impl FnMut(TcpStream, SocketAddr, ConnGuard) + 'static
where
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    move |sock, peer, guard| {
        let _ = sock.set_nodelay(true);
        // A connection reset before we got here has no local address: drop it.
        let Ok(local) = sock.local_addr() else {
            return;
        };
        let addrs = Addrs::Inet { peer, local };
        start_protocol(&mut protocol_factory, sock, addrs, guard);
    }
}

/// [`protocol_acceptor`] for any stream (Unix sockets, TLS): the addresses are read from the stream.
pub(crate) fn protocol_acceptor_any<S, A, F, P>(
    mut protocol_factory: F,
) -> impl FnMut(S, A, ConnGuard) + 'static
where
    S: ByteStream,
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    move |sock, _peer, guard| {
        // A connection reset before we got here has no address: drop it.
        let Ok(addrs) = Addrs::of(&sock) else {
            return;
        };
        start_protocol(&mut protocol_factory, sock, addrs, guard);
    }
}

/// Makes the protocol and the transport of an accepted connection, lets [`Server::close_clients`]
/// reach the transport, and spawns the connection's task (which calls `connection_made` first).
fn start_protocol<S, F, P>(protocol_factory: &mut F, sock: S, addrs: Addrs, mut guard: ConnGuard)
where
    S: ByteStream,
    F: FnMut() -> P,
    P: Protocol,
{
    let protocol = Rc::new(RefCell::new(protocol_factory()));
    let transport = Transport::new(AnyStream::new(sock.clone()), addrs, protocol.clone());
    let t = transport.clone();
    guard.set_closer(Rc::new(
        move |abort| if abort { t.abort() } else { t.close() },
    ));
    tulip_core::spawn(Connection::new(transport, sock, protocol, Some(guard))).detach();
}
