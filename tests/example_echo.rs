//! The echo examples (`echo`, `echo_threads`, `echo_selector`) as separate processes, driven by a real
//! client: many concurrent connections, half-close, a client that resets mid-stream.

mod support;

use support::client;
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
    client::half_close(server.addr(), 42, 100 * 1024);
}

/// A client that resets its connection (SO_LINGER 0, then close) in the middle of an echo, once after
/// reading part of the echo and once while the server has unsent bytes queued: the server drops that
/// connection, keeps running and serves the next clients.
fn reset_mid_stream(name: &str) {
    let mut server = Example::start(name);
    let addr = server.addr();

    client::reset_mid_echo(addr);

    client::fill_then_reset(addr, 32 << 20);

    client::still_echoes(addr);
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
