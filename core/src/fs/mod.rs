//! Files and directories without stalling the loop: every file system call runs on the blocking pool.
//!
//! **asyncio:** none: asyncio has no file API. asyncio code passes blocking calls to the default executor
//! (`await loop.run_in_executor(None, f.read, 65536)`, `asyncio.to_thread(os.remove, path)`), reads big
//! files with the chunked reader recipe, or uses the third-party `aiofiles` package. This module is that
//! pattern, packaged: [`File`] resembles an `aiofiles` file, the free functions mirror `os`, `shutil` and
//! `pathlib`'s one-shot helpers.
//!
//! # Implementation
//!
//! Regular files ignore `O_NONBLOCK` (the erratum to the chunked-reader recipe: a "non-blocking" read of
//! a file still waits for the disk), so readiness polling cannot help. Each call runs as a job on the
//! [`spawn_blocking`] pool and the loop awaits it. A [`File`] moves at most one
//! chunk per job (64 KiB by default; [`File::read_to_end`] moves 16 chunks per job), one job at a
//! time, and the job owns the descriptor while it runs. The loop thread only copies bytes between
//! buffers, so timers and sockets keep being served during a long read or write
//! (`examples/file_reader.rs` measures this).
//!
//! # Examples
//!
//! ```
//! use tulip_core::fs::{self, File};
//!
//! tulip_core::run(async {
//!     let path = std::env::temp_dir().join(format!("tulip-doc-fs-{}", std::process::id()));
//!     fs::write(&path, b"one\ntwo\n").await?;
//!
//!     let mut f = File::options().append(true).open(&path).await?;
//!     f.write_all(b"three\n").await?;
//!     f.close().await?;
//!
//!     assert_eq!(fs::read_to_string(&path).await?, "one\ntwo\nthree\n");
//!     fs::remove_file(&path).await
//! })
//! .unwrap();
//! ```

mod file;
mod job;
mod open_options;
mod read_dir;

use std::fs::Metadata;
use std::io;
use std::path::Path;

pub use file::{File, DEFAULT_CHUNK_SIZE};
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};

use crate::blocking::spawn_blocking;

/// Reads the whole file at `path`, as one job on the pool (sized from the file's length, like
/// [`std::fs::read`]).
///
/// **asyncio:** `await loop.run_in_executor(None, pathlib.Path(path).read_bytes)`; with `aiofiles`,
/// `async with aiofiles.open(path, "rb") as f: data = await f.read()`.
///
/// # Cancel safety
///
/// If the future is dropped the read still finishes on the pool; its bytes are dropped there. For a
/// read that stops between chunks, use [`File::read_to_end`].
///
/// # Errors
///
/// Those of [`std::fs::read`].
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let path = std::env::temp_dir().join(format!("tulip-doc-fs-read-{}", std::process::id()));
/// tulip_core::fs::write(&path, [1, 2, 3]).await?;
/// assert_eq!(tulip_core::fs::read(&path).await?, [1, 2, 3]);
/// # tulip_core::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` as UTF-8, as one job on the pool.
///
/// **asyncio:** `await loop.run_in_executor(None, pathlib.Path(path).read_text)`; with `aiofiles`,
/// `async with aiofiles.open(path) as f: text = await f.read()`.
///
/// # Errors
///
/// Those of [`std::fs::read_to_string`]; `ErrorKind::InvalidData` if the file is not UTF-8.
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let path = std::env::temp_dir().join(format!("tulip-doc-fs-read-str-{}", std::process::id()));
/// tulip_core::fs::write(&path, "text").await?;
/// assert_eq!(tulip_core::fs::read_to_string(&path).await?, "text");
/// # tulip_core::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file at `path` and writes `contents` to it, as one job on the pool (the
/// bytes are copied once to move them there).
///
/// **asyncio:** `await loop.run_in_executor(None, pathlib.Path(path).write_bytes, data)`; with
/// `aiofiles`, `async with aiofiles.open(path, "wb") as f: await f.write(data)`.
///
/// # Cancel safety
///
/// If the future is dropped the write may still happen.
///
/// # Errors
///
/// Those of [`std::fs::write`].
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let path = std::env::temp_dir().join(format!("tulip-doc-fs-write-{}", std::process::id()));
/// tulip_core::fs::write(&path, b"data").await?;
/// assert_eq!(std::fs::read(&path)?, b"data");
/// # tulip_core::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    spawn_blocking(move || std::fs::write(path, contents)).await
}

