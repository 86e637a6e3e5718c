//! `read_dir`: a directory's entries as a `Stream`, fetched in batches on the blocking pool.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::blocking::{spawn_blocking, SpawnBlocking};

/// Entries fetched per trip to the pool.
const BATCH: usize = 64;

type Batch = VecDeque<io::Result<DirEntry>>;

/// Opens the directory `path` and returns its entries as a [`Stream`](futures_core::Stream) of
/// `io::Result<DirEntry>` (no `.` and `..`, in the OS's order). Entries are read on the blocking pool,
/// 64 per trip, with each one's file type.
///
/// **asyncio:** `await loop.run_in_executor(None, os.scandir, path)` (then iterating in the executor
/// too); `aiofiles.os.scandir`.
///
/// # Errors
///
/// Those of [`std::fs::read_dir`] (`NotFound`, `NotADirectory`, `PermissionDenied`, …); an error
/// while listing comes as an `Err` item of the stream.
///
/// # Examples
///
/// ```
/// use tulip_core::fs;
///
/// tulip_core::run(async {
///     let dir = std::env::temp_dir().join(format!("tulip-doc-read-dir-{}", std::process::id()));
///     fs::create_dir_all(&dir).await?;
///     fs::write(dir.join("a.txt"), b"a").await?;
///     fs::write(dir.join("b.txt"), b"b").await?;
///     let mut names = Vec::new();
///     let mut entries = fs::read_dir(&dir).await?;
///     while let Some(entry) = entries.next_entry().await? {
///         assert!(entry.file_type()?.is_file());
///         names.push(entry.file_name());
///     }
///     names.sort();
///     assert_eq!(names, ["a.txt", "b.txt"]);
///     std::fs::remove_dir_all(&dir)
/// })
/// .unwrap();
/// ```
#[doc(alias = "scandir")]
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = spawn_blocking(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(std)),
        ready: VecDeque::new(),
    })
}

enum State {
    /// The listing is here (`None` once it is exhausted).
    Idle(Option<std::fs::ReadDir>),
    /// On the pool, fetching a batch.
    Busy(SpawnBlocking<(Option<std::fs::ReadDir>, Batch)>),
}

/// The entries of a directory; see [`read_dir`]. A [`Stream`](futures_core::Stream) of
/// `io::Result<DirEntry>`; [`next_entry`](ReadDir::next_entry) is the same without a stream adapter.
///
/// Dropping it while a batch is being fetched is safe: the batch job owns the listing and closes the
/// directory when it finishes.
///
/// **asyncio:** the iterator `os.scandir` returns, driven through `run_in_executor`.
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
///
/// tulip_core::run(async {
///     let mut entries = tulip_core::fs::read_dir(std::env::temp_dir()).await?;
///     // As a stream: poll_next yields `Some(Ok(entry))` until the listing ends.
///     let first = poll_fn(|cx| Pin::new(&mut entries).poll_next(cx)).await;
///     assert!(first.is_some(), "the temporary directory has entries");
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct ReadDir {
    state: State,
    ready: Batch,
}

impl ReadDir {
    /// The next entry, or `None` at the end of the listing.
    ///
    /// **asyncio:** `next(it)` on the `os.scandir` iterator, in the executor.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a batch being fetched is kept for the next call.
    ///
    /// # Errors
    ///
    /// An error the OS reported while listing; the listing may go on after it.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-next-entry-{}", std::process::id()));
    /// tulip_core::fs::create_dir_all(&dir).await?;
    /// let mut entries = tulip_core::fs::read_dir(&dir).await?;
    /// assert!(entries.next_entry().await?.is_none(), "a new directory is empty");
    /// # std::fs::remove_dir_all(&dir)
    /// # }).unwrap();
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_entry(cx)).await.transpose()
    }

    fn poll_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<DirEntry>>> {
        loop {
            if let Some(entry) = self.ready.pop_front() {
                return Poll::Ready(Some(entry));
            }
            match &mut self.state {
                State::Idle(None) => return Poll::Ready(None),
                State::Idle(listing) => {
                    let mut listing = listing.take();
                    let mut batch = std::mem::take(&mut self.ready);
                    self.state = State::Busy(spawn_blocking(move || {
                        fetch(&mut listing, &mut batch);
                        (listing, batch)
                    }));
                }
                State::Busy(job) => {
                    let (listing, batch) = ready!(Pin::new(job).poll(cx));
                    self.state = State::Idle(listing);
                    self.ready = batch;
                }
            }
        }
    }
}

