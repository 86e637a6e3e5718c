//! Unix domain sockets: `UnixListener` / `UnixStream` echo, socket pairs, `UnixDatagram` round trips.

mod support;

use std::io::ErrorKind;
use std::net::Shutdown;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use futures_lite::StreamExt;
use support::client::random_bytes;
use support::net::{run, TempDir};
use tulip::net::{UnixDatagram, UnixListener, UnixStream};

/// `asyncio.start_unix_server` + `open_unix_connection`: an echo over a socket file, with a payload
/// larger than the socket buffers.
#[test]
fn listener_and_stream_echo() {
    let dir = TempDir::new();
    let path = dir.path("echo.sock");
    run(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let server = tulip::spawn(async move {
            let (conn, peer) = listener.accept().await.unwrap();
            assert!(peer.is_unnamed());
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = conn.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                conn.write_all(&buf[..n]).await.unwrap();
            }
        });
        let client = UnixStream::connect(&path).await.unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let data = random_bytes(3, 1 << 20);
        let writer = client.clone();
        let sent = data.clone();
        let send = tulip::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut got = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = client.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        send.await;
        server.await;
        assert!(got == data, "echoed bytes differ");
    });
}

/// Connecting to a path with nothing there is `NotFound`; to a stale socket file, `ConnectionRefused`.
#[test]
fn connect_errors() {
    let dir = TempDir::new();
    let path = dir.path("missing.sock");
    run(async {
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        drop(UnixListener::bind(&path).unwrap()); // leaves the file behind
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // And binding over the stale file is `AddrInUse`.
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

/// `incoming()` yields each connection.
#[test]
fn incoming_yields_connections() {
    let dir = TempDir::new();
    let path = dir.path("incoming.sock");
    run(async {
        let listener = UnixListener::bind(&path).unwrap();
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(UnixStream::connect(&path).await.unwrap());
        }
        let mut incoming = listener.incoming();
        for c in &clients {
            let conn = incoming.next().await.unwrap().unwrap();
            c.write_all(b"k").await.unwrap();
            assert_eq!(conn.read(&mut [0u8; 1]).await.unwrap(), 1);
        }
    });
}

/// `socket.socketpair()`: both ends talk, `shutdown(Write)` gives the other EOF, and the
/// `futures-io` traits work.
#[test]
fn stream_pair_and_traits() {
    run(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        AsyncWriteExt::write_all(&mut a, b"over the pair")
            .await
            .unwrap();
        a.close().await.unwrap(); // shutdown(Write)
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"over the pair");
        // The other direction is still open.
        b.write_all(b"reply").await.unwrap();
        let mut buf = [0u8; 5];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"reply");
    });
}

/// `create_datagram_endpoint(family=AF_UNIX)`: bound sockets exchange datagrams by path, and the
/// receiver learns the sender's path.
#[test]
fn datagram_send_to_and_recv_from() {
    let dir = TempDir::new();
    let (a_path, b_path) = (dir.path("a.sock"), dir.path("b.sock"));
    run(async {
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        assert_eq!(a.send_to(b"hello b", &b_path).await.unwrap(), 7);
        let mut buf = [0u8; 32];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello b");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        b.send_to(b"hello a", from.as_pathname().unwrap())
            .await
            .unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello a");
    });
}

/// An unbound socket connected to a bound one sends with `send`; socket pairs use `send` / `recv`,
/// and a receive waiting in a task is woken by the send.
#[test]
fn datagram_unbound_connect_and_pair() {
    let dir = TempDir::new();
    let path = dir.path("server.sock");
    run(async {
        let server = UnixDatagram::bind(&path).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        client.connect(&path).unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        client.send(b"via connect").await.unwrap();
        let mut buf = [0u8; 32];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"via connect");
        assert!(from.is_unnamed());

        let (x, y) = UnixDatagram::pair().unwrap();
        let receiver = tulip::spawn(async move {
            let mut buf = [0u8; 8];
            let n = y.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        tulip::yield_now().await;
        x.send(b"paired").await.unwrap();
        assert_eq!(receiver.await, b"paired");
    });
}

/// A connect to a listener whose backlog is full waits (retrying) instead of failing with
/// `WouldBlock`, and completes once the listener accepts.
#[test]
fn connect_waits_while_the_backlog_is_full() {
    let dir = TempDir::new();
    let path = dir.path("full.sock");
    run(async {
        let socket =
            socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&socket2::SockAddr::unix(&path).unwrap())
            .unwrap();
        socket.listen(0).unwrap(); // Linux queues one connection at most
        let listener = UnixListener::from_std(socket.into()).unwrap();
        let mut queued = Vec::new();
        let waiting = loop {
            let p = path.clone();
            let connect = tulip::spawn(async move { UnixStream::connect(p).await.unwrap() });
            for _ in 0..5 {
                tulip::yield_now().await;
            }
            if connect.is_finished() {
                queued.push(connect.await);
                assert!(queued.len() < 16, "the backlog never filled up");
                continue;
            }
            break connect;
        };
        assert!(!queued.is_empty());
        let (_first, _) = listener.accept().await.unwrap();
        // The waiting connect is retried (1 ms, then backing off) and now fits in the queue.
        let late = waiting.await;
        late.write_all(b"in").await.unwrap();
    });
}
