//! `TcpStream::peek`: read without consuming.

mod support;

use std::future::poll_fn;

use support::net::{run, tcp_pair};

/// `sock.recv(n, MSG_PEEK)`: peeked bytes are returned again by the next read.
#[test]
fn peek_does_not_consume() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        client.write_all(b"hello world").await.unwrap();
        let mut peeked = [0u8; 5];
        let n = server.peek(&mut peeked).await.unwrap();
        assert_eq!(&peeked[..n], &b"hello"[..n]);
        // Twice: still the same bytes.
        let mut again = [0u8; 5];
        let m = server.peek(&mut again).await.unwrap();
        assert_eq!(&again[..m], &b"hello"[..m]);
        let mut all = [0u8; 11];
        server.read_exact(&mut all).await.unwrap();
        assert_eq!(&all, b"hello world");
    });
}

/// A peek waits for data like a read does, and `poll_peek` is its poll-level form.
#[test]
fn peek_waits_for_data() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let writer = tulip::spawn(async move {
            tulip::yield_now().await;
            client.write_all(b"late").await.unwrap();
            client
        });
        let mut buf = [0u8; 4];
        let n = poll_fn(|cx| server.poll_peek(cx, &mut buf)).await.unwrap();
        assert!(n >= 1);
        assert_eq!(buf[0], b'l');
        let _client = writer.await;
    });
}

/// The read half of a split stream peeks too; a peek at EOF returns 0.
#[test]
fn peek_on_read_half_and_at_eof() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (read, _write) = server.split();
        client.write_all(b"z").await.unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(read.peek(&mut buf).await.unwrap(), 1);
        assert_eq!(read.read(&mut buf).await.unwrap(), 1);
        drop(client);
        assert_eq!(read.peek(&mut buf).await.unwrap(), 0);
    });
}
