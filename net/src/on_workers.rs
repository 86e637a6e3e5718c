//! One server per runtime worker on the same address (`SO_REUSEPORT`), started and closed together.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use tulip_core::runtime::{on_shutdown, RuntimeHandle};
use tulip_core::{Handle, Task};

use crate::addr::ToSocketAddrs;
use crate::protocol::Protocol;
use crate::server::{protocol_acceptor, Server};
use crate::server_options::ServerOptions;
use crate::streams::{streams_acceptor, HandlerOutput, StreamReader, StreamWriter};

/// Tells one worker's server to close, from any thread.
#[derive(Default)]
struct CloseSignal {
    closed: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl CloseSignal {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    async fn wait(&self) {
        poll_fn(|cx| {
            if self.closed.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            if self.closed.load(Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// Servers on every worker of a runtime, all listening on one address with `SO_REUSEPORT`; the kernel
/// spreads connections between them and each connection is served on the worker that accepted it.
///
/// Returned by [`start_server_on_workers`] and [`create_server_on_workers`]. `Send + Sync`: close it
/// from any thread. Dropping it does not stop the servers (as with [`Server`]); they stop on
/// [`WorkerServers::close`] or when the runtime shuts down.
///
/// **asyncio:** a list of `asyncio.Server`s, one per loop, each made with `reuse_port=True`.
///
/// # Examples
///
/// ```
/// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
/// let handle = rt.handle();
/// rt.block_on(async move {
///     let servers =
///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
///     assert_eq!(servers.len(), 2);
///     servers.close();
///     servers.wait_closed().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct WorkerServers {
    addr: SocketAddr,
    signals: Vec<Arc<CloseSignal>>,
    /// One per worker: ends once that worker's server is closed and its connections have ended.
    closed: Vec<Option<Task<()>>>,
}

impl fmt::Debug for WorkerServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerServers")
            .field("addr", &self.addr)
            .field("workers", &self.signals.len())
            .finish()
    }
}

impl WorkerServers {
    /// The address every worker listens on.
    ///
    /// **asyncio:** `Server.sockets[0].getsockname()` of any of them.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let servers =
    ///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
    ///     let addr = servers.local_addr();
    ///     assert!(addr.ip().is_loopback());
    ///     assert_ne!(addr.port(), 0);
    ///     servers.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The number of servers (one per worker).
    ///
    /// **asyncio:** `len()` of the list of servers.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let servers =
    ///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
    ///     assert_eq!(servers.len(), 2);
    ///     servers.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn len(&self) -> usize {
        self.signals.len()
    }

    /// Always `false`: a runtime has at least one worker.
    ///
    /// **asyncio:** `not servers` on the list of servers.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let servers =
    ///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
    ///     assert!(!servers.is_empty());
    ///     servers.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }

    /// Closes every worker's listening socket (each on its own worker, soon after this call). Open
    /// connections go on; see [`WorkerServers::wait_closed`].
    ///
    /// **asyncio:** `Server.close()` on each.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let servers =
    ///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
    ///     servers.close();
    ///     // Once closed, nothing listens on the address any more.
    ///     let addr = servers.local_addr();
    ///     servers.wait_closed().await;
    ///     assert!(tulip_net::open_connection(addr).await.is_err());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        for s in &self.signals {
            s.close();
        }
    }

    /// Waits until every worker's server is closed and its connections have ended.
    ///
    /// **asyncio:** `await Server.wait_closed()` on each.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let servers =
    ///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |_r, _w| async {}).await?;
    ///     servers.close();
    ///     servers.wait_closed().await;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_closed(mut self) {
        for t in self.closed.iter_mut() {
            if let Some(t) = t.take() {
                // Cancelled only when its worker shut down, and then its server is gone too.
                let _ = t.join().await;
            }
        }
    }
}

impl Drop for WorkerServers {
    fn drop(&mut self) {
        for t in self.closed.iter_mut() {
            if let Some(t) = t.take() {
                t.detach();
            }
        }
    }
}

/// Starts a [`Server`] on a worker from a listener bound there; `Send` so it can be handed to each.
type Starter = Arc<dyn Fn(Vec<crate::tcp::TcpListener>) -> io::Result<Server> + Send + Sync>;

/// Binds `addr` with `SO_REUSEPORT` on `worker`, starts a server there, and keeps it until `signal`.
fn start_on(
    worker: &Handle,
    opts: ServerOptions,
    addr: SocketAddr,
    start: Starter,
    signal: Arc<CloseSignal>,
) -> Task<io::Result<(SocketAddr, Task<()>)>> {
    worker.spawn(async move {
        // The server is `!Send`: it is made and kept by a task local to the worker.
        tulip_core::spawn(async move {
            // One address: one listener.
            let listeners = opts.bind(addr).await?;
            let local = listeners[0].local_addr()?;
            let server = start(listeners)?;
            let on_close = signal.clone();
            on_shutdown(move || on_close.close());
            let keeper = tulip_core::spawn(async move {
                signal.wait().await;
                server.close();
                server.wait_closed().await;
            });
            Ok((local, keeper))
        })
        .await
    })
}