/// Removes the file at `path`.
///
/// **asyncio:** `await asyncio.to_thread(os.remove, path)`; `await aiofiles.os.remove(path)`.
///
/// # Errors
///
/// Those of [`std::fs::remove_file`] (`NotFound`, `PermissionDenied`, `IsADirectory`, …).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let path = std::env::temp_dir().join(format!("tulip-doc-fs-remove-{}", std::process::id()));
/// tulip_core::fs::write(&path, b"").await?;
/// tulip_core::fs::remove_file(&path).await?;
/// assert!(!path.exists());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
#[doc(alias = "unlink")]
#[doc(alias = "remove")]
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::remove_file(path)).await
}

/// Renames `from` to `to`, replacing `to` if it exists (atomically, on one file system).
///
/// **asyncio:** `await asyncio.to_thread(os.replace, src, dst)`; `await aiofiles.os.replace(src, dst)`.
///
/// # Errors
///
/// Those of [`std::fs::rename`] (`NotFound`, `CrossesDevices`, …).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let from = std::env::temp_dir().join(format!("tulip-doc-fs-rename-a-{}", std::process::id()));
/// # let to = std::env::temp_dir().join(format!("tulip-doc-fs-rename-b-{}", std::process::id()));
/// tulip_core::fs::write(&from, b"moved").await?;
/// tulip_core::fs::rename(&from, &to).await?;
/// assert_eq!(tulip_core::fs::read(&to).await?, b"moved");
/// # tulip_core::fs::remove_file(&to).await
/// # }).unwrap();
/// ```
#[doc(alias = "replace")]
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    spawn_blocking(move || std::fs::rename(from, to)).await
}

/// Creates the directory `path` and any missing parents; succeeds if it already exists.
///
/// **asyncio:** `await asyncio.to_thread(os.makedirs, path, exist_ok=True)`;
/// `await aiofiles.os.makedirs(path, exist_ok=True)`.
///
/// # Errors
///
/// Those of [`std::fs::create_dir_all`] (`PermissionDenied`, `NotADirectory`, …).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let top = std::env::temp_dir().join(format!("tulip-doc-fs-mkdir-{}", std::process::id()));
/// tulip_core::fs::create_dir_all(top.join("a/b/c")).await?;
/// assert!(top.join("a/b/c").is_dir());
/// # std::fs::remove_dir_all(&top)
/// # }).unwrap();
/// ```
#[doc(alias = "makedirs")]
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::create_dir_all(path)).await
}

/// Reads the metadata of `path`, following symlinks (`stat`).
///
/// **asyncio:** `await asyncio.to_thread(os.stat, path)`; `await aiofiles.os.stat(path)`.
///
/// # Errors
///
/// Those of [`std::fs::metadata`] (`NotFound`, `PermissionDenied`, …).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// let meta = tulip_core::fs::metadata(std::env::temp_dir()).await?;
/// assert!(meta.is_dir());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
#[doc(alias = "stat")]
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::metadata(path)).await
}

/// Copies the contents and permission bits of `from` to `to` (created or truncated); returns the
/// number of bytes copied. The kernel copies (`copy_file_range`) where it can.
///
/// **asyncio:** `await asyncio.to_thread(shutil.copy, src, dst)`.
///
/// # Errors
///
/// Those of [`std::fs::copy`] (`NotFound`, `InvalidInput` if `from` is not a file, …).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let from = std::env::temp_dir().join(format!("tulip-doc-fs-copy-a-{}", std::process::id()));
/// # let to = std::env::temp_dir().join(format!("tulip-doc-fs-copy-b-{}", std::process::id()));
/// tulip_core::fs::write(&from, b"copied").await?;
/// assert_eq!(tulip_core::fs::copy(&from, &to).await?, 6);
/// assert_eq!(tulip_core::fs::read(&to).await?, b"copied");
/// # tulip_core::fs::remove_file(&from).await?;
/// # tulip_core::fs::remove_file(&to).await
/// # }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    spawn_blocking(move || std::fs::copy(from, to)).await
}
