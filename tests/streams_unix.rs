//! asyncio streams over Unix sockets: `open_unix_connection` / `start_unix_server` give the same
//! `StreamReader`/`StreamWriter` methods as TCP, and the server's socket file is handled as asyncio
//! does (a stale socket removed before binding, the file unlinked on close if it is still ours).

mod support;

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use tulip::net::{open_unix_connection, start_unix_server, ByteStream, UnixListener, UnixStream};

use support::net::{run, TempDir};

/// ```python
/// async def handle(reader, writer):
///     while line := await reader.readline():
///         writer.write(line.upper())
///         await writer.drain()
///     writer.close()
/// server = await asyncio.start_unix_server(handle, path)
/// reader, writer = await asyncio.open_unix_connection(path)
/// ```
#[test]
fn lines_round_trip_over_a_unix_socket() {
    let dir = TempDir::new();
    let path = dir.path("upper.sock");
    run(async {
        let server = start_unix_server(&path, |reader, writer| async move {
            let mut reader = reader.with_limit(std::num::NonZeroUsize::new(1 << 20).unwrap());
            loop {
                let line = reader.readline().await?;
                if line.is_empty() {
                    break;
                }
                writer.write(&line.to_ascii_uppercase())?;
                writer.drain().await?;
            }
            writer.close();
            writer.wait_closed().await
        })
        .await?;
        assert_eq!(server.unix_local_addrs().len(), 1);
        assert_eq!(
            server.unix_local_addrs()[0].as_pathname(),
            Some(path.as_path())
        );

        let (mut reader, writer) = open_unix_connection(&path).await?;
        assert!(writer.can_write_eof());
        assert!(writer.peer_addr()?.as_pathname().is_some());
        let big = vec![b'a'; 200_000];
        writer.write(b"one\n")?;
        writer.write(&big)?;
        writer.write(b"\ntwo\n")?;
        writer.drain().await?;
        assert_eq!(reader.readline().await?, b"ONE\n");
        let got = reader.readexactly(200_001).await.map_err(io::Error::from)?;
        assert_eq!(&got[..200_000], &vec![b'A'; 200_000][..]);
        assert_eq!(reader.readline().await?, b"TWO\n");
        writer.write_eof()?;
        assert_eq!(reader.read_to_end().await?, b"");
        assert!(reader.at_eof());
        server.close();
        server.wait_closed().await;
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// # a server that crashed left its socket file behind
/// server = await asyncio.start_unix_server(handle, path)   # removes it and binds
/// ```
#[test]
fn a_stale_socket_file_is_replaced() {
    let dir = TempDir::new();
    let path = dir.path("stale.sock");
    // A socket file nobody listens on any more.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    run(async {
        let server = start_unix_server(&path, |_r, w| async move {
            w.write(b"fresh")?;
            w.close();
            w.wait_closed().await
        })
        .await?;
        let (mut reader, _w) = open_unix_connection(&path).await?;
        assert_eq!(reader.read_to_end().await?, b"fresh");
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// asyncio only removes sockets: a regular file at the path is an error, and stays.
#[test]
fn a_regular_file_at_the_path_is_left_alone() {
    let dir = TempDir::new();
    let path = dir.path("data.txt");
    std::fs::write(&path, b"precious").unwrap();
    run(async {
        let err = start_unix_server(&path, |_r, _w| async {})
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        io::Result::Ok(())
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

/// ```python
/// server.close()     # cleanup_socket=True (3.13): the socket file is unlinked
/// ```
#[test]
fn close_unlinks_the_socket_file() {
    let dir = TempDir::new();
    let path = dir.path("gone.sock");
    run(async {
        let server = start_unix_server(&path, |_r, _w| async {}).await?;
        assert!(path.exists());
        server.close();
        assert!(!path.exists());
        server.close(); // twice is harmless
        io::Result::Ok(())
    })
    .unwrap();
}

/// asyncio compares the inode: a file someone else put at the path since is not removed.
#[test]
fn close_leaves_a_file_that_replaced_ours() {
    let dir = TempDir::new();
    let path = dir.path("replaced.sock");
    run(async {
        let server = start_unix_server(&path, |_r, _w| async {}).await?;
        std::fs::remove_file(&path)?;
        let other = UnixListener::bind(&path)?;
        server.close();
        assert!(path.exists(), "another server's socket file was removed");
        drop(other);
        io::Result::Ok(())
    })
    .unwrap();
}

/// `Server.close_clients()` on a Unix streams server shuts each connection down: the handler's
/// reader sees EOF, the client sees the connection end.
#[test]
fn close_clients_ends_unix_stream_connections() {
    let dir = TempDir::new();
    let path = dir.path("clients.sock");
    run(async {
        let saw_eof = Rc::new(Cell::new(false));
        let seen = saw_eof.clone();
        let server = start_unix_server(&path, move |mut reader, _writer| {
            let seen = seen.clone();
            async move {
                let rest = reader.read_to_end().await?;
                seen.set(rest.is_empty());
                io::Result::Ok(())
            }
        })
        .await?;
        let (mut reader, _writer) = open_unix_connection(&path).await?;
        while server.active_clients() == 0 {
            tulip::yield_now().await;
        }
        server.close_clients();
        assert_eq!(reader.read_to_end().await?, b"");
        server.close();
        server.wait_closed().await;
        assert!(saw_eof.get());
        io::Result::Ok(())
    })
    .unwrap();
}

/// A reader and a writer made by hand over a socketpair: `StreamReader::new` / `StreamWriter::new`
/// work for any `ByteStream`.
#[test]
fn streams_made_over_a_socketpair() {
    run(async {
        let (a, b) = UnixStream::pair()?;
        assert!(ByteStream::peer_addr(&a)?.is_unnamed());
        let writer = tulip::net::StreamWriter::new(a);
        let mut reader = tulip::net::StreamReader::new(b);
        writer.writelines([&b"x;"[..], b"y;"])?;
        writer.close();
        writer.wait_closed().await?;
        assert_eq!(
            reader.readuntil(b";").await.map_err(io::Error::from)?,
            b"x;"
        );
        assert_eq!(
            reader.readuntil(b";").await.map_err(io::Error::from)?,
            b"y;"
        );
        assert!(reader.readuntil(b";").await.unwrap_err().is_incomplete());
        io::Result::Ok(())
    })
    .unwrap();
}

/// Connecting where nothing listens fails as the OS says.
#[test]
fn open_unix_connection_to_a_missing_path_fails() {
    let dir = TempDir::new();
    run(async {
        let err = open_unix_connection(dir.path("nobody.sock"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        io::Result::Ok(())
    })
    .unwrap();
}
