//! One socket used by several tasks at once: a reader and a writer (split halves), `readable()` in one
//! task while another reads, two readers. Every task waiting on a socket is woken by the event it
//! waits for; none sleeps forever because another task registered after it. Run on every selector by
//! `scripts/test.sh` (`TULIP_SELECTOR=poll`, `fault`).

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use support::net::{run, tcp_pair};
use tulip::Async;

/// ```python
/// loop.add_reader(sock, on_ready)          # one coroutine waits for readability
/// data = await loop.sock_recv(sock, 100)   # another reads the same socket
/// ```
/// Both wait at once; when data arrives the reader gets it and the `readable()` waiter wakes too.
#[test]
fn readable_waiter_and_reader_on_one_socket_both_wake() {
    run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Rc::new(Async::new(a).unwrap());
        let b = Async::new(b).unwrap();
        let waiter = {
            let a = a.clone();
            tulip::spawn(async move { a.readable().await.unwrap() })
        };
        tulip::yield_now().await; // the waiter parks first
        let reader = {
            let a = a.clone();
            tulip::spawn(async move {
                let mut buf = [0u8; 16];
                let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                buf[..n].to_vec()
            })
        };
        tulip::yield_now().await; // and the reader after it
        b.write_with(|mut s| s.write(b"ping")).await.unwrap();
        assert_eq!(reader.await, b"ping");
        waiter.await;
    });
}

/// Two tasks reading the same socket: each message wakes whoever waits, and every byte arrives at
/// exactly one of them.
#[test]
fn two_readers_on_one_socket_both_get_data() {
    run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Rc::new(Async::new(a).unwrap());
        let b = Async::new(b).unwrap();
        let spawn_reader = |a: Rc<Async<UnixStream>>| {
            tulip::spawn(async move {
                let mut buf = [0u8; 1];
                a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                buf[0]
            })
        };
        let r1 = spawn_reader(a.clone());
        tulip::yield_now().await;
        let r2 = spawn_reader(a.clone());
        tulip::yield_now().await;
        b.write_with(|mut s| s.write(b"x")).await.unwrap();
        // One reader gets the byte; the other is woken, finds nothing and waits for the next one.
        for _ in 0..4 {
            tulip::yield_now().await;
        }
        b.write_with(|mut s| s.write(b"y")).await.unwrap();
        let mut got = [r1.await, r2.await];
        got.sort_unstable();
        assert_eq!(&got, b"xy");
    });
}

/// Split halves of a TCP connection in two tasks, the write half filling the send buffer (short
/// writes, waits for room) while the read half reads tiny pieces of an independent stream: neither
/// direction's waiter starves the other.
#[test]
fn split_halves_wait_on_both_directions_at_once() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (r, w) = client.split();
        let total = 4 << 20;
        let writer = tulip::spawn(async move {
            let chunk = vec![7u8; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                w.write_all(&chunk).await.unwrap();
                sent += chunk.len();
            }
            w.shutdown().unwrap();
        });
        let server = Rc::new(server);
        let s2 = server.clone();
        let server_writer = tulip::spawn(async move {
            for i in 0..2000u32 {
                s2.write_all(&i.to_le_bytes()).await.unwrap();
            }
            s2.shutdown(std::net::Shutdown::Write).unwrap();
        });
        let reader = tulip::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 3];
            loop {
                let n = r.read(&mut buf).await.unwrap();
                if n == 0 {
                    return got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        let mut drained = 0usize;
        let mut buf = vec![0u8; 100_000];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&b| b == 7));
            drained += n;
        }
        writer.await;
        server_writer.await;
        let got = reader.await;
        assert_eq!(drained, total);
        let want: Vec<u8> = (0..2000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert!(got == want, "the read half lost or reordered bytes");
    });
}
