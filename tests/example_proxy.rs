//! `examples/proxy.rs` in front of `examples/echo`, both as separate processes: 200 concurrent
//! connections through the proxy echo 256 KiB each byte for byte; half-close is forwarded both ways;
//! a client that never reads is slowed down end to end (flow control through the proxy); either side
//! going away closes the other.
//!
//! ```python
//! class Side(asyncio.Protocol):
//!     def data_received(self, data): self.peer.write(data)
//!     def eof_received(self):        self.peer.write_eof(); ...      # forward the half-close
//!     def connection_lost(self, exc): self.peer.close()
//!     def pause_writing(self):       self.peer.pause_reading()
//!     def resume_writing(self):      self.peer.resume_reading()
//! ```

mod support;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use support::client::{self, random_bytes};
use support::example::Example;

/// `echo` and a `proxy` in front of it.
fn echo_behind_proxy() -> (Example, Example) {
    let echo = Example::start("echo");
    let upstream = echo.addr().to_string();
    let proxy = Example::start_with_args("proxy", &["127.0.0.1:0", &upstream]);
    (echo, proxy)
}

#[test]
fn concurrent_200_connections_256_kib_each_through_the_proxy() {
    let (mut echo, mut proxy) = echo_behind_proxy();
    client::echo_concurrent(proxy.addr(), 200, 256 * 1024);
    assert!(proxy.is_running() && echo.is_running());
}

/// The client's EOF goes through the proxy (`write_eof` on the upstream transport); echo answers
/// everything, closes; the proxy forwards that EOF back: the client reads every byte, then EOF.
#[test]
fn half_close_through_the_proxy() {
    let (_echo, proxy) = echo_behind_proxy();
    client::half_close(proxy.addr(), 11, 200 * 1024);
    // And the same with reads interleaved, several times on fresh connections.
    for seed in 0..5 {
        client::echo_one(proxy.addr(), 64 * 1024, seed).unwrap();
    }
}

/// A client that writes and never reads: echo's writes back stall, echo stops reading, the proxy's
/// upstream buffer fills and pauses reading from the client, so the client's writes stall too,
/// after a bounded amount (loopback socket buffers plus the transports' 64 KiB marks), not after
/// everything it wants to send.
#[test]
fn a_client_that_never_reads_is_slowed_down_through_the_proxy() {
    let (mut echo, mut proxy) = echo_behind_proxy();
    let s = client::connect(proxy.addr()).unwrap();
    s.set_nonblocking(true).unwrap();
    let chunk = random_bytes(5, 64 * 1024);
    let limit = 128usize << 20;
    let (mut total, mut stalls) = (0usize, 0);
    // What was sent: a write may take only part of the chunk.
    let mut expected = Vec::new();
    while stalls < 40 && total < limit {
        match (&s).write(&chunk) {
            Ok(n) => {
                total += n;
                expected.extend_from_slice(&chunk[..n]);
                stalls = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                stalls += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("client write failed: {e}"),
        }
    }
    eprintln!("the client stalled after {total} bytes");
    assert!(total < limit, "the proxy kept reading: no flow control");

    // Now read everything back: the stalled pipeline resumes and every byte is echoed.
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(client::IO_TIMEOUT)).unwrap();
    let mut got = vec![0u8; total];
    (&s).read_exact(&mut got).unwrap();
    assert!(got == expected, "echoed bytes differ after the stall");
    s.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    (&s).read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(proxy.is_running() && echo.is_running());
}

/// A client that resets mid-stream: the proxy aborts the upstream side and keeps serving.
#[test]
fn client_reset_mid_stream_leaves_the_proxy_serving() {
    let (mut echo, mut proxy) = echo_behind_proxy();
    client::reset_mid_echo(proxy.addr());
    client::echo_concurrent(proxy.addr(), 20, 64 * 1024);
    assert!(proxy.is_running() && echo.is_running());
}

/// No upstream: the proxy closes the client's connection instead of leaving it hanging.
///
/// ```python
/// def upstream_connected(self, task):
///     if task.exception() is not None: self.transport.close()
/// ```
#[test]
fn unreachable_upstream_closes_the_client() {
    let dead: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut proxy = Example::start_with_args("proxy", &["127.0.0.1:0", &dead.to_string()]);
    let mut s: TcpStream = client::connect(proxy.addr()).unwrap();
    let mut buf = [0u8; 16];
    match s.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("read {n} bytes from nowhere"),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
    }
    assert!(proxy
        .wait_for_output(|l| l.contains("cannot connect"), Duration::from_secs(10))
        .is_some());
    assert!(proxy.is_running());
}

/// The upstream server goes away (killed: its sockets close): the proxy forwards the EOF, so the
/// client reads EOF instead of hanging, and the proxy keeps running.
#[test]
fn upstream_going_away_closes_the_client() {
    let (echo, mut proxy) = echo_behind_proxy();
    let mut s = client::connect(proxy.addr()).unwrap();
    s.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    drop(echo); // killed
    let mut rest = Vec::new();
    match s.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty()),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
    }
    assert!(proxy.is_running());
}
