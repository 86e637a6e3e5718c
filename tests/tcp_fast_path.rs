//! The fast path: an operation whose data (or buffer space) is already there completes in its first
//! poll, with one syscall and without arming the poller.

mod support;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use support::net::{run, tcp_pair};
use support::noop_waker;

/// Waits, without touching the reactor, until `n` bytes are queued on `s` (a `peek` on the std
/// socket beneath, which is non-blocking).
async fn queued(s: &tulip::net::TcpStream, n: usize) {
    let mut buf = vec![0u8; n];
    loop {
        match s.get_ref().peek(&mut buf) {
            Ok(k) if k >= n => return,
            _ => tulip::yield_now().await,
        }
    }
}

/// A read with its data already queued is ready at the first poll, even with a waker that would
/// never wake the task: it never waits for the poller.
#[test]
fn read_with_data_already_there_completes_in_one_poll() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        client.write_all(b"ready").await.unwrap();
        queued(&server, 5).await;
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 16];
        let mut read = pin!(server.read(&mut buf));
        match read.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(5)) => {}
            other => panic!("expected Ready(Ok(5)) at the first poll, got {other:?}"),
        }
        assert_eq!(&buf[..5], b"ready");
    });
}

/// The same holds after the socket has been armed once: a later read with data there is again one
/// poll.
#[test]
fn fast_path_after_a_wait() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let writer = tulip::spawn(async move {
            tulip::yield_now().await;
            client.write_all(b"first").await.unwrap();
            client
        });
        let mut buf = [0u8; 5];
        server.read_exact(&mut buf).await.unwrap(); // waits: arms the poller
        let client = writer.await;
        client.write_all(b"second").await.unwrap();
        queued(&server, 6).await;
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 16];
        let mut read = pin!(server.read(&mut buf));
        assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(6))));
    });
}

/// A write with room in the send buffer is ready at the first poll.
#[test]
fn write_with_room_completes_in_one_poll() {
    run(async {
        let (_l, client, _server) = tcp_pair().await;
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut write = pin!(client.write(b"room"));
        assert!(matches!(write.as_mut().poll(&mut cx), Poll::Ready(Ok(4))));
    });
}
