//! `TcpListener::incoming`: the accept loop as a `futures_core::Stream`.

mod support;

use futures_lite::StreamExt;
use support::net::run;
use tulip::net::{TcpListener, TcpStream};

/// The accept loop of asyncio's `Server`: every connection comes out of the stream, in order.
#[test]
fn incoming_yields_each_connection() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        for _ in 0..5 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut incoming = listener.incoming();
        for client in &clients {
            let conn = incoming
                .next()
                .await
                .expect("the stream never ends")
                .unwrap();
            assert_eq!(conn.peer_addr().unwrap(), client.local_addr().unwrap());
        }
    });
}

/// The stream waits for connections that arrive later, and its items are usable streams.
#[test]
fn incoming_waits_and_serves() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tulip::spawn(async move {
            let mut incoming = listener.incoming();
            for _ in 0..3 {
                let conn = incoming.next().await.unwrap().unwrap();
                conn.write_all(b"welcome").await.unwrap();
            }
        });
        for _ in 0..3 {
            tulip::yield_now().await;
            let c = TcpStream::connect(addr).await.unwrap();
            let mut buf = [0u8; 7];
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"welcome");
        }
        server.await;
    });
}

/// Dropping a pending `next()` loses no connection (cancel safety).
#[test]
fn cancelled_next_loses_no_connection() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = listener.incoming();
        let wait = std::time::Duration::from_millis(5);
        assert!(tulip::time::timeout(wait, incoming.next()).await.is_err());
        let c = TcpStream::connect(addr).await.unwrap();
        let conn = incoming.next().await.unwrap().unwrap();
        assert_eq!(conn.peer_addr().unwrap(), c.local_addr().unwrap());
    });
}
