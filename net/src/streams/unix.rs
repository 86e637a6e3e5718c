//! asyncio streams over Unix sockets: `open_unix_connection` and `start_unix_server`.

use std::future::Future;
use std::io;
use std::path::Path;

use super::{split_any, HandlerOutput, StreamReader, StreamWriter};
use crate::server::Server;
use crate::server_options::ServerOptions;
use crate::unix::UnixStream;

/// Connects to the Unix socket at `path` and returns the connection's two halves.
///
/// **asyncio:** `reader, writer = await asyncio.open_unix_connection(path)`. The reader's limit is
/// 64 KiB; change it with [`StreamReader::with_limit`]. The halves are `StreamReader<UnixStream>` and
/// `StreamWriter<UnixStream>`: the same methods as over TCP, with Unix addresses.
///
/// # Errors
///
/// The connect error: `NotFound` when nothing is at `path`, `ConnectionRefused` when nobody listens.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let dir = std::env::temp_dir().join(format!("tulip-doc-open-unix-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("echo.sock");
///     let server = tulip_net::start_unix_server(&path, |mut reader, writer| async move {
///         let line = reader.readline().await?;
///         writer.write(&line)?;
///         writer.close();
///         writer.wait_closed().await
///     })
///     .await?;
///
///     let (mut reader, writer) = tulip_net::open_unix_connection(&path).await?;
///     writer.write(b"hello\n")?;
///     assert_eq!(reader.readline().await?, b"hello\n");
///     server.close();
///     # std::fs::remove_dir_all(&dir)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn open_unix_connection(
    path: impl AsRef<Path>,
) -> io::Result<(StreamReader<UnixStream>, StreamWriter<UnixStream>)> {
    let sock = UnixStream::connect(path).await?;
    Ok(split_any(sock))
}

/// Listens on a Unix socket at `path` and runs `client_connected_cb(reader, writer)` as a new task for
/// each client, as [`start_server`](crate::start_server) does for TCP.
///
/// A socket file already at `path` (left by a server that did not clean up) is removed before binding,
/// and [`Server::close`] unlinks the file again if it is still the one this server made, as asyncio
/// does (Python 3.13's `cleanup_socket=True`). Any other kind of file at `path` makes the bind fail.
///
/// **asyncio:** `await asyncio.start_unix_server(client_connected_cb, path)`. Differences: `path` only
/// (no `sock=`; wrap a listener with [`UnixListener::from_std`](crate::UnixListener::from_std) and
/// accept yourself); the server's addresses are [`Server::unix_local_addrs`].
///
/// # Errors
///
/// The bind error (`AddrInUse` when a non-socket file is at `path`, `NotFound` for a missing
/// directory, `InvalidInput` for a path too long for `sun_path`), or the error removing a stale socket.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let dir = std::env::temp_dir().join(format!("tulip-doc-start-unix-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("upper.sock");
///     let server = tulip_net::start_unix_server(&path, |mut reader, writer| async move {
///         let data = reader.read_to_end().await?;
///         writer.write(&data.to_ascii_uppercase())?;
///         writer.close();
///         writer.wait_closed().await
///     })
///     .await?;
///     assert!(path.exists());
///
///     let (mut reader, writer) = tulip_net::open_unix_connection(&path).await?;
///     writer.write(b"shout")?;
///     writer.write_eof()?;
///     assert_eq!(reader.read_to_end().await?, b"SHOUT");
///
///     server.close();
///     assert!(!path.exists()); // unlinked on close, as asyncio does
///     # std::fs::remove_dir_all(&dir)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_unix_server<F, Fut>(
    path: impl AsRef<Path>,
    client_connected_cb: F,
) -> io::Result<Server>
where
    F: FnMut(StreamReader<UnixStream>, StreamWriter<UnixStream>) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    ServerOptions::new()
        .start_unix_server(path, client_connected_cb)
        .await
}
