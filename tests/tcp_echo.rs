//! TCP in one process: accept, connect and echo through `TcpListener` / `TcpStream`, and the
//! `futures-io` traits.

mod support;

use std::net::Shutdown;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use support::client::random_bytes;
use support::net::{run, tcp_pair};
use tulip::net::{TcpListener, TcpStream};

/// Echoes one connection until EOF, then closes it.
async fn echo(conn: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

/// Sends `data` from one task while this one reads the echo back to EOF.
async fn round_trip(addr: std::net::SocketAddr, data: Vec<u8>) -> Vec<u8> {
    let client = TcpStream::connect(addr).await.unwrap();
    let writer = client.clone();
    let sender = tulip::spawn(async move {
        writer.write_all(&data).await.unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    let mut buf = vec![0u8; 8 * 1024];
    loop {
        let n = client.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        echoed.extend_from_slice(&buf[..n]);
    }
    sender.await;
    echoed
}

/// asyncio's echo server and client (`start_server` + `open_connection`), on the raw sockets: every
/// connection gets back exactly what it sent.
#[test]
fn accept_connect_echo_many_connections() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tulip::spawn(async move {
            loop {
                let (conn, _) = listener.accept().await.unwrap();
                tulip::spawn(async move { echo(conn).await.unwrap() }).detach();
            }
        });
        let clients: Vec<_> = (0..20)
            .map(|i| {
                let data = random_bytes(i, 200 * 1024);
                tulip::spawn(async move { (round_trip(addr, data.clone()).await, data) })
            })
            .collect();
        for c in clients {
            let (echoed, sent) = c.await;
            assert_eq!(echoed.len(), sent.len());
            assert!(echoed == sent, "echoed bytes differ");
        }
        drop(server);
    });
}

/// `transport.get_extra_info("peername")` / `("sockname")` on both ends agree.
#[test]
fn addresses_of_both_ends_agree() {
    run(async {
        let (listener, client, server) = tcp_pair().await;
        assert_eq!(client.peer_addr().unwrap(), listener.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        assert_eq!(server.local_addr().unwrap(), client.peer_addr().unwrap());
    });
}

/// asyncio sets `TCP_NODELAY` on every TCP transport; tulip leaves it to the caller.
#[test]
fn nodelay_round_trips() {
    run(async {
        let (_l, client, _server) = tcp_pair().await;
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());
    });
}

/// `TcpStream` implements `futures_io::AsyncRead` / `AsyncWrite`, so generic code such as
/// `futures_lite::io::copy` echoes through it; `close()` sends EOF.
#[test]
fn futures_io_traits_echo() {
    run(async {
        let (_l, mut client, server) = tcp_pair().await;
        let echo = tulip::spawn(async move {
            let copied = futures_lite::io::copy(&server, &mut &server).await.unwrap();
            (&server).close().await.unwrap();
            copied
        });
        let data = random_bytes(9, 300 * 1024);
        let mut writer = client.clone();
        let sent = data.clone();
        let send = tulip::spawn(async move {
            // The trait methods, not the inherent `TcpStream::write_all`.
            AsyncWriteExt::write_all(&mut writer, &sent).await.unwrap();
            writer.close().await.unwrap(); // shutdown(Write)
        });
        let mut echoed = Vec::new();
        client.read_to_end(&mut echoed).await.unwrap();
        send.await;
        assert_eq!(echo.await, data.len() as u64);
        assert!(echoed == data, "echoed bytes differ");
    });
}

/// `read_exact` reports `UnexpectedEof` when the peer closes early; `write_all` to a reset peer fails
/// with an error (never a panic).
#[test]
fn early_eof_and_writes_to_a_closed_peer_are_errors() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        client.write_all(b"abc").await.unwrap();
        drop(client);
        let mut buf = [0u8; 10];
        let err = server.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        let mut failed = None;
        // The first writes may be accepted by the kernel before the peer's reset arrives.
        for _ in 0..1000 {
            if let Err(e) = server.write_all(&[0u8; 64 * 1024]).await {
                failed = Some(e);
                break;
            }
            tulip::yield_now().await;
        }
        let kind = failed.expect("writes to a closed peer never failed").kind();
        assert!(
            matches!(
                kind,
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{kind:?}"
        );
    });
}
