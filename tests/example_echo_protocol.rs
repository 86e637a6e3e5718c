//! `examples/echo_protocol.rs` (asyncio's `EchoProtocol` on `create_server`) and
//! `examples/echo_streams.rs` (`start_server` with `read`/`write`/`drain`) as separate processes,
//! driven by a real client: many concurrent connections, half-close, a client that resets mid-stream,
//! and running out of descriptors (`EMFILE`, Linux only: `prlimit` on the child process).
//!
//! ```python
//! class EchoProtocol(asyncio.Protocol):
//!     def connection_made(self, transport): self.transport = transport
//!     def data_received(self, data):        self.transport.write(data)
//!     def pause_writing(self):              self.transport.pause_reading()
//!     def resume_writing(self):             self.transport.resume_reading()
//! ```

mod support;

use std::net::TcpStream;
use std::time::Duration;

use support::client;
use support::example::Example;

/// 200 connections at once, each echoing 256 KiB of pseudo-random bytes verified byte for byte, each
/// ending with a half-close (see `support::client`).
fn concurrent_echo(name: &str) {
    let mut server = Example::start(name);
    client::echo_concurrent(server.addr(), 200, 256 * 1024);
    assert!(server.is_running(), "{name} exited");
}

/// asyncio: at the client's EOF, `eof_received()` returns `None` (false): the transport sends what is
/// still buffered, then closes. The client reads every echoed byte, then EOF.
fn half_close(name: &str) {
    let server = Example::start(name);
    client::half_close(server.addr(), 42, 300 * 1024);
}

/// A client that resets mid-echo, and one that resets while the server has unsent bytes queued (and
/// has paused reading): the server drops those connections and keeps serving.
fn reset_mid_stream(name: &str) {
    let mut server = Example::start(name);
    let addr = server.addr();

    client::reset_mid_echo(addr);

    let written = client::fill_then_reset(addr, 256 << 20);
    assert!(
        written < 256 << 20,
        "{name} kept reading from a client that never reads: no backpressure"
    );

    client::still_echoes(addr);
    assert!(server.is_running(), "{name} exited after a client reset");
}

/// asyncio's `_accept_connection` on `EMFILE`: logs 'socket.accept() out of system resource' and
/// tries again later. Here: the accept error is reported on stderr, the server backs off 10 ms and keeps
/// its listener, and serves again once descriptors free up.
#[cfg(target_os = "linux")]
fn keeps_serving_after_emfile(name: &str) {
    use rustix::process::{prlimit, Pid, Resource, Rlimit};

    let mut server = Example::start(name);
    let pid = server.pid();
    let open_fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as u64;
    let spare = 6;
    prlimit(
        Pid::from_raw(pid as i32),
        Resource::Nofile,
        Rlimit {
            current: Some(open_fds + spare),
            maximum: rustix::process::getrlimit(Resource::Nofile).maximum,
        },
    )
    .expect("prlimit on the example process");
    let held: Vec<TcpStream> = (0..24)
        .map(|_| client::connect(server.addr()).expect("connect"))
        .collect();
    let logged = server.wait_for_output(|l| l.contains("accept failed"), Duration::from_secs(20));
    assert!(
        logged.is_some_and(|l| l.contains("Too many open files")),
        "{name} did not report EMFILE; output: {:?}",
        server.output()
    );
    drop(held);
    client::echo_concurrent(server.addr(), 2 * spare as usize, 64 * 1024);
    for seed in 0..3 {
        client::echo_one(server.addr(), 16 * 1024, seed).unwrap();
    }
    assert!(server.is_running(), "{name} exited");
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

            #[cfg(target_os = "linux")]
            #[test]
            fn keeps_serving_after_emfile() {
                super::keeps_serving_after_emfile($name);
            }
        }
    )*};
}

echo_server_tests! {
    echo_protocol => "echo_protocol",
    echo_streams => "echo_streams",
}
