//! Needs `--features tls,rcgen`: closing a TLS connection whose peer stalls: a peer that never reads
//! (our unsent data and `close_notify` cannot go out), a peer that never answers our `close_notify`
//! and never closes its side, and servers closing connections to such clients; through the streams,
//! the Protocol layer and a transport upgraded by STARTTLS. A close that cannot finish is aborted at
//! asyncio's default `ssl_shutdown_timeout` (30 s, on a paused clock) with `TimedOut`; a close that
//! can finish does not wait for the peer's `close_notify`; nothing hangs.
#![cfg(all(feature = "tls", feature = "rcgen"))]

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, ErrorKind};
use std::rc::Rc;
use std::time::Duration;

use support::tls::Pki;
use tulip::net::{Protocol, Server, TcpListener, Transport};
use tulip::sync::Event;
use tulip::tls::{
    create_connection, create_server, open_connection, start_server, start_tls_server,
    upgrade_transport_client, SHUTDOWN_TIMEOUT,
};

/// asyncio's default `ssl_shutdown_timeout` (`asyncio.constants.SSL_SHUTDOWN_TIMEOUT`).
const ASYNCIO_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Long past the shutdown timeout: a test that reaches it has hung (on the paused clock it takes no
/// wall time).
const GUARD: Duration = Duration::from_secs(3600);

/// Far more than the socket buffers of a connection whose peer never reads hold (the sender's grows
/// to `tcp_wmem`'s 4 MiB at most; the receiver's does not grow while nobody reads).
const SIZE: usize = 16 << 20;

/// Awaits `fut`, failing the test when it still waits after [`GUARD`].
async fn within_guard<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tulip::time::timeout(GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} still waits after an hour"))
}

/// What the stalled peer read once let go: the bytes, or the error's kind.
type PeerRead = Rc<RefCell<Option<Result<Vec<u8>, ErrorKind>>>>;

/// The server end of a stalled peer: it holds the connection and neither reads nor closes until
/// `go` is set; then it reads to the end and records what it got.
struct Peer {
    go: Rc<Event>,
    got: PeerRead,
    done: Rc<Event>,
}

impl Peer {
    /// What the peer read once let go.
    async fn read(&self) -> Result<Vec<u8>, ErrorKind> {
        self.go.set();
        within_guard("the peer's read", self.done.wait()).await;
        self.got.borrow_mut().take().expect("recorded")
    }
}

/// A TLS streams server whose one client is a stalled [`Peer`].
async fn stalled_server(pki: &Pki) -> (Server, Peer) {
    let peer = Peer {
        go: Rc::new(Event::new()),
        got: Rc::default(),
        done: Rc::new(Event::new()),
    };
    let (go, got, done) = (peer.go.clone(), peer.got.clone(), peer.done.clone());
    let server = start_server("127.0.0.1:0", pki.server(), move |mut reader, writer| {
        let (go, got, done) = (go.clone(), got.clone(), done.clone());
        async move {
            go.wait().await;
            *got.borrow_mut() = Some(reader.read_to_end().await.map_err(|e| e.kind()));
            done.set();
            drop(writer);
        }
    })
    .await
    .unwrap();
    (server, peer)
}

/// What a protocol's `connection_lost` calls received, and an event set by the first.
#[derive(Clone, Default)]
struct Lost {
    calls: Rc<RefCell<Vec<Option<ErrorKind>>>>,
    made: Rc<Event>,
    lost: Rc<Event>,
}

impl Lost {
    /// Waits for `connection_lost` and returns what every call got (one call: a one-element list).
    async fn wait(&self) -> Vec<Option<ErrorKind>> {
        self.lost.wait().await;
        self.calls.borrow().clone()
    }
}

/// A protocol that records into a [`Lost`] and, when given `greeting`, writes it on
/// `connection_made`.
struct Watch {
    lost: Lost,
    greeting: Option<Rc<Vec<u8>>>,
}

impl Protocol for Watch {
    fn connection_made(&mut self, transport: Transport) {
        if let Some(data) = &self.greeting {
            transport.write(data).unwrap();
        }
        self.lost.made.set();
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.lost.calls.borrow_mut().push(exc.map(|e| e.kind()));
        self.lost.lost.set();
    }
}

