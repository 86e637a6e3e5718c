//! Binding a Unix server's socket the way asyncio does: a stale socket file is removed first, and the
//! file is unlinked when the server closes if it is still the one the server made.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::unix::UnixListener;

/// The socket file a Unix server made, identified by device and inode so that `close()` never removes
/// a file someone else put at the same path since.
#[derive(Debug)]
pub(crate) struct UnixCleanup {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl UnixCleanup {
    /// Unlinks the socket file when it is still ours (asyncio 3.13's `cleanup_socket=True`). Errors
    /// are ignored: the file may be gone already.
    pub(crate) fn unlink_if_ours(&self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if meta.dev() == self.dev && meta.ino() == self.ino {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Binds a listening Unix socket at `path`: a socket file already there (left by a server that did not
/// clean up) is removed first, as asyncio does; any other kind of file is left alone and the bind
/// fails with `AddrInUse`.
pub(crate) fn bind_unix(path: &Path, backlog: i32) -> io::Result<(UnixListener, UnixCleanup)> {
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
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
        },
    ))
}
