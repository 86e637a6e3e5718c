//! Unix servers and connections with bad paths: too long, containing a NUL byte, in a missing
//! directory, or naming a file that is not a socket. Each is an error, never a panic, and a regular
//! file (or a directory) at the path is never removed: asyncio removes only a stale *socket*
//! (`stat.S_ISSOCK`) before binding and fails with `EADDRINUSE` otherwise.

mod support;

use std::io;
use std::path::Path;

use support::net::{run, TempDir};
use tulip::net::{
    create_unix_connection, create_unix_server, open_unix_connection, start_unix_server, Protocol,
    StreamReader, StreamWriter, UnixStream,
};

struct Quiet;
impl Protocol for Quiet {}

async fn handler(_r: StreamReader<UnixStream>, _w: StreamWriter<UnixStream>) {}

async fn every_server_refuses(path: &Path) {
    assert!(
        start_unix_server(path, handler).await.is_err(),
        "start_unix_server accepted {path:?}"
    );
    assert!(
        create_unix_server(|| Quiet, path).await.is_err(),
        "create_unix_server accepted {path:?}"
    );
}

#[test]
fn too_long_nul_and_missing_directory_paths_are_errors() {
    let dir = TempDir::new();
    let long = dir.path(&"x".repeat(200));
    let missing = dir.path("no-such-dir").join("sock");
    run(async {
        every_server_refuses(&long).await;
        every_server_refuses(&missing).await;
        every_server_refuses(Path::new("bad\0path")).await;
        assert!(open_unix_connection(&long).await.is_err());
        assert!(open_unix_connection("bad\0path").await.is_err());
        assert!(create_unix_connection(|| Quiet, &missing).await.is_err());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn a_regular_file_or_directory_at_the_path_is_kept() {
    let dir = TempDir::new();
    let file = dir.path("precious.txt");
    std::fs::write(&file, b"user data").unwrap();
    let subdir = dir.path("a-directory");
    std::fs::create_dir(&subdir).unwrap();
    run(async {
        every_server_refuses(&file).await;
        every_server_refuses(&subdir).await;
        io::Result::Ok(())
    })
    .unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), b"user data");
    assert!(subdir.is_dir());
}
