//! Needs `--features tls,rcgen`: TLS handshakes that never finish or end early: a server that never
//! answers the ClientHello, a client that never sends one (or sends half of one, or garbage), and a
//! peer that closes mid-handshake; the same stalls under STARTTLS (`start_tls_*` on a plain stream,
//! `upgrade_transport_*` on a running transport). Each side gives up with an error, at asyncio's
//! default `ssl_handshake_timeout` (60 s, on a paused clock) when the peer just stalls; nothing hangs.
#![cfg(all(feature = "tls", feature = "rcgen"))]

mod support;

use std::cell::RefCell;
use std::io::ErrorKind;
use std::rc::Rc;
use std::time::Duration;

use support::tls::Pki;
use tulip::net::{Protocol, TcpListener, TcpStream, Transport};
use tulip::tls::{
    create_connection, open_connection, start_server, start_tls_client, start_tls_server,
    upgrade_transport_client, upgrade_transport_server,
};

/// asyncio's default `ssl_handshake_timeout` (`asyncio.constants.SSL_HANDSHAKE_TIMEOUT`).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Long past the handshake timeout: a test that reaches it has hung (on the paused clock it takes no
/// wall time).
const GUARD: Duration = Duration::from_secs(3600);

/// Runs `handshake` and checks that it gives up with `TimedOut` exactly [`HANDSHAKE_TIMEOUT`] after
/// it began (`what` names it in the failure).
async fn times_out_at_the_limit<T>(
    what: &str,
    handshake: impl std::future::Future<Output = std::io::Result<T>>,
) {
    let start = tulip::time::now();
    let got = tulip::time::timeout(GUARD, handshake)
        .await
        .unwrap_or_else(|_| panic!("{what} still waits for the handshake after an hour"));
    let Err(err) = got else {
        panic!("{what}: a handshake the peer never answered succeeded");
    };
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{what}: {err}");
    assert_eq!(tulip::time::now() - start, HANDSHAKE_TIMEOUT, "{what}");
}

/// A plain TCP listener whose connections are accepted and then left alone: the ClientHello is never
/// answered. Returns its address; the accepted sockets live as long as the loop.
async fn silent_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tulip::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    })
    .detach();
    addr
}

struct Ignore;
impl Protocol for Ignore {}

/// A server that accepts and never answers: the client gives up after 60 s with an error.
///
/// ```python
/// # asyncio 3.11: ConnectionAbortedError("SSL handshake is taking longer than 60.0 seconds:
/// # aborting the connection"), 60 s after the connect
/// await asyncio.open_connection(host, port, ssl=ctx, server_hostname="localhost")
/// ```
#[tulip::test(start_paused = true)]
async fn open_connection_gives_up_on_a_server_that_never_answers() {
    let pki = Pki::new();
    let addr = silent_server().await;
    times_out_at_the_limit(
        "open_connection",
        open_connection(addr, pki.client(), "localhost"),
    )
    .await;
}

/// The same through the Protocol layer: `loop.create_connection(..., ssl=ctx)` has the same default
/// `ssl_handshake_timeout` of 60 s.
#[tulip::test(start_paused = true)]
async fn create_connection_gives_up_on_a_server_that_never_answers() {
    let pki = Pki::new();
    let addr = silent_server().await;
    times_out_at_the_limit(
        "create_connection",
        create_connection(|| Ignore, addr, pki.client(), "localhost"),
    )
    .await;
}

/// A TLS echo server whose handler records nothing: only the handshake matters here.
async fn tls_server(pki: &Pki) -> tulip::net::Server {
    start_server(
        "127.0.0.1:0",
        pki.server(),
        |mut reader, writer| async move {
            let line = reader.readline().await?;
            writer.write(&line)?;
            writer.close();
            writer.wait_closed().await
        },
    )
    .await
    .unwrap()
}

/// Connects a plain client that sends `first` (maybe nothing) and then stalls; returns how long the
/// server took to close the connection (the client's read sees the end or a reset).
async fn server_closes_a_stalled_client_after(pki: &Pki, first: &[u8]) -> Duration {
    let server = tls_server(pki).await;
    let addr = server.local_addrs()[0];
    let plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(first).await.unwrap();
    let start = tulip::time::now();
    let mut buf = [0u8; 256];
    tulip::time::timeout(GUARD, async {
        while plain.read(&mut buf).await.unwrap_or(0) > 0 {}
    })
    .await
    .expect("the server still holds a stalled handshake after an hour");
    let took = tulip::time::now() - start;
    // The server still serves others afterwards.
    let (mut reader, writer) = open_connection(addr, pki.client(), "localhost")
        .await
        .unwrap();
    writer.write(b"still here\n").unwrap();
    assert_eq!(reader.readline().await.unwrap(), b"still here\n");
    server.close();
    took
}

/// A client that connects and never sends a ClientHello is dropped at the handshake timeout.
///
/// asyncio: `start_server(..., ssl=ctx)` aborts the connection after `ssl_handshake_timeout` (60 s).
#[tulip::test(start_paused = true)]
async fn server_drops_a_client_that_never_says_hello() {
    let pki = Pki::new();
    assert_eq!(
        server_closes_a_stalled_client_after(&pki, b"").await,
        HANDSHAKE_TIMEOUT
    );
}

