//! The echo examples (`echo`, `echo_threads`, `echo_selector`) as separate processes, driven by a real
//! client: many concurrent connections, half-close, a client that resets mid-stream.

mod support;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use support::client::{self, random_bytes};
use support::example::Example;

/// 200 connections at once, each echoing 256 KiB of pseudo-random bytes, verified byte for byte (and
/// each ending with a half-close, see `support::client`).
fn concurrent_echo(name: &str) {
    let mut server = Example::start(name);
    client::echo_concurrent(server.addr(), 200, 256 * 1024);
    assert!(server.is_running(), "{name} exited");
}

/// asyncio, `StreamWriter.write_eof()` on the client: "Close the write end of the stream after the
/// buffered write data is flushed." The server still sends back every byte it read, then closes:
/// the client reads all of them, then EOF.
fn half_close(name: &str) {
    let server = Example::start(name);
    let mut s = client::connect(server.addr()).unwrap();
    let data = random_bytes(42, 100 * 1024);
    s.write_all(&data).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    s.read_to_end(&mut echoed).unwrap(); // returns at EOF
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echoed bytes differ");
}

/// Sets SO_LINGER to 0 and drops the stream: the kernel sends RST instead of FIN.
fn reset(s: TcpStream) {
    socket2::SockRef::from(&s)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(s);
}

/// Writes without reading until the server can no longer echo (its writes block on our full receive
/// buffer, so ours block on its full one), then resets: the server has unsent bytes when the RST comes.
fn fill_then_reset(addr: SocketAddr) {
    let s = client::connect(addr).unwrap();
    s.set_nonblocking(true).unwrap();
    let chunk = random_bytes(7, 64 * 1024);
    let (mut total, mut stalls) = (0usize, 0);
    // Stop after 20 rounds in a row that could write nothing, or 32 MiB (more than loopback buffers
    // hold).
    while stalls < 20 && total < 32 << 20 {
        match (&s).write(&chunk) {
            Ok(n) => {
                total += n;
                stalls = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                stalls += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("client write failed: {e}"),
        }
    }
    reset(s);
}

/// A client that resets its connection (SO_LINGER 0, then close) in the middle of an echo, once after
/// reading part of the echo and once while the server has unsent bytes queued: the server drops that
/// connection, keeps running and serves the next clients.
fn reset_mid_stream(name: &str) {
    let mut server = Example::start(name);
    let addr = server.addr();

    let mut s = client::connect(addr).unwrap();
    s.write_all(&random_bytes(3, 128 * 1024)).unwrap();
    let mut some = [0u8; 1024];
    s.read_exact(&mut some).unwrap();
    reset(s);

    fill_then_reset(addr);

    for seed in 0..3 {
        client::echo_one(addr, 64 * 1024, seed).unwrap();
    }
    client::echo_concurrent(addr, 20, 64 * 1024);
    assert!(server.is_running(), "{name} exited after a client reset");
}

macro_rules! echo_server_tests {
    ($($module:ident => $name:literal),* $(,)?) => {$(
        mod $module {
            #[test]
            fn concurrent_200_connections_256_kib_each() {
                super::concurrent_echo($name);
            }

            #[test]
            fn half_close_gets_every_byte_then_eof() {
                super::half_close($name);
            }

            #[test]
            fn client_reset_mid_stream_leaves_server_serving() {
                super::reset_mid_stream($name);
            }
        }
    )*};
}

echo_server_tests! {
    echo => "echo",
    echo_threads => "echo_threads",
    echo_selector => "echo_selector",
}
