//! A connection's end from either side while the other side reads or writes: a half-close (shutdown
//! of the write side) read to EOF in tiny pieces, a reset (RST) while a read or a write waits, and
//! many connections at once exchanging tiny random-sized messages, every byte checked. Run on every
//! selector by `scripts/test.sh` (`TULIP_SELECTOR=poll`, `fault`).

mod support;

use std::net::Shutdown;
use std::time::Duration;

use support::client::random_bytes;
use support::net::{run, tcp_pair};
use support::Rng;
use tulip::net::{TcpListener, TcpStream};

/// Resets `stream` (RST instead of FIN) by closing it with a zero linger.
fn reset(stream: TcpStream) {
    socket2::SockRef::from(stream.get_ref())
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

/// ```python
/// writer.write(data); writer.write_eof()
/// while chunk := await reader.read(7): got += chunk
/// ```
/// The peer writes, then shuts down its write side; reading in pieces smaller than what is queued gets
/// every byte and then EOF, repeatedly (EOF stays EOF), and the other direction still works.
#[test]
fn half_closed_peer_is_read_to_eof_in_small_pieces() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let data = random_bytes(11, 300_000);
        let writer = {
            let data = data.clone();
            tulip::spawn(async move {
                client.write_all(&data).await.unwrap();
                client.shutdown(Shutdown::Write).unwrap();
                client
            })
        };
        let mut got = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == data, "bytes lost or changed before EOF");
        for _ in 0..3 {
            assert_eq!(server.read(&mut buf).await.unwrap(), 0, "EOF must repeat");
        }
        // The half-closed connection still carries the other direction.
        let client = writer.await;
        server.write_all(b"after eof").await.unwrap();
        server.shutdown(Shutdown::Write).unwrap();
        let mut back = Vec::new();
        loop {
            let n = client.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        assert_eq!(back, b"after eof");
    });
}

/// A read waiting for data when the peer resets the connection ends with an error (or EOF), not a
/// hang; so does a read after some data arrived.
#[test]
fn peer_reset_ends_a_waiting_read() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        client.write_all(b"some").await.unwrap();
        let reader = tulip::spawn(async move {
            let mut buf = [0u8; 2];
            let mut got = Vec::new();
            loop {
                match server.read(&mut buf).await {
                    Ok(0) => return (got, None),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => return (got, Some(e.kind())),
                }
            }
        });
        tulip::yield_now().await;
        tulip::yield_now().await;
        reset(client);
        let (got, err) = reader.await;
        assert!(b"some".starts_with(&got));
        assert!(
            matches!(err, None | Some(std::io::ErrorKind::ConnectionReset)),
            "unexpected end: {err:?}"
        );
    });
}

/// A write waiting for room (the peer reads nothing) when the peer resets the connection fails with
/// an error instead of waiting forever; so does every write after it.
#[test]
fn peer_reset_fails_a_waiting_write() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let writer = tulip::spawn(async move {
            let chunk = vec![1u8; 64 * 1024];
            let err = loop {
                if let Err(e) = server.write_all(&chunk).await {
                    break e;
                }
            };
            let again = server.write_all(b"x").await;
            (err.kind(), again.is_err())
        });
        // Let the writer fill both socket buffers and wait.
        for _ in 0..50 {
            tulip::yield_now().await;
        }
        reset(client);
        let (kind, again) = writer.await;
        assert!(
            matches!(
                kind,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "unexpected error: {kind:?}"
        );
        assert!(again, "a write after the reset succeeded");
    });
}

/// 1 000 connections at once, each sending tiny messages of random sizes (1 to 17 bytes) that an echo
/// task per connection reads into random-sized buffers and writes back: every byte comes back, in
/// order, on every connection.
#[test]
fn a_thousand_connections_echo_tiny_random_messages() {
    const CONNS: u64 = 1000;
    const BYTES: usize = 600;
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tulip::spawn(async move {
            let mut echoes = Vec::new();
            for i in 0..CONNS {
                let (s, _) = listener.accept().await.unwrap();
                echoes.push(tulip::spawn(async move {
                    let mut rng = Rng::new(i + 1000);
                    let mut buf = [0u8; 32];
                    loop {
                        let len = 1 + rng.below(31) as usize;
                        let n = s.read(&mut buf[..len]).await.unwrap();
                        if n == 0 {
                            s.shutdown(Shutdown::Write).unwrap();
                            return;
                        }
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
            for e in echoes {
                e.await;
            }
        });
        let mut clients = Vec::new();
        for i in 0..CONNS {
            clients.push(tulip::spawn(async move {
                let c = TcpStream::connect(addr).await.unwrap();
                let data = random_bytes(i + 1, BYTES);
                let (r, w) = c.split();
                let sent = data.clone();
                let writer = tulip::spawn(async move {
                    let mut rng = Rng::new(i + 1);
                    let mut rest = &sent[..];
                    while !rest.is_empty() {
                        let len = (1 + rng.below(17) as usize).min(rest.len());
                        w.write_all(&rest[..len]).await.unwrap();
                        rest = &rest[len..];
                        if rng.below(4) == 0 {
                            tulip::yield_now().await;
                        }
                    }
                    w.shutdown().unwrap();
                });
                let mut got = Vec::new();
                let mut buf = [0u8; 16];
                loop {
                    let n = r.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                writer.await;
                assert!(got == data, "connection {i}: echoed bytes differ");
            }));
        }
        for c in clients {
            c.await;
        }
        server.await;
    });
}

/// ```python
/// sock.send(b"abc"); sock.send(b"X", socket.MSG_OOB); sock.send(b"def")   # the peer, then it waits
/// data = await reader.read(64)   # b"abc": the kernel stops a read at the urgent mark
/// data = await reader.read(64)   # b"def", without anything more from the peer
/// ```
/// A read that stops short at TCP's urgent mark leaves data queued: the next read must find it
/// without waiting for another event (the socket is already in the poller when the data comes).
#[test]
fn a_read_cut_short_by_urgent_data_does_not_strand_the_rest() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let client = std::thread::spawn(move || {
            let s = std::net::TcpStream::connect(addr).unwrap();
            go_rx.recv().unwrap();
            let sock = socket2::SockRef::from(&s);
            std::io::Write::write_all(&mut &s, b"abc").unwrap();
            sock.send_out_of_band(b"X").unwrap();
            std::io::Write::write_all(&mut &s, b"def").unwrap();
            // Wait for the server's answer before closing: nothing else arrives meanwhile.
            let mut answer = [0u8; 2];
            std::io::Read::read_exact(&mut &s, &mut answer).unwrap();
            answer
        });
        let (server, _) = listener.accept().await.unwrap();
        let server = std::rc::Rc::new(server);
        let s2 = server.clone();
        let reader = tulip::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 64];
            while got.len() < 6 {
                let n = s2.read(&mut buf).await.unwrap();
                assert!(n > 0, "EOF before the data");
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        // The reader finds nothing, registers the socket and waits; then the peer sends.
        for _ in 0..3 {
            tulip::yield_now().await;
        }
        go_tx.send(()).unwrap();
        assert_eq!(reader.await, b"abcdef");
        server.write_all(b"ok").await.unwrap();
        assert_eq!(
            &tulip::spawn_blocking(move || client.join().unwrap()).await,
            b"ok"
        );
    });
}
