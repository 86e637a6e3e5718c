//! Vectored writes: `TcpStream::write_vectored` and `AsyncWrite::poll_write_vectored`.

mod support;

use std::io::IoSlice;

use futures_lite::io::AsyncWriteExt;
use support::client::random_bytes;
use support::net::{run, tcp_pair};

/// `transport.writelines([...])`: several buffers go out in one call, in order.
#[test]
fn write_vectored_sends_the_buffers_in_order() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let parts: [&[u8]; 3] = [b"GET / HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"];
        let slices = parts.map(IoSlice::new);
        let n = client.write_vectored(&slices).await.unwrap();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        assert_eq!(n, total);
        let mut got = vec![0u8; total];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(got, parts.concat());
    });
}

/// Large vectored writes may be partial; looping on the count sends everything, byte for byte.
#[test]
fn partial_vectored_writes_add_up() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let a = random_bytes(1, 3 << 20);
        let b = random_bytes(2, 1 << 20);
        let expected = [a.clone(), b.clone()].concat();
        let reader = tulip::spawn(async move {
            let mut got = vec![0u8; 4 << 20];
            server.read_exact(&mut got).await.unwrap();
            got
        });
        let mut sent = 0;
        let mut calls = 0;
        while sent < expected.len() {
            let (a_rest, b_rest) = if sent < a.len() {
                (&a[sent..], &b[..])
            } else {
                (&a[a.len()..], &b[sent - a.len()..])
            };
            let n = client
                .write_vectored(&[IoSlice::new(a_rest), IoSlice::new(b_rest)])
                .await
                .unwrap();
            assert!(n > 0);
            sent += n;
            calls += 1;
        }
        let got = reader.await;
        assert!(
            got == expected,
            "bytes differ after {calls} vectored writes"
        );
    });
}

/// The `futures-io` vectored write goes through the same `writev`.
#[test]
fn async_write_vectored() {
    run(async {
        let (_l, mut client, server) = tcp_pair().await;
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
        // The trait method, not the inherent `TcpStream::write_vectored`.
        let n = AsyncWriteExt::write_vectored(&mut client, &bufs)
            .await
            .unwrap();
        assert_eq!(n, 4);
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abcd");
    });
}

/// ```python
/// transport.writelines([b"x"] * 3000)   # more buffers than one writev(2) takes (IOV_MAX, 1024)
/// ```
/// The kernel takes at most 1024 buffers per call, so the count comes up short while the socket still
/// has room: the next write goes ahead at once instead of waiting for a readiness event that never
/// comes (the peer only reads). Likewise a vectored read into more than 1024 buffers that fills them
/// all leaves the rest of the data readable.
#[test]
fn more_buffers_than_one_syscall_takes_never_wait_for_nothing() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let data = random_bytes(3, 3000);
        let slices: Vec<IoSlice<'_>> = data.chunks(1).map(IoSlice::new).collect();
        let mut sent = 0;
        while sent < data.len() {
            sent += client.write_vectored(&slices[sent..]).await.unwrap();
        }
        // The reader: 2000 one-byte buffers, more than one readv(2) fills.
        let mut got = vec![0u8; 3000];
        let mut filled = 0;
        while filled < got.len() {
            let rest = &mut got[filled..];
            let mut bufs: Vec<std::io::IoSliceMut<'_>> = rest
                .chunks_mut(1)
                .take(2000)
                .map(std::io::IoSliceMut::new)
                .collect();
            let n = futures_lite::io::AsyncReadExt::read_vectored(&mut &server, &mut bufs)
                .await
                .unwrap();
            assert!(n > 0);
            filled += n;
        }
        assert_eq!(got, data);
    });
}