/// A TLS Protocol client of `server` (a [`Watch`] without greeting): its transport and what its
/// `connection_lost` gets.
async fn watched_client(pki: &Pki, server: &Server) -> (Transport, Lost) {
    let lost = Lost::default();
    let l = lost.clone();
    let (transport, _protocol) = create_connection(
        move || Watch {
            lost: l,
            greeting: None,
        },
        server.local_addrs()[0],
        pki.client(),
        "localhost",
    )
    .await
    .unwrap();
    (transport, lost)
}

/// The constant is asyncio's default, and the tests below measure against it.
#[test]
fn shutdown_timeout_is_asyncios_default() {
    assert_eq!(SHUTDOWN_TIMEOUT, ASYNCIO_SHUTDOWN_TIMEOUT);
}

/// A peer that never reads: our data and `close_notify` cannot be sent, so the close is aborted at
/// the limit, and `wait_closed()` and the reader report it.
///
/// ```python
/// reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname="localhost")
/// writer.write(b"\x07" * (16 << 20))   # the server never reads
/// writer.close()
/// await writer.wait_closed()   # TimeoutError('SSL shutdown timed out'), 30 s after close()
/// await reader.read(100)       # TimeoutError('SSL shutdown timed out')
/// ```
///
/// (Both seen with CPython 3.11.7, `ssl_shutdown_timeout=0.3`.)
#[tulip::test(start_paused = true)]
async fn streams_close_gives_up_on_a_peer_that_never_reads() {
    let pki = Pki::new();
    let (server, _peer) = stalled_server(&pki).await;
    let (mut reader, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    writer.write(&vec![7u8; SIZE]).unwrap();
    let start = tulip::time::now();
    writer.close();
    let err = within_guard("wait_closed", writer.wait_closed())
        .await
        .expect_err("a close whose data never went out succeeded");
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    assert_eq!(tulip::time::now() - start, ASYNCIO_SHUTDOWN_TIMEOUT);
    // Aborted: the unsent data was dropped, and the reader sees the error too.
    assert_eq!(writer.get_write_buffer_size(), 0);
    let err = within_guard("the reader", reader.read(100))
        .await
        .expect_err("a read after the abort succeeded");
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    server.close();
}

/// The same through the Protocol layer: the transport is aborted at the limit and the protocol gets
/// `connection_lost` with the error, once.
///
/// ```python
/// transport, proto = await loop.create_connection(Watch, host, port, ssl=ctx,
///                                                 server_hostname="localhost")
/// transport.write(b"\x07" * (16 << 20)); transport.close()
/// # 30 s later: proto.connection_lost(TimeoutError('SSL shutdown timed out'))
/// ```
#[tulip::test(start_paused = true)]
async fn protocol_close_gives_up_on_a_peer_that_never_reads() {
    let pki = Pki::new();
    let (server, _peer) = stalled_server(&pki).await;
    let (transport, lost) = watched_client(&pki, &server).await;
    transport.write(&vec![7u8; SIZE]).unwrap();
    let start = tulip::time::now();
    transport.close();
    assert_eq!(
        within_guard("connection_lost", lost.wait()).await,
        [Some(ErrorKind::TimedOut)]
    );
    assert_eq!(tulip::time::now() - start, ASYNCIO_SHUTDOWN_TIMEOUT);
    assert_eq!(transport.get_write_buffer_size(), 0);
    server.close();
}

/// `loop.start_tls()` on a running transport, then a close to a peer that never reads: the upgraded
/// transport is aborted at the limit too, and the protocol (the same one throughout) gets one
/// `connection_lost` with the error.
#[tulip::test(start_paused = true)]
async fn upgraded_transport_close_gives_up_on_a_peer_that_never_reads() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server();
    let _peer = tulip::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let _tls = start_tls_server(sock, config).await.unwrap();
        std::future::pending::<()>().await; // holds the connection, never reads
    });
    let lost = Lost::default();
    let l = lost.clone();
    let (plain, _protocol) = tulip::net::create_connection(
        move || Watch {
            lost: l,
            greeting: None,
        },
        addr,
    )
    .await
    .unwrap();
    let tls = upgrade_transport_client(&plain, pki.client(), "localhost")
        .await
        .unwrap();
    tls.write(&vec![7u8; SIZE]).unwrap();
    let start = tulip::time::now();
    tls.close();
    assert_eq!(
        within_guard("connection_lost", lost.wait()).await,
        [Some(ErrorKind::TimedOut)]
    );
    assert_eq!(tulip::time::now() - start, ASYNCIO_SHUTDOWN_TIMEOUT);
}