/// Runs on the pool: moves up to [`BATCH`] entries into `batch`, dropping the listing at its end.
fn fetch(listing: &mut Option<std::fs::ReadDir>, batch: &mut Batch) {
    let Some(iter) = listing else { return };
    for _ in 0..BATCH {
        match iter.next() {
            Some(entry) => batch.push_back(entry.and_then(DirEntry::new)),
            None => {
                *listing = None;
                return;
            }
        }
    }
}

impl futures_core::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_entry(cx)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle(Some(_)) => "idle",
            State::Idle(None) => "done",
            State::Busy(_) => "fetching",
        };
        f.debug_struct("ReadDir")
            .field("state", &state)
            .field("ready", &self.ready.len())
            .finish()
    }
}

/// One entry of a directory listing; see [`read_dir`].
///
/// Its file type was read on the pool with the listing (free on most file systems, which report it in
/// the listing itself); its metadata is read on demand.
///
/// **asyncio:** `os.DirEntry` (from `os.scandir`).
///
/// # Examples
///
/// ```
/// # tulip_core::run(async {
/// # let dir = std::env::temp_dir().join(format!("tulip-doc-dir-entry-{}", std::process::id()));
/// tulip_core::fs::create_dir_all(dir.join("sub")).await?;
/// let entry = tulip_core::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
/// assert_eq!(entry.file_name(), "sub");
/// assert_eq!(entry.path(), dir.join("sub"));
/// assert!(entry.file_type()?.is_dir());
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    file_type: FileType,
}

impl DirEntry {
    /// Runs on the pool.
    fn new(std: std::fs::DirEntry) -> io::Result<DirEntry> {
        let file_type = std.file_type()?;
        Ok(DirEntry {
            std: Arc::new(std),
            file_type,
        })
    }

    /// The full path: the directory given to [`read_dir`] joined with [`file_name`](DirEntry::file_name).
    ///
    /// **asyncio:** `os.DirEntry.path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let mut entries = tulip_core::fs::read_dir(std::env::temp_dir()).await?;
    /// if let Some(entry) = entries.next_entry().await? {
    ///     assert!(entry.path().starts_with(std::env::temp_dir()));
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    ///
    /// **asyncio:** `os.DirEntry.name`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let mut entries = tulip_core::fs::read_dir(std::env::temp_dir()).await?;
    /// if let Some(entry) = entries.next_entry().await? {
    ///     assert!(!entry.file_name().is_empty());
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[doc(alias = "name")]
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's type (a symlink is reported as a symlink, not followed). Read with the listing, so
    /// this does not wait.
    ///
    /// **asyncio:** `os.DirEntry.is_dir(follow_symlinks=False)`, `is_file(…)`, `is_symlink()`.
    ///
    /// # Errors
    ///
    /// None today (the type is read with the listing, and a failure there is an `Err` item of the
    /// stream); the `Result` keeps `std::fs::DirEntry::file_type`'s signature.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// let mut entries = tulip_core::fs::read_dir(std::env::temp_dir()).await?;
    /// if let Some(entry) = entries.next_entry().await? {
    ///     let t = entry.file_type()?;
    ///     println!("{:?}: dir {}, symlink {}", entry.file_name(), t.is_dir(), t.is_symlink());
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn file_type(&self) -> io::Result<FileType> {
        Ok(self.file_type)
    }

    /// The entry's metadata (a symlink's own, not followed), read on the pool.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, entry.stat, follow_symlinks=False)`.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::DirEntry::metadata`], for instance `NotFound` if the entry was removed.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let dir = std::env::temp_dir().join(format!("tulip-doc-entry-meta-{}", std::process::id()));
    /// tulip_core::fs::create_dir_all(&dir).await?;
    /// tulip_core::fs::write(dir.join("five"), b"12345").await?;
    /// let entry = tulip_core::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.metadata().await?.len(), 5);
    /// # std::fs::remove_dir_all(&dir)
    /// # }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        spawn_blocking(move || std.metadata()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.std.path()).finish()
    }
}
