//! `ServerOptions` on Unix socket paths (asyncio `create_unix_server(..., backlog=)` /
//! `start_unix_server(..., backlog=)`): the backlog bounds the connections waiting for `accept`,
//! `reuse_port` is refused with a clear error, and the server behaves as the plain functions' does.

mod support;

use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;

use socket2::{Domain, SockAddr, Socket, Type};
use support::net::{run, TempDir};
use tulip::net::{Protocol, ServerOptions, UnixListener};

struct Nothing;
impl Protocol for Nothing {}

/// Non-blocking connects to `path` until the kernel refuses one with `WouldBlock`: how many it took
/// (bounded, so a backlog that is not applied fails instead of looping).
fn connects_until_full(path: &std::path::Path) -> (usize, Vec<Socket>) {
    let addr = SockAddr::unix(path).unwrap();
    let mut held = Vec::new();
    for _ in 0..4096 {
        let s = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None).unwrap();
        match s.connect(&addr) {
            Ok(()) => held.push(s),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return (held.len(), held),
            Err(e) => panic!("connect: {e}"),
        }
    }
    (held.len(), held)
}

/// A listener bound with backlog 3 queues about 3 unaccepted connections (Linux: backlog + 1), and
/// then refuses; the default backlog queues far more.
#[test]
fn unix_listener_backlog_bounds_the_accept_queue() {
    let dir = TempDir::new();
    run(async {
        let small = dir.path("small.sock");
        let _l = UnixListener::bind_with(&small, 3).unwrap();
        let (n, _held) = connects_until_full(&small);
        assert!((3..=4).contains(&n), "backlog 3 queued {n}");

        let default = dir.path("default.sock");
        let _d = UnixListener::bind(&default).unwrap();
        let (n, _held) = connects_until_full(&default);
        assert!(n > 64, "the default backlog queued only {n}");
    });
}

/// `ServerOptions::backlog` reaches the Unix server's socket, for both forms.
#[test]
fn server_options_backlog_applies_to_unix_servers() {
    let dir = TempDir::new();
    run(async {
        let path = dir.path("proto.sock");
        let server = ServerOptions::new()
            .backlog(2)
            .create_unix_server(|| Nothing, &path)
            .await
            .unwrap();
        // The server accepts as it runs: hold the loop (no await) while connecting.
        let (n, _held) = connects_until_full(&path);
        assert!((2..=3).contains(&n), "backlog 2 queued {n}");
        server.close();
        assert!(!path.exists(), "close() unlinks the socket file");

        let path = dir.path("streams.sock");
        let server = ServerOptions::new()
            .backlog(5)
            .start_unix_server(&path, |_r, _w| async {})
            .await
            .unwrap();
        let (n, _held) = connects_until_full(&path);
        assert!((5..=6).contains(&n), "backlog 5 queued {n}");
        server.close();
    });
}

/// `reuse_port` has no meaning on a socket path: `InvalidInput`, and nothing is created at the path.
#[test]
fn reuse_port_on_a_unix_server_is_invalid_input() {
    let dir = TempDir::new();
    run(async {
        let path = dir.path("reuse.sock");
        let opts = ServerOptions::new().reuse_port(true);
        let err = opts
            .create_unix_server(|| Nothing, &path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        let err = opts
            .start_unix_server(&path, |_r, _w| async {})
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(!path.exists());
    });
}

/// With options, a stale socket file at the path is replaced, as with the plain functions.
#[test]
fn server_options_unix_server_replaces_a_stale_socket() {
    let dir = TempDir::new();
    let path = dir.path("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(std::fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_socket());
    run(async {
        let server = ServerOptions::new()
            .backlog(8)
            .start_unix_server(&path, |mut r, w| async move {
                let data = r.read_to_end().await?;
                w.write(&data)?;
                w.drain().await
            })
            .await
            .unwrap();
        let (mut r, w) = tulip::net::open_unix_connection(&path).await.unwrap();
        w.write(b"still served").unwrap();
        w.write_eof().unwrap();
        assert_eq!(r.read_to_end().await.unwrap(), b"still served");
        server.close();
    });
}