/// A peer that takes our data but never answers our `close_notify` and never closes: the close is
/// done once ours is sent, without waiting for the peer's; the peer, reading at last, gets every
/// byte and then a clean end (our `close_notify`, not a truncation).
///
/// asyncio waits for the peer's `close_notify` within the same 30 s and raises
/// `TimeoutError('SSL shutdown timed out')` from `wait_closed()` when it does not come (3.11.7,
/// against a peer that finished the handshake and then neither reads nor closes); tulip does not wait
/// for it (see `tulip::tls::SHUTDOWN_TIMEOUT`), so its `wait_closed()` returns at once.
#[tulip::test(start_paused = true)]
async fn streams_close_does_not_wait_for_the_peers_close_notify() {
    let pki = Pki::new();
    let (server, peer) = stalled_server(&pki).await;
    let (mut reader, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    writer.write(b"last words\n").unwrap();
    let start = tulip::time::now();
    writer.close();
    within_guard("wait_closed", writer.wait_closed())
        .await
        .unwrap();
    assert_eq!(tulip::time::now() - start, Duration::ZERO);
    assert_eq!(reader.read_to_end().await.unwrap(), b"");
    assert_eq!(peer.read().await, Ok(b"last words\n".to_vec()));
    server.close();
}

/// The same through the Protocol layer: `connection_lost(None)` as soon as `close_notify` is sent.
#[tulip::test(start_paused = true)]
async fn protocol_close_does_not_wait_for_the_peers_close_notify() {
    let pki = Pki::new();
    let (server, peer) = stalled_server(&pki).await;
    let (transport, lost) = watched_client(&pki, &server).await;
    transport.write(b"last words\n").unwrap();
    let start = tulip::time::now();
    transport.close();
    assert_eq!(within_guard("connection_lost", lost.wait()).await, [None]);
    assert_eq!(tulip::time::now() - start, Duration::ZERO);
    assert_eq!(peer.read().await, Ok(b"last words\n".to_vec()));
    server.close();
}

/// A streams server whose handler closes its writer to a client that never reads: the handler's
/// `wait_closed()` fails at the limit, so the handler ends and the server's `wait_closed()` returns.
///
/// ```python
/// async def handler(reader, writer):
///     writer.write(b"\x07" * (16 << 20)); writer.close()
///     await writer.wait_closed()   # TimeoutError after 30 s: the client never reads
/// server.close(); await server.wait_closed()   # returns once the handler has ended
/// ```
#[tulip::test(start_paused = true)]
async fn server_wait_closed_returns_when_a_handler_closes_to_a_client_that_never_reads() {
    let pki = Pki::new();
    let outcome: Rc<RefCell<Option<(ErrorKind, Duration)>>> = Rc::default();
    let o = outcome.clone();
    let server = start_server("127.0.0.1:0", pki.server(), move |_reader, writer| {
        let o = o.clone();
        async move {
            writer.write(&vec![7u8; SIZE]).unwrap();
            let start = tulip::time::now();
            writer.close();
            let err = writer
                .wait_closed()
                .await
                .expect_err("closed to a stalled client");
            *o.borrow_mut() = Some((err.kind(), tulip::time::now() - start));
        }
    })
    .await
    .unwrap();
    let _client = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    server.close();
    within_guard("the server's wait_closed", server.wait_closed()).await;
    assert_eq!(
        *outcome.borrow(),
        Some((ErrorKind::TimedOut, ASYNCIO_SHUTDOWN_TIMEOUT))
    );
}

/// `Server.close_clients()` with a streams handler stuck in `drain()` to a client that never reads:
/// the close cannot send `close_notify`, so it is aborted at the limit; `drain()` fails, the handler
/// ends and the server's `wait_closed()` returns.
///
/// ```python
/// async def handler(reader, writer):
///     writer.write(b"\x07" * (16 << 20))
///     await writer.drain()   # the client never reads; close_clients() below ends it
/// server.close(); server.close_clients()
/// await server.wait_closed()   # 30 s later: the transport was aborted (SSL shutdown timed out)
/// ```
#[tulip::test(start_paused = true)]
async fn close_clients_ends_a_tls_stream_handler_stuck_in_drain() {
    let (elapsed, drained) = end_a_stream_handler_stuck_in_drain(Server::close_clients).await;
    assert_eq!(elapsed, ASYNCIO_SHUTDOWN_TIMEOUT);
    assert_eq!(drained.unwrap_err().kind(), ErrorKind::TimedOut);
}

/// A TLS streams server whose one handler writes more than its client (which never reads) takes and
/// waits in `drain()`; `server.close()`, then `end(&server)`; returns how long the server's
/// `wait_closed()` took on the paused clock and what `drain()` returned.
async fn end_a_stream_handler_stuck_in_drain(end: fn(&Server)) -> (Duration, io::Result<()>) {
    let pki = Pki::new();
    let draining = Rc::new(Event::new());
    let drained: Rc<RefCell<Option<io::Result<()>>>> = Rc::default();
    let (d, r) = (draining.clone(), drained.clone());
    let server = start_server("127.0.0.1:0", pki.server(), move |_reader, writer| {
        let (d, r) = (d.clone(), r.clone());
        async move {
            writer.write(&vec![7u8; SIZE]).unwrap();
            d.set();
            *r.borrow_mut() = Some(writer.drain().await);
        }
    })
    .await
    .unwrap();
    let _client = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    within_guard("the handler's write", draining.wait()).await;
    // On the paused clock this passes only once nothing moves: the client's window is full.
    tulip::time::sleep(Duration::from_secs(1)).await;
    assert!(
        drained.borrow().is_none(),
        "drain returned to a client that never reads"
    );
    let start = tulip::time::now();
    server.close();
    end(&server);
    within_guard("the server's wait_closed", server.wait_closed()).await;
    let elapsed = tulip::time::now() - start;
    let got = drained.borrow_mut().take().expect("the handler ended");
    (elapsed, got)
}

/// `Server.close_clients()` on a Protocol server whose connection has data a client that never reads
/// cannot take: the transport is aborted at the limit, `connection_lost` gets the error and the
/// server's `wait_closed()` returns.
#[tulip::test(start_paused = true)]
async fn close_clients_ends_a_tls_protocol_connection_to_a_client_that_never_reads() {
    let (elapsed, lost) =
        end_a_protocol_connection_to_a_client_that_never_reads(Server::close_clients).await;
    assert_eq!(elapsed, ASYNCIO_SHUTDOWN_TIMEOUT);
    assert_eq!(lost, [Some(ErrorKind::TimedOut)]);
}

/// A TLS Protocol server whose connection greets its client (which never reads) with more than it
/// takes; `server.close()`, then `end(&server)`; returns how long the server's `wait_closed()` took
/// on the paused clock and what `connection_lost` got.
async fn end_a_protocol_connection_to_a_client_that_never_reads(
    end: fn(&Server),
) -> (Duration, Vec<Option<ErrorKind>>) {
    let pki = Pki::new();
    let lost = Lost::default();
    let l = lost.clone();
    let greeting = Rc::new(vec![7u8; SIZE]);
    let server = create_server(
        move || Watch {
            lost: l.clone(),
            greeting: Some(greeting.clone()),
        },
        "127.0.0.1:0",
        pki.server(),
    )
    .await
    .unwrap();
    let _client = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    within_guard("connection_made", lost.made.wait()).await;
    tulip::time::sleep(Duration::from_secs(1)).await;
    let start = tulip::time::now();
    server.close();
    end(&server);
    within_guard("the server's wait_closed", server.wait_closed()).await;
    let elapsed = tulip::time::now() - start;
    let calls = lost.calls.borrow().clone();
    (elapsed, calls)
}

/// `Server.close_clients()` with clients that never read and never answer `close_notify`, but whose
/// socket takes it: a streams handler's read ends and a protocol gets `connection_lost(None)` at
/// once, so `wait_closed()` returns without waiting for the clients.
#[tulip::test(start_paused = true)]
async fn close_clients_does_not_wait_for_clients_that_never_answer() {
    let pki = Pki::new();
    let handler_read: Rc<RefCell<Option<io::Result<Vec<u8>>>>> = Rc::default();
    let h = handler_read.clone();
    let streams = start_server("127.0.0.1:0", pki.server(), move |mut reader, _writer| {
        let h = h.clone();
        async move {
            *h.borrow_mut() = Some(reader.read_to_end().await);
        }
    })
    .await
    .unwrap();
    let lost = Lost::default();
    let l = lost.clone();
    let protocols = create_server(
        move || Watch {
            lost: l.clone(),
            greeting: None,
        },
        "127.0.0.1:0",
        pki.server(),
    )
    .await
    .unwrap();
    let (mut streams_client, _w1) =
        open_connection(streams.local_addrs()[0], pki.client(), "localhost")
            .await
            .unwrap();
    let (mut protocol_client, _w2) =
        open_connection(protocols.local_addrs()[0], pki.client(), "localhost")
            .await
            .unwrap();
    within_guard("connection_made", lost.made.wait()).await;
    // On the paused clock this passes only once nothing moves: both servers are past the handshake
    // (before it, close_clients shuts the plain socket, without close_notify).
    tulip::time::sleep(Duration::from_secs(1)).await;
    let start = tulip::time::now();
    for server in [&streams, &protocols] {
        server.close();
        server.close_clients();
    }
    within_guard("the streams server's wait_closed", streams.wait_closed()).await;
    within_guard("the protocol server's wait_closed", protocols.wait_closed()).await;
    assert_eq!(tulip::time::now() - start, Duration::ZERO);
    assert_eq!(
        handler_read
            .borrow_mut()
            .take()
            .expect("the handler ended")
            .unwrap(),
        b""
    );
    assert_eq!(lost.calls.borrow().clone(), [None]);
    // The clients, reading at last, see a clean end: `close_notify` was sent.
    assert_eq!(streams_client.read_to_end().await.unwrap(), b"");
    assert_eq!(protocol_client.read_to_end().await.unwrap(), b"");
}

/// `Server.abort_clients()` (3.13) with a streams handler stuck in `drain()` to a client that never
/// reads: the connection is aborted at once (no `close_notify`, no 30 s wait): `drain()` fails with
/// `ConnectionAborted`, the handler ends and the server's `wait_closed()` returns without the clock
/// moving.
///
/// ```python
/// server.close(); server.abort_clients()
/// await server.wait_closed()   # at once: every transport was aborted
/// ```
#[tulip::test(start_paused = true)]
async fn abort_clients_ends_a_tls_stream_handler_stuck_in_drain_at_once() {
    let (elapsed, drained) = end_a_stream_handler_stuck_in_drain(Server::abort_clients).await;
    assert_eq!(elapsed, Duration::ZERO);
    assert_eq!(drained.unwrap_err().kind(), ErrorKind::ConnectionAborted);
}

/// `Server.abort_clients()` on a TLS Protocol server whose connection has data a client that never
/// reads cannot take: `connection_lost(None)` at once, as asyncio's `transport.abort()`.
#[tulip::test(start_paused = true)]
async fn abort_clients_ends_a_tls_protocol_connection_at_once() {
    let (elapsed, lost) =
        end_a_protocol_connection_to_a_client_that_never_reads(Server::abort_clients).await;
    assert_eq!(elapsed, Duration::ZERO);
    assert_eq!(lost, [None]);
}
