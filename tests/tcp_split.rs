//! `TcpStream::split`: owned halves in two tasks, EOF when the write half goes, `reunite`.

mod support;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use support::client::random_bytes;
use support::net::{run, tcp_pair};

/// asyncio's reader and writer of one connection used by two coroutines at once: one task writes
/// 1 MiB while another reads the echo, on both ends of the connection.
#[test]
fn halves_work_from_two_tasks() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        // The server echoes from one task holding both halves; the client reads and writes from two.
        let (server_read, server_write) = server.split();
        let echo = tulip::spawn(async move {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                let n = server_read.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                server_write.write_all(&buf[..n]).await.unwrap();
            }
            // Dropping the write half sends EOF.
        });

        let data = random_bytes(5, 1 << 20);
        let (client_read, client_write) = client.split();
        let sent = data.clone();
        let writer = tulip::spawn(async move {
            for chunk in sent.chunks(10_000) {
                client_write.write_all(chunk).await.unwrap();
            }
            client_write.shutdown().unwrap();
        });
        let reader = tulip::spawn(async move {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 20_000];
            loop {
                let n = client_read.read(&mut buf).await.unwrap();
                if n == 0 {
                    return got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        writer.await;
        let got = reader.await;
        echo.await;
        assert_eq!(got.len(), data.len());
        assert!(got == data, "echoed bytes differ");
    });
}

/// Dropping the write half sends EOF (asyncio `write_eof()`), while the read half keeps reading what
/// the peer sends afterwards.
#[test]
fn dropping_the_write_half_sends_eof_and_reading_goes_on() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (read, write) = client.split();
        write.write_all(b"last words").await.unwrap();
        drop(write);
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"last words");
        server.write_all(b"reply after EOF").await.unwrap();
        let mut reply = [0u8; 15];
        read.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"reply after EOF");
    });
}

/// Dropping only the read half changes nothing for the peer: writing still works.
#[test]
fn dropping_the_read_half_keeps_the_connection() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (read, write) = client.split();
        drop(read);
        write.write_all(b"still here").await.unwrap();
        let mut buf = [0u8; 10];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still here");
    });
}

/// `reunite` gives the stream back without sending EOF; halves of different streams come back in
/// the error.
#[test]
fn reunite_same_and_different_streams() {
    run(async {
        let (l, a, server_a) = tcp_pair().await;
        let b = tulip::net::TcpStream::connect(l.local_addr().unwrap())
            .await
            .unwrap();
        let (a_read, a_write) = a.split();
        let (b_read, b_write) = b.split();
        let err = a_read.reunite(b_write).unwrap_err();
        assert!(err.to_string().contains("not from the same"));
        let (a_read, b_write) = (err.0, err.1);
        let a = a_write.reunite(a_read).unwrap();
        let _b = b_read.reunite(b_write).unwrap();
        // No EOF was sent by reuniting: the server reads data, not 0.
        a.write_all(b"x").await.unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(server_a.read(&mut buf).await.unwrap(), 1);
    });
}

/// The halves implement `futures_io::AsyncRead` / `AsyncWrite`.
#[test]
fn halves_implement_futures_io() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (server_read, mut server_write) = server.split();
        let echo = tulip::spawn(async move {
            futures_lite::io::copy(server_read, &mut server_write)
                .await
                .unwrap();
            server_write.close().await.unwrap();
        });
        let (mut read, mut write) = client.split();
        AsyncWriteExt::write_all(&mut write, b"through the traits")
            .await
            .unwrap();
        write.close().await.unwrap();
        let mut got = Vec::new();
        read.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"through the traits");
        echo.await;
    });
}
