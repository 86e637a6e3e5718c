//! `UdpSocket`: datagram round trips, connected sockets, peeking, readiness.

mod support;

use std::future::Future;
use std::io::ErrorKind;
use std::pin::pin;
use std::task::{Context, Poll};

use support::net::run;
use support::noop_waker;
use tulip::net::UdpSocket;

async fn bound() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// asyncio's `DatagramProtocol` echo: `sendto` and `datagram_received(data, addr)` with the sender's
/// address.
#[test]
fn send_to_and_recv_from() {
    run(async {
        let (a, b) = (bound().await, bound().await);
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(a.send_to(b"ping", b_addr).await.unwrap(), 4);
        let mut buf = [0u8; 64];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));
        b.send_to(&buf[..n], from).await.unwrap();
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], b_addr));
    });
}

/// Datagram boundaries are kept: many datagrams of different sizes arrive as sent, one per receive.
#[test]
fn datagram_boundaries_are_kept() {
    run(async {
        let (a, b) = (bound().await, bound().await);
        let b_addr = b.local_addr().unwrap();
        let receiver = tulip::spawn(async move {
            let mut buf = vec![0u8; 2048];
            let mut sizes = Vec::new();
            for _ in 0..50 {
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                assert!(buf[..n].iter().all(|&x| x == n as u8));
                sizes.push(n);
            }
            sizes
        });
        for i in 0..50usize {
            let len = 1 + i * 20;
            a.send_to(&vec![len as u8; len], b_addr).await.unwrap();
            if i % 8 == 0 {
                tulip::yield_now().await; // let the receiver drain: loopback UDP drops on overflow
            }
        }
        let sizes = receiver.await;
        assert_eq!(sizes, (0..50).map(|i| 1 + i * 20).collect::<Vec<_>>());
    });
}

/// `create_datagram_endpoint(remote_addr=...)`: a connected socket sends with `send` and receives only
/// from its peer with `recv`.
#[test]
fn connected_send_and_recv() {
    run(async {
        let (a, b, stranger) = (bound().await, bound().await, bound().await);
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        // A datagram from a third socket is filtered out by the connected socket.
        stranger
            .send_to(b"noise", a.local_addr().unwrap())
            .await
            .unwrap();
        b.send(b"from peer").await.unwrap();
        let mut buf = [0u8; 32];
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from peer");
        a.send(b"back").await.unwrap();
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
    });
}

/// An unconnected socket has no peer; `send` without a peer fails instead of hanging.
#[test]
fn no_peer_without_connect() {
    run(async {
        let a = bound().await;
        assert_eq!(a.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
        assert!(a.send(b"nowhere").await.is_err());
    });
}

/// `peek_from` returns the next datagram without consuming it.
#[test]
fn peek_from_does_not_consume() {
    run(async {
        let (a, b) = (bound().await, bound().await);
        a.send_to(b"first", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"first"[..], a.local_addr().unwrap()));
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"first");
    });
}

/// A receive waiting in one task is woken by a send from another; clones share the socket.
#[test]
fn pending_recv_is_woken_by_a_later_send() {
    run(async {
        let (a, b) = (bound().await, bound().await);
        let b_addr = b.local_addr().unwrap();
        let b2 = b.clone();
        let receiver = tulip::spawn(async move {
            let mut buf = [0u8; 8];
            let (n, _) = b2.recv_from(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        for _ in 0..3 {
            tulip::yield_now().await;
        }
        assert!(!receiver.is_finished());
        a.send_to(b"wake", b_addr).await.unwrap();
        assert_eq!(receiver.await, b"wake");
    });
}

/// A datagram already queued is received at the first poll (the fast path: no poller call).
#[test]
fn recv_from_with_a_datagram_queued_completes_in_one_poll() {
    run(async {
        let (a, b) = (bound().await, bound().await);
        a.send_to(b"dgram", b.local_addr().unwrap()).await.unwrap();
        let mut probe = [0u8; 8];
        while b.get_ref().peek_from(&mut probe).is_err() {
            tulip::yield_now().await;
        }
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 8];
        let mut recv = pin!(b.recv_from(&mut buf));
        match recv.as_mut().poll(&mut cx) {
            Poll::Ready(Ok((5, from))) => assert_eq!(from, a.local_addr().unwrap()),
            other => panic!("expected the datagram at the first poll, got {other:?}"),
        }
    });
}

/// `allow_broadcast=True` sets `SO_BROADCAST`; `from_std` adopts a std socket.
#[test]
fn broadcast_flag_and_from_std() {
    run(async {
        let s = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
        assert!(!s.broadcast().unwrap());
        s.set_broadcast(true).unwrap();
        assert!(s.broadcast().unwrap());
        s.writable().await.unwrap();
    });
}
