//! `readable()` / `writable()`: readiness without an operation.

mod support;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use support::net::{run, tcp_pair};
use support::noop_waker;

/// `loop.add_reader`, awaited once: `readable()` waits until data arrives, then a read gets it.
#[test]
fn readable_waits_for_data() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let writer = tulip::spawn(async move {
            for _ in 0..3 {
                tulip::yield_now().await;
            }
            client.write_all(b"now").await.unwrap();
            client
        });
        server.readable().await.unwrap();
        let mut buf = [0u8; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"now");
        let _client = writer.await;
    });
}

/// EOF counts as readable: the read after it returns 0.
#[test]
fn readable_at_eof() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        drop(client);
        server.readable().await.unwrap();
        assert_eq!(server.read(&mut [0u8; 8]).await.unwrap(), 0);
    });
}

/// `loop.add_writer`, awaited once: a fresh socket is writable; one whose send buffer is full is not,
/// until the peer reads.
#[test]
fn writable_after_the_peer_drains() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        client.writable().await.unwrap();
        // Fill the send buffer (and the peer's receive buffer) until a write would block.
        let chunk = vec![0u8; 64 * 1024];
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut queued = 0usize;
        loop {
            match client.poll_write(&mut cx, &chunk) {
                Poll::Ready(Ok(n)) => queued += n,
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => break,
            }
        }
        let mut writable = pin!(client.writable());
        // Nothing has drained the buffers since the write would block: not writable.
        assert!(writable.as_mut().poll(&mut cx).is_pending());
        let drain = tulip::spawn(async move {
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0;
            while total < queued {
                total += server.read(&mut buf).await.unwrap();
            }
            server
        });
        writable.await.unwrap();
        let _server = drain.await;
    });
}
