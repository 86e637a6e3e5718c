//! Needs `--features hyper`: hostile clients of a hyper HTTP/1 server on tulip: a malformed request,
//! a header block bigger than hyper accepts, a connection reset in the middle of a request body, a
//! client that never reads the response. Each affects its own connection only: the server answers
//! (or drops) it and goes on serving others.
#![cfg(feature = "hyper")]

mod support;

use std::time::Duration;

use support::http::{pattern, Server};
use tulip::net::TcpStream;

/// Writes `request` on a fresh connection and reads until the server closes it (or resets it);
/// returns what came back.
async fn exchange(server: &Server, request: &[u8]) -> Vec<u8> {
    let client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(request).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// One well-formed GET on a fresh connection: the server still answers.
async fn still_serves(server: &Server) {
    let got = exchange(
        server,
        b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(
        got.ends_with(b"hello"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
}

/// A request line that is not HTTP, a header without a colon, a bad `content-length`: 400 and the
/// connection closed (what hyper answers on any runtime), and the server goes on.
#[tulip::test]
async fn malformed_requests_get_400_and_the_server_goes_on() {
    let server = Server::start().await;
    for bad in [
        &b"\x16\x03\x01\x00\x05hello\r\n\r\n"[..],
        &b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"[..],
        &b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: -1\r\n\r\n"[..],
        &b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab"[..],
    ] {
        let got = exchange(&server, bad).await;
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 400"),
            "{:?} -> {:?}",
            String::from_utf8_lossy(bad),
            String::from_utf8_lossy(&got)
        );
    }
    still_serves(&server).await;
}

/// A header block of a mebibyte (hyper's limit is about 400 KiB): refused (431 or closed), not
/// buffered without end.
#[tulip::test]
async fn a_huge_header_block_is_refused() {
    let server = Server::start().await;
    let mut req = b"GET / HTTP/1.1\r\nhost: test\r\nx-big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 1 << 20));
    req.extend_from_slice(b"\r\n\r\n");
    let client = TcpStream::connect(server.addr).await.unwrap();
    // The server stops reading (and may reset) before all of it is written.
    let _ = client.write_all(&req).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 431") || got.starts_with(b"HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&got[..got.len().min(200)])
    );
    still_serves(&server).await;
}

/// A client that announces a 1 MiB body, sends half of it and resets the connection: the server's
/// connection ends with an error (no hang, no panic) and the server goes on.
#[tulip::test]
async fn a_reset_mid_body_ends_only_that_connection() {
    let server = Server::start().await;
    let client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 1048576\r\n\r\n")
        .await
        .unwrap();
    client.write_all(&pattern(1 << 19)).await.unwrap();
    socket2::SockRef::from(client.get_ref())
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(client);
    still_serves(&server).await;
}

/// A client that sends requests and never reads the answers: the server blocks on that connection
/// only (its socket buffer fills); others are served, and the server does not buffer without end.
#[tulip::test]
async fn a_client_that_never_reads_does_not_stall_the_server() {
    let server = Server::start().await;
    let hog = TcpStream::connect(server.addr).await.unwrap();
    // Eight 1 MiB echoes in one pipelined burst, none of their answers read.
    let mut req = Vec::new();
    for _ in 0..8 {
        req.extend_from_slice(b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 1048576\r\n\r\n");
        req.extend(pattern(1 << 20));
    }
    let writer = tulip::spawn(async move {
        let _ = hog.write_all(&req).await;
        hog
    });
    for _ in 0..3 {
        still_serves(&server).await;
    }
    writer.cancel().await;
}