async fn start_all(
    runtime: &RuntimeHandle,
    addr: impl ToSocketAddrs,
    opts: ServerOptions,
    start: Starter,
) -> io::Result<WorkerServers> {
    let opts = opts.reuse_port(true);
    let mut servers = WorkerServers {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        signals: Vec::with_capacity(runtime.workers()),
        closed: Vec::with_capacity(runtime.workers()),
    };
    // Worker 0 binds first, to the first address that works (port 0 becomes a real port there); the
    // others bind exactly the address it got.
    let candidates = addr.to_socket_addrs().await?;
    let mut last_err = None;
    for a in candidates {
        let signal = Arc::new(CloseSignal::default());
        match start_on(runtime.worker(0), opts, a, start.clone(), signal.clone()).await {
            Ok((local, keeper)) => {
                servers.addr = local;
                servers.signals.push(signal);
                servers.closed.push(Some(keeper));
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    if servers.signals.is_empty() {
        return Err(last_err.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any address",
            )
        }));
    }
    for i in 1..runtime.workers() {
        let signal = Arc::new(CloseSignal::default());
        let started = start_on(
            runtime.worker(i),
            opts,
            servers.addr,
            start.clone(),
            signal.clone(),
        );
        match started.await {
            Ok((_, keeper)) => {
                servers.signals.push(signal);
                servers.closed.push(Some(keeper));
            }
            Err(e) => {
                // Dropping `servers` leaves the started ones running: close them first.
                servers.close();
                return Err(e);
            }
        }
    }
    Ok(servers)
}

/// Starts a streams server on every worker of `runtime`, all on `addr` (`SO_REUSEPORT`): each worker
/// binds its own listening socket and runs `client_connected_cb` for the connections it accepts. With
/// port 0, worker 0's port is used by all. The servers stop accepting when [`WorkerServers::close`] is
/// called or when the runtime begins to shut down.
///
/// **asyncio:** `asyncio.start_server(client_connected_cb, host, port, reuse_port=True)` in each of
/// several loops.
///
/// # Errors
///
/// Resolution and bind errors; servers already started are closed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_core::Runtime;
///
/// let rt = Runtime::builder().workers(2).build().unwrap();
/// let handle = rt.handle();
/// let servers = rt
///     .block_on(async move {
///         tulip_net::start_server_on_workers(&handle, "127.0.0.1:0", |mut r, w| async move {
///             let data = r.read_to_end().await?;
///             w.write(&data)?;
///             w.drain().await
///         })
///         .await
///     })
///     .unwrap();
/// assert_eq!(servers.len(), 2);
/// let mut c = std::net::TcpStream::connect(servers.local_addr()).unwrap();
/// use std::io::{Read, Write};
/// c.write_all(b"hi").unwrap();
/// c.shutdown(std::net::Shutdown::Write).unwrap();
/// let mut back = Vec::new();
/// c.read_to_end(&mut back).unwrap();
/// assert_eq!(back, b"hi");
/// rt.shutdown_timeout(Duration::from_secs(1));
/// ```
pub async fn start_server_on_workers<F, Fut>(
    runtime: &RuntimeHandle,
    addr: impl ToSocketAddrs,
    client_connected_cb: F,
) -> io::Result<WorkerServers>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    start_server_on_workers_with(runtime, addr, ServerOptions::new(), client_connected_cb).await
}

/// [`start_server_on_workers`] with a backlog from `opts` (`reuse_port` is always on).
///
/// **asyncio:** `asyncio.start_server(client_connected_cb, host, port, backlog=, reuse_port=True)` in
/// each of several loops.
///
/// # Errors
///
/// As [`start_server_on_workers`].
///
/// # Examples
///
/// ```
/// use tulip_net::{start_server_on_workers_with, ServerOptions};
/// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
/// let handle = rt.handle();
/// rt.block_on(async move {
///     let opts = ServerOptions::new().backlog(64);
///     let servers =
///         start_server_on_workers_with(&handle, "127.0.0.1:0", opts, |_r, _w| async {}).await?;
///     assert_eq!(servers.len(), 2);
///     servers.close();
///     servers.wait_closed().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_server_on_workers_with<F, Fut>(
    runtime: &RuntimeHandle,
    addr: impl ToSocketAddrs,
    opts: ServerOptions,
    client_connected_cb: F,
) -> io::Result<WorkerServers>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    let cb = Arc::new(client_connected_cb);
    let start: Starter = Arc::new(move |listeners| {
        let cb = cb.clone();
        Server::start(listeners, streams_acceptor(move |r, w| cb(r, w)))
    });
    start_all(runtime, addr, opts, start).await
}

/// Starts a Protocol server on every worker of `runtime`, all on `addr` (`SO_REUSEPORT`); each
/// worker's connections get protocols from `protocol_factory`, called on that worker (so the protocol
/// need not be `Send`). See [`start_server_on_workers`].
///
/// **asyncio:** `loop.create_server(protocol_factory, host, port, reuse_port=True)` in each of several
/// loops.
///
/// # Errors
///
/// Resolution and bind errors; servers already started are closed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
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
/// let rt = tulip_core::Runtime::builder().workers(2).build().unwrap();
/// let handle = rt.handle();
/// let servers = rt
///     .block_on(async move {
///         tulip_net::create_server_on_workers(&handle, || Echo(None), "127.0.0.1:0").await
///     })
///     .unwrap();
/// let mut c = std::net::TcpStream::connect(servers.local_addr()).unwrap();
/// use std::io::{Read, Write};
/// c.write_all(b"hey").unwrap();
/// let mut buf = [0u8; 3];
/// c.read_exact(&mut buf).unwrap();
/// assert_eq!(&buf, b"hey");
/// rt.shutdown_timeout(Duration::from_secs(1));
/// ```
pub async fn create_server_on_workers<F, P>(
    runtime: &RuntimeHandle,
    protocol_factory: F,
    addr: impl ToSocketAddrs,
) -> io::Result<WorkerServers>
where
    F: Fn() -> P + Send + Sync + 'static,
    P: Protocol,
{
    let factory = Arc::new(protocol_factory);
    let start: Starter = Arc::new(move |listeners| {
        let factory = factory.clone();
        Server::start(listeners, protocol_acceptor(move || factory()))
    });
    start_all(runtime, addr, ServerOptions::new(), start).await
}