/// Half a ClientHello (a record header announcing 512 bytes, then 3 of them) and a stall: dropped at
/// the handshake timeout as well.
#[tulip::test(start_paused = true)]
async fn server_drops_a_client_that_stalls_mid_hello() {
    let pki = Pki::new();
    assert_eq!(
        server_closes_a_stalled_client_after(
            &pki,
            &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]
        )
        .await,
        HANDSHAKE_TIMEOUT
    );
}

/// Garbage instead of a ClientHello (an HTTP request; a record header claiming the largest length):
/// the server refuses at once, without waiting for the timeout, and goes on serving.
#[tulip::test(start_paused = true)]
async fn server_refuses_garbage_at_once() {
    let pki = Pki::new();
    for garbage in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &[0x16, 0x03, 0x03, 0xff, 0xff][..],
        &[0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5][..],
    ] {
        assert_eq!(
            server_closes_a_stalled_client_after(&pki, garbage).await,
            Duration::ZERO,
            "{garbage:?}"
        );
    }
}

/// A server that reads the ClientHello and closes: the client's handshake fails with an error at
/// once (asyncio: `ConnectionResetError` / `SSLError`), it does not wait for the timeout.
#[tulip::test(start_paused = true)]
async fn peer_closing_mid_handshake_is_an_error_at_once() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tulip::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 5];
        sock.read_exact(&mut buf).await.unwrap();
        drop(sock);
    })
    .detach();
    let start = tulip::time::now();
    let got = tulip::time::timeout(GUARD, open_connection(addr, pki.client(), "localhost"))
        .await
        .expect("the client waits on a closed connection");
    assert!(got.is_err(), "a handshake with a closed peer succeeded");
    assert_eq!(tulip::time::now() - start, Duration::ZERO);
}

/// STARTTLS on a plain stream whose server never answers the ClientHello: `start_tls_client` gives up
/// at the handshake timeout too, not only the `ssl=` connection functions.
///
/// ```python
/// # asyncio 3.11: ConnectionAbortedError after 60 s (start_tls's ssl_handshake_timeout default)
/// reader, writer = await asyncio.open_connection(host, port)
/// await writer.start_tls(ctx, server_hostname="localhost")
/// ```
#[tulip::test(start_paused = true)]
async fn start_tls_client_gives_up_on_a_server_that_never_answers() {
    let pki = Pki::new();
    let plain = TcpStream::connect(silent_server().await).await.unwrap();
    times_out_at_the_limit(
        "start_tls_client",
        start_tls_client(plain, pki.client(), "localhost"),
    )
    .await;
}

/// The server side of STARTTLS on an accepted socket whose client never sends a ClientHello.
#[tulip::test(start_paused = true)]
async fn start_tls_server_gives_up_on_a_client_that_never_says_hello() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _silent = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (accepted, _) = listener.accept().await.unwrap();
    times_out_at_the_limit("start_tls_server", start_tls_server(accepted, pki.server())).await;
}

/// `loop.start_tls` on a running client transport whose server never answers: the upgrade fails
/// with `TimedOut` at the limit and the old transport is closed (asyncio: `ConnectionAbortedError`
/// after `ssl_handshake_timeout`, the transport aborted).
#[tulip::test(start_paused = true)]
async fn upgrade_transport_client_gives_up_on_a_server_that_never_answers() {
    let pki = Pki::new();
    let addr = silent_server().await;
    let (plain, _protocol) = tulip::net::create_connection(|| Ignore, addr)
        .await
        .unwrap();
    times_out_at_the_limit(
        "upgrade_transport_client",
        upgrade_transport_client(&plain, pki.client(), "localhost"),
    )
    .await;
    assert!(plain.is_closing());
}

/// A protocol that keeps its transport, so the test can upgrade the server's side.
struct Keep(Rc<RefCell<Option<Transport>>>);
impl Protocol for Keep {
    fn connection_made(&mut self, transport: Transport) {
        *self.0.borrow_mut() = Some(transport);
    }
}

/// `loop.start_tls(..., server_side=True)` on a server's transport whose client never sends a
/// ClientHello: `TimedOut` at the limit.
#[tulip::test(start_paused = true)]
async fn upgrade_transport_server_gives_up_on_a_client_that_never_says_hello() {
    let pki = Pki::new();
    let kept: Rc<RefCell<Option<Transport>>> = Rc::default();
    let server = {
        let kept = kept.clone();
        tulip::net::create_server(move || Keep(kept.clone()), "127.0.0.1:0")
            .await
            .unwrap()
    };
    let _silent = TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    let transport = tulip::time::timeout(GUARD, async {
        loop {
            if let Some(t) = kept.borrow().clone() {
                break t;
            }
            tulip::yield_now().await;
        }
    })
    .await
    .expect("the server never made the connection");
    times_out_at_the_limit(
        "upgrade_transport_server",
        upgrade_transport_server(&transport, pki.server()),
    )
    .await;
    server.close();
}
