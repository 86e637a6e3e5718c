//! Dropping streams, futures and tasks while operations are pending: no panic, no lost or stray
//! wakeups, the loop keeps serving.

mod support;

use std::time::Duration;

use support::net::{run, tcp_pair};
use tulip::net::{TcpListener, TcpStream};

/// A task reads on a clone; dropping another clone (here, the one the test holds) does not close the
/// socket: the read completes when data comes.
#[test]
fn dropping_a_clone_while_another_task_reads() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let reader_side = server.clone();
        let reader = tulip::spawn(async move {
            let mut buf = [0u8; 4];
            reader_side.read_exact(&mut buf).await.unwrap();
            buf
        });
        tulip::yield_now().await; // the read is now pending
        drop(server);
        client.write_all(b"data").await.unwrap();
        assert_eq!(&reader.await, b"data");
    });
}

/// Cancelling the task whose read is pending drops the last handle: the socket closes (the peer sees
/// EOF), and a new connection that may reuse its descriptor number works normally.
#[test]
fn cancelling_a_task_with_a_pending_read_closes_the_socket() {
    run(async {
        let (listener, client, server) = tcp_pair().await;
        let reader = tulip::spawn(async move {
            let mut buf = [0u8; 1];
            let _ = server.read(&mut buf).await;
            unreachable!("nobody writes");
        });
        tulip::yield_now().await;
        assert!(reader.cancel().await.is_none());
        let mut buf = [0u8; 1];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "peer sees EOF");

        let addr = listener.local_addr().unwrap();
        for _ in 0..5 {
            let c = TcpStream::connect(addr).await.unwrap();
            let (s, _) = listener.accept().await.unwrap();
            c.write_all(b"ok").await.unwrap();
            let mut buf = [0u8; 2];
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ok");
        }
    });
}

/// A read future dropped before completion (a timeout) leaves the stream usable: the next read gets
/// the data, nothing is lost.
#[test]
fn a_dropped_read_future_loses_nothing() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let mut buf = [0u8; 8];
        let timed_out = tulip::time::timeout(Duration::from_millis(5), server.read(&mut buf)).await;
        assert!(timed_out.is_err());
        client.write_all(b"kept").await.unwrap();
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"kept");
    });
}

/// Dropping the listener while a task waits in `accept` (by cancelling that task) is safe; a new
/// listener works afterwards.
#[test]
fn cancelling_a_pending_accept() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let acceptor = tulip::spawn(async move {
            let _ = listener.accept().await;
            unreachable!("nobody connects");
        });
        tulip::yield_now().await;
        assert!(acceptor.cancel().await.is_none());
        let (_l, client, server) = tcp_pair().await;
        client.write_all(b"x").await.unwrap();
        assert_eq!(server.read(&mut [0u8; 1]).await.unwrap(), 1);
    });
}

/// Tasks still blocked in reads when `run` returns are cancelled with the loop: their sockets are
/// dropped while registered, without a panic.
#[test]
fn loop_shutdown_with_pending_reads() {
    for _ in 0..3 {
        tulip::run(async {
            let (_l, client, server) = tcp_pair().await;
            for s in [client, server] {
                tulip::spawn(async move {
                    let mut buf = [0u8; 1];
                    let _ = s.read(&mut buf).await;
                })
                .detach();
            }
            tulip::yield_now().await;
        });
    }
}

/// One task reads while another writes on clones of one stream, and the writer's task ends first:
/// the reader is unaffected.
#[test]
fn reader_outlives_writer_task() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let w = client.clone();
        let reader = tulip::spawn(async move {
            let mut buf = [0u8; 6];
            client.read_exact(&mut buf).await.unwrap();
            buf
        });
        tulip::spawn(async move { w.write_all(b"ignored").await.unwrap() }).await;
        server.write_all(b"answer").await.unwrap();
        assert_eq!(&reader.await, b"answer");
    });
}
