//! Binding a Unix server's socket the way asyncio does: a stale socket file is removed first, and the
//! file is unlinked when the server closes if it is still the one the server made. An abstract name
//! (Linux: a leading NUL byte) has no file: it is bound as it is and freed when the socket closes.

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::unix::UnixListener;

/// The socket file a Unix server made, identified by device and inode so that `close()` never removes
/// a file someone else put at the same path since; nothing for an abstract name.
#[derive(Debug)]
pub(crate) struct UnixCleanup {
    file: Option<SocketFile>,
}

#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl UnixCleanup {
    /// Unlinks the socket file when it is still ours (asyncio 3.13's `cleanup_socket=True`). Errors
    /// are ignored: the file may be gone already.
    pub(crate) fn unlink_if_ours(&self) {
        let Some(file) = &self.file else {
            return;
        };
        if let Ok(meta) = std::fs::symlink_metadata(&file.path) {
            if meta.dev() == file.dev && meta.ino() == file.ino {
                let _ = std::fs::remove_file(&file.path);
            }
        }
    }
}

/// Whether `path` is an abstract socket name (a leading NUL byte), which names no file. asyncio
/// checks the same before looking for a stale file.
fn is_abstract(path: &Path) -> bool {
    path.as_os_str().as_bytes().first() == Some(&0)
}

/// Binds a listening Unix socket at `path`: a socket file already there (left by a server that did not
/// clean up) is removed first, as asyncio does; any other kind of file is left alone and the bind
/// fails with `AddrInUse`. An abstract name is bound as it is.
pub(crate) fn bind_unix(path: &Path, backlog: i32) -> io::Result<(UnixListener, UnixCleanup)> {
    if is_abstract(path) {
        let listener = UnixListener::bind_with(path, backlog)?;
        return Ok((listener, UnixCleanup { file: None }));
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_socket() {
            std::fs::remove_file(path)?;
        }
    }
    let listener = UnixListener::bind_with(path, backlog)?;
    let meta = std::fs::symlink_metadata(path)?;
    Ok((
        listener,
        UnixCleanup {
            file: Some(SocketFile {
                path: path.to_owned(),
                dev: meta.dev(),
                ino: meta.ino(),
            }),
        },
    ))
}
