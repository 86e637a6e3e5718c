//! Needs `--features async-compat`: code written for tokio, run on a tulip loop through async-compat
//! (docs/TOKIO_LIBRARIES.md): tokio's sockets and timers inside `Compat`, tokio's I/O traits over a tulip
//! socket, and the pitfall of a tokio future made outside the wrapper.
#![cfg(feature = "async-compat")]

use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use async_compat::{Compat, CompatExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A tulip echo server for one connection; returns its address.
async fn tulip_echo_once() -> SocketAddr {
    let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tulip::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 64];
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).await.unwrap();
        }
    })
    .detach();
    addr
}

/// A tokio-only client (tokio::net::TcpStream and tokio's I/O traits) inside `Compat`, on a tulip loop,
/// talking to a tulip server on the same loop.
#[test]
fn tokio_sockets_run_inside_compat() {
    let echoed = tulip::run(async {
        let addr = tulip_echo_once().await;
        Compat::new(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.write_all(b"ping").await?;
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await?;
            std::io::Result::Ok(buf)
        })
        .await
    })
    .unwrap();
    assert_eq!(&echoed, b"ping");
}

/// A tokio timer made and awaited inside the wrapper completes on the tulip loop.
#[test]
fn a_tokio_timer_made_inside_compat_completes() {
    let out = tulip::run(async {
        Compat::new(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            7
        })
        .await
    });
    assert_eq!(out, 7);
}

/// The pitfall: `tokio::time::sleep` registers with tokio's timer when it is called, so calling it as
/// `Compat::new`'s argument (evaluated before the wrapper exists) panics. The same call inside the
/// wrapped `async` block works (the test above).
#[test]
fn a_tokio_future_made_outside_compat_panics() {
    let res = catch_unwind(AssertUnwindSafe(|| {
        tulip::run(async { Compat::new(tokio::time::sleep(Duration::from_millis(1))).await })
    }));
    let payload = res.expect_err("tokio::time::sleep outside a tokio context must panic");
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(msg.contains("no reactor running"), "{msg}");
}

/// A future from an `async fn` is lazy: it touches tokio only when polled, so it may be made outside and
/// passed to `Compat::new` (or `.compat()`).
#[test]
fn a_lazy_tokio_future_may_be_made_outside() {
    let peer = tulip::run(async {
        let addr = tulip_echo_once().await;
        let connect = tokio::net::TcpStream::connect(addr);
        let s = connect.compat().await.unwrap();
        s.peer_addr().unwrap() == addr
    });
    assert!(peer);
}

/// The other direction: `Compat` over a tulip socket implements tokio's `AsyncRead`/`AsyncWrite`, for
/// libraries written against tokio's I/O traits (codecs, protocol crates).
#[test]
fn tokio_io_traits_over_a_tulip_stream() {
    let echoed = tulip::run(async {
        let addr = tulip_echo_once().await;
        let stream = tulip::net::TcpStream::connect(addr).await?;
        let mut io = Compat::new(stream);
        // tokio::io::AsyncWriteExt / AsyncReadExt on a tulip TcpStream.
        io.write_all(b"over tokio traits").await?;
        let mut buf = vec![0u8; 17];
        io.read_exact(&mut buf).await?;
        std::io::Result::Ok(buf)
    })
    .unwrap();
    assert_eq!(echoed, b"over tokio traits");
}

/// `tokio::spawn` inside the wrapper spawns onto async-compat's own tokio runtime, on its thread: the
/// task does not run on the tulip loop (use `tulip::spawn` for that).
#[test]
fn tokio_spawn_inside_compat_runs_on_another_thread() {
    let (here, there) = tulip::run(async {
        Compat::new(async {
            let here = std::thread::current().id();
            let there = tokio::spawn(async { std::thread::current().id() })
                .await
                .unwrap();
            (here, there)
        })
        .await
    });
    assert_ne!(here, there);
}
