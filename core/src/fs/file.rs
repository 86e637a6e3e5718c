//! `File`: a file whose reads, writes and syscalls run on the blocking pool, one chunk per job.

use std::collections::VecDeque;
use std::fmt;
use std::fs::{File as StdFile, Metadata};
use std::future::{poll_fn, Future};
use std::io::{self, SeekFrom};
use std::mem;
use std::num::NonZeroUsize;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Wake, Waker};

use super::job::{self, Done, Inflight, Job};
use super::OpenOptions;
use crate::coop::poll_proceed;

/// `size` as a chunk size: `InvalidInput` when it is zero (a pool job would move nothing).
pub(super) fn check_chunk_size(size: usize) -> io::Result<NonZeroUsize> {
    NonZeroUsize::new(size).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a file's chunk size cannot be 0",
        )
    })
}

/// The default chunk size: how many bytes one job on the blocking pool reads or writes.
///
/// **asyncio:** the `64 * 1024` in the chunked reader recipe
/// (`await loop.run_in_executor(None, f.read, 64 * 1024)`).
///
/// # Examples
///
/// ```
/// assert_eq!(tulip_core::fs::DEFAULT_CHUNK_SIZE, 65536);
/// ```
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// How many chunks one job reads for [`File::read_to_end`]. Measured with `examples/file_reader.rs` on
/// a cached 256 MiB file (a shared 2-vCPU VM whose runs vary by ±15 %; medians of eight interleaved
/// runs): 1, 4, 16 and 64 chunks per job gave 1270, 1470, 1650 and 1550 MiB/s, a plain `std::fs::read`
/// 1510. One chunk per job spends its time on round trips to the pool; 16 lets the pool's `read(2)` of
/// one batch overlap the loop's copy of the previous one. Ticker lateness was 2-6 ms for all four.
const READ_TO_END_CHUNKS: usize = 16;

/// The most [`File::read_to_end`] copies in one poll before it lets the loop run other tasks. Copying
/// into the caller's growing `Vec` runs at page-fault speed (about 1.5 GB/s above), so 1 MiB is about
/// a millisecond; at 8 MiB per poll (the cooperative budget's 128 chunks) a 10 ms ticker ran 10 ms late,
/// and 4 MiB per poll was no faster than 1.
const COPY_PER_POLL: usize = 1 << 20;

/// Buffers kept for reuse, so steady streaming allocates (and page-faults) nothing.
const MAX_SPARE: usize = 2;

/// Where the descriptor is.
enum State {
    /// Owned here; no job runs.
    Idle(StdFile),
    /// Owned by the one job on the pool; it comes back with the job's result.
    Busy(Inflight),
    /// Closed, by [`File::close`] or `AsyncWrite::poll_close`.
    Closed,
}

/// A file on disk, read and written in chunks on the blocking pool so the loop never waits for the disk.
///
/// Regular files ignore `O_NONBLOCK`: a `read(2)` on one always blocks until the disk answers. So every
/// read, write and file syscall runs as a job on the [`spawn_blocking`](crate::spawn_blocking) pool, one
/// job at a time per file, each moving one chunk ([`DEFAULT_CHUNK_SIZE`], or
/// [`set_chunk_size`](File::set_chunk_size)) or, for `read_to_end`, 16; the loop thread only copies
/// bytes.
///
/// - **Reads** fill a chunk-sized read-ahead buffer, one `read(2)` per job: a whole chunk from a regular
///   file, whatever is there from a pipe or terminal. Once a caller reads sequentially, the next chunk
///   is fetched while it consumes the current one. [`read_to_end`](File::read_to_end) streams several
///   chunks per job, each job starting before the previous batch is copied out.
/// - **Writes** are buffered up to one chunk; a full chunk goes to the pool in the background while
///   the caller continues. [`flush`](File::flush) and [`close`](File::close) wait for every write and
///   report the first error; an error of a background write is otherwise reported by the next write,
///   flush, seek, sync or metadata call.
/// - **Ownership.** The job owns the `std::fs::File` while it runs and hands it back with its result, so
///   the descriptor has exactly one owner and is closed exactly once.
/// - **Dropping** a `File` is safe at any time: an unstarted read-ahead job is cancelled, any other job
///   runs to completion, and buffered bytes are written **in the background** on the pool before the
///   descriptor closes. Nobody sees an error from that write: `close().await` or `flush().await` is how
///   to learn that the data reached the OS. No waker or result is delivered after the file is gone.
///
/// `File` implements `futures_io`'s [`AsyncRead`](futures_io::AsyncRead),
/// [`AsyncWrite`](futures_io::AsyncWrite) and [`AsyncSeek`](futures_io::AsyncSeek).
///
/// **asyncio:** none (asyncio has no file API). asyncio code runs blocking file calls in the default
/// executor (`await loop.run_in_executor(None, f.read, n)`), reads big files with the chunked reader
/// recipe, or uses the third-party `aiofiles` (`async with aiofiles.open(path) as f:`), which this type
/// resembles.
///
/// # Examples
///
/// ```
/// use tulip_core::fs::File;
///
/// tulip_core::run(async {
///     let path = std::env::temp_dir().join(format!("tulip-doc-file-{}", std::process::id()));
///     let mut f = File::create(&path).await?;
///     f.write_all(b"hello, file").await?;
///     f.close().await?;
///
///     let mut f = File::open(&path).await?;
///     let mut text = String::new();
///     f.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello, file");
///     tulip_core::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    state: State,
    /// Bytes per job.
    chunk: usize,
    /// Chunks read from the descriptor and not yet consumed, oldest first.
    ahead: VecDeque<Vec<u8>>,
    /// How much of `ahead[0]` is consumed.
    ahead_pos: usize,
    /// Whether the caller has consumed a whole chunk since the read-ahead was last discarded: then it
    /// reads sequentially, and fetching the next chunk early pays off.
    streak: bool,
    /// A read job stopped at end of file: the next read returns 0 once all of `ahead` is consumed.
    eof: bool,
    /// A read job failed: the next read returns this once all of `ahead` is consumed.
    read_err: Option<io::Error>,
    /// Bytes written by the caller and not yet sent to the pool. Invariant: empty while a job runs, and
    /// `ahead` is empty while it is not.
    wbuf: Vec<u8>,
    /// The first error of a background write, not yet reported.
    write_err: Option<io::Error>,
    /// How far the descriptor's cursor is ahead of the caller's (discarded read-ahead); the next job
    /// moves it back first.
    rewind: u64,
    /// Buffers to reuse.
    spare: Vec<Vec<u8>>,
    /// The number of the next job.
    next_id: u64,
    /// The result of the last finished job that has one (seek, sync, metadata…), with its number.
    done: Option<(u64, Done)>,
    /// The seek started by `AsyncSeek::poll_seek`: its job number and, once finished, its result.
    seek: Option<(u64, Option<io::Result<u64>>)>,
}

impl File {
    /// Opens a file for reading.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, open, path, "rb")`; `aiofiles.open(path, "rb")`.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::File::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::fs::File;
    ///
    /// tulip_core::run(async {
    ///     let missing = std::env::temp_dir().join("tulip-doc-no-such-file");
    ///     let err = File::open(&missing).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, open, path, "wb")`; `aiofiles.open(path, "wb")`.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::File::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::fs::File;
    ///
    /// tulip_core::run(async {
    ///     let path = std::env::temp_dir().join(format!("tulip-doc-create-{}", std::process::id()));
    ///     let f = File::create(&path).await?;
    ///     f.close().await?;
    ///     assert_eq!(tulip_core::fs::metadata(&path).await?.len(), 0);
    ///     tulip_core::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Options to open a file with: append, create-new, permissions, chunk size.
    ///
    /// **asyncio:** the `mode` string of `open(path, mode)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::fs::File;
    ///
    /// tulip_core::run(async {
    ///     let path = std::env::temp_dir().join(format!("tulip-doc-options-{}", std::process::id()));
    ///     let mut f = File::options().append(true).create(true).open(&path).await?;
    ///     f.write_all(b"one line\n").await?;
    ///     f.close().await?;
    ///     tulip_core::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`; its cursor is where this file starts.
    ///
    /// **asyncio:** `aiofiles.threadpool.wrap(f)`; asyncio code keeps the blocking file object and
    /// passes its methods to `run_in_executor`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::fs::File;
    ///
    /// tulip_core::run(async {
    ///     let path = std::env::temp_dir().join(format!("tulip-doc-from-std-{}", std::process::id()));
    ///     std::fs::write(&path, b"abc")?;
    ///     let mut f = File::from_std(std::fs::File::open(&path)?);
    ///     let mut buf = Vec::new();
    ///     f.read_to_end(&mut buf).await?;
    ///     assert_eq!(buf, b"abc");
    ///     tulip_core::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(file: StdFile) -> File {
        File {
            state: State::Idle(file),
            chunk: DEFAULT_CHUNK_SIZE,
            ahead: VecDeque::new(),
            ahead_pos: 0,
            streak: false,
            eof: false,
            read_err: None,
            wbuf: Vec::new(),
            write_err: None,
            rewind: 0,
            spare: Vec::new(),
            next_id: 0,
            done: None,
            seek: None,
        }
    }

    /// Waits for every job and buffered write, then returns the `std::fs::File` with its cursor where
    /// this file's was (read-ahead is given back).
    ///
    /// **asyncio:** none (asyncio has no file API); `aiofiles` files expose the blocking object as `f._file`.
    ///
    /// # Errors
    ///
    /// The first error of a buffered write, or of moving the cursor back. A closed file gives
    /// `ErrorKind::InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use tulip_core::fs::File;
    ///
    /// tulip_core::run(async {
    ///     let path = std::env::temp_dir().join(format!("tulip-doc-into-std-{}", std::process::id()));
    ///     std::fs::write(&path, b"abcdef")?;
    ///     let mut f = File::open(&path).await?;
    ///     let mut two = [0; 2];
    ///     f.read_exact(&mut two).await?; // reads ahead a whole chunk on the pool
    ///     let mut rest = String::new();
    ///     f.into_std().await?.read_to_string(&mut rest)?;
    ///     assert_eq!(rest, "cdef");
    ///     tulip_core::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn into_std(mut self) -> io::Result<StdFile> {
        poll_fn(|cx| self.poll_drain(cx)).await?;
        self.discard_ahead();
        if self.rewind != 0 {
            self.seek(SeekFrom::Current(0)).await?;
        }
        match mem::replace(&mut self.state, State::Closed) {
            State::Idle(file) => Ok(file),
            _ => unreachable!("poll_drain leaves the file idle"),
        }
    }

    /// How many bytes one job on the pool reads or writes.
    ///
    /// **asyncio:** the `n` in `run_in_executor(None, f.read, n)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-chunk-{}", std::process::id()));
    /// let f = tulip_core::fs::File::create(&path).await?;
    /// assert_eq!(f.chunk_size(), tulip_core::fs::DEFAULT_CHUNK_SIZE);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn chunk_size(&self) -> usize {
        self.chunk
    }

    /// Sets how many bytes one job on the pool reads or writes. Bigger chunks mean fewer round trips to
    /// the pool (more throughput) and more memory and latency per job; the loop is never blocked either
    /// way. Takes effect from the next job.
    ///
    /// **asyncio:** the `n` in `run_in_executor(None, f.read, n)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `size` is zero (a job would move nothing); the file is left as it was.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-set-chunk-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.set_chunk_size(1 << 20)?;
    /// assert_eq!(f.chunk_size(), 1 << 20);
    /// assert_eq!(f.set_chunk_size(0).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub fn set_chunk_size(&mut self, size: usize) -> io::Result<()> {
        self.chunk = check_chunk_size(size)?.get();
        Ok(())
    }

    /// [`set_chunk_size`](File::set_chunk_size), builder style; a zero size cannot be written here.
    ///
    /// **asyncio:** the `n` in `run_in_executor(None, f.read, n)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-with-chunk-{}", std::process::id()));
    /// use std::num::NonZeroUsize;
    /// let f = tulip_core::fs::File::create(&path)
    ///     .await?
    ///     .with_chunk_size(NonZeroUsize::new(4096).unwrap());
    /// assert_eq!(f.chunk_size(), 4096);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[must_use = "with_chunk_size returns the file"]
    pub fn with_chunk_size(mut self, size: NonZeroUsize) -> File {
        self.chunk = size.get();
        self
    }

    /// Reads some bytes into `buf` and returns how many; 0 means end of file (or an empty `buf`).
    ///
    /// Served from the read-ahead when it has data; otherwise one chunk is read on the pool.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.read, n)`; `await f.read(n)` with `aiofiles`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, the chunk being read is kept for the next read.
    ///
    /// # Errors
    ///
    /// The OS error of the read. A closed file gives `ErrorKind::InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-read-{}", std::process::id()));
    /// tulip_core::fs::write(&path, b"hi").await?;
    /// let mut f = tulip_core::fs::File::open(&path).await?;
    /// let mut buf = [0; 16];
    /// let n = f.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// assert_eq!(f.read(&mut buf).await?, 0);
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_some(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// **asyncio:** a loop over `run_in_executor(None, f.read, n)`; for streams,
    /// `StreamReader.readexactly(n)`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes copied into `buf` before the future is dropped are consumed.
    ///
    /// # Errors
    ///
    /// `ErrorKind::UnexpectedEof` if the file ends first (`buf` then holds what was read), or the
    /// error of a read.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-read-exact-{}", std::process::id()));
    /// tulip_core::fs::write(&path, b"header+body").await?;
    /// let mut f = tulip_core::fs::File::open(&path).await?;
    /// let mut header = [0; 6];
    /// f.read_exact(&mut header).await?;
    /// assert_eq!(&header, b"header");
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.read(&mut buf[filled..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => filled += n,
            }
        }
        Ok(())
    }

    /// Reads everything up to end of file, appending it to `buf`; returns how many bytes were appended.
    ///
    /// The file streams through the pool in batches of several chunks (1 MiB at the default chunk
    /// size); the next batch is read while the loop copies the previous one, and the task yields to the
    /// loop after each MiB copied, so timers and I/O keep running during a long read.
    ///
    /// **asyncio:** the chunked reader recipe,
    /// `while chunk := await loop.run_in_executor(None, f.read, 65536): data += chunk`; `await f.read()`
    /// with `aiofiles`.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped, the bytes appended so far stay in `buf` and the batch being read is
    /// kept for the next read: nothing is lost.
    ///
    /// # Errors
    ///
    /// The error of a read; `buf` keeps the bytes read before it.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-read-to-end-{}", std::process::id()));
    /// tulip_core::fs::write(&path, vec![7u8; 300_000]).await?;
    /// let mut f = tulip_core::fs::File::open(&path).await?;
    /// let mut all = Vec::new();
    /// assert_eq!(f.read_to_end(&mut all).await?, 300_000);
    /// assert!(all.iter().all(|&b| b == 7));
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        poll_fn(|cx| self.poll_read_to_end(cx, buf, start)).await
    }

    /// Reads everything up to end of file as UTF-8, appending it to `buf`; returns how many bytes were
    /// appended.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.read)` on a text-mode file; `await f.read()`
    /// with `aiofiles`.
    ///
    /// # Errors
    ///
    /// `ErrorKind::InvalidData` if the bytes are not UTF-8 (`buf` is then unchanged), or the error of a
    /// read.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-read-string-{}", std::process::id()));
    /// tulip_core::fs::write(&path, "héllo").await?;
    /// let mut text = String::new();
    /// tulip_core::fs::File::open(&path).await?.read_to_string(&mut text).await?;
    /// assert_eq!(text, "héllo");
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        self.read_to_end(&mut bytes).await?;
        let text = String::from_utf8(bytes)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()))?;
        buf.push_str(&text);
        Ok(text.len())
    }

    /// Buffers some of `buf` and returns how many bytes it took (at most a chunk); a full chunk is sent
    /// to the pool in the background.
    ///
    /// **asyncio:** `loop.run_in_executor(None, f.write, data)`; `await f.write(data)` with `aiofiles`.
    ///
    /// # Errors
    ///
    /// The error of an earlier background write. A closed file gives `ErrorKind::InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-write-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// assert_eq!(f.write(b"abc").await?, 3);
    /// f.close().await?;
    /// assert_eq!(tulip_core::fs::read(&path).await?, b"abc");
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_some(cx, buf)).await
    }

    /// Buffers all of `buf`, sending each full chunk to the pool; waits only while a previous chunk is
    /// still being written. Call [`flush`](File::flush) or [`close`](File::close) to know it is written.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.write, data)`; `await f.write(data)` with
    /// `aiofiles`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: an unknown prefix of `buf` may have been taken when the future is dropped.
    ///
    /// # Errors
    ///
    /// The error of an earlier background write. A closed file gives `ErrorKind::InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-write-all-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(&vec![1u8; 200_000]).await?;
    /// f.flush().await?;
    /// assert_eq!(f.metadata().await?.len(), 200_000);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Writes out the buffered bytes and waits for every write on the pool; reports the first error.
    /// (It does not `fsync`: see [`sync_all`](File::sync_all).)
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.flush)`; `await f.flush()` with `aiofiles`.
    ///
    /// # Errors
    ///
    /// The first error of a write since the last report. A closed file gives
    /// `ErrorKind::InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-flush-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"visible after flush").await?;
    /// f.flush().await?;
    /// assert_eq!(std::fs::read(&path)?, b"visible after flush");
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_drain(cx)).await
    }

    /// Moves the cursor; returns the new position from the start of the file. Buffered writes are
    /// flushed first and unread read-ahead is dropped.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.seek, offset, whence)`; `await f.seek(...)` with
    /// `aiofiles`.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped, the seek may still happen.
    ///
    /// # Errors
    ///
    /// `ErrorKind::InvalidInput` for a position before the start, the error of a buffered write, or
    /// the OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::SeekFrom;
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-seek-{}", std::process::id()));
    /// tulip_core::fs::write(&path, b"0123456789").await?;
    /// let mut f = tulip_core::fs::File::open(&path).await?;
    /// assert_eq!(f.seek(SeekFrom::End(-3)).await?, 7);
    /// let mut tail = String::new();
    /// f.read_to_string(&mut tail).await?;
    /// assert_eq!(tail, "789");
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self.run(Job::Seek(pos)).await? {
            Done::Pos(res) => res,
            other => unreachable!("a seek job reported {other:?}"),
        }
    }

    /// Flushes, then waits until the data and metadata are on the storage device (`fsync`).
    ///
    /// **asyncio:** `await loop.run_in_executor(None, os.fsync, f.fileno())`.
    ///
    /// # Errors
    ///
    /// The error of a buffered write or of `fsync`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-sync-all-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"durable").await?;
    /// f.sync_all().await?;
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[doc(alias = "fsync")]
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.run_unit(Job::SyncAll).await
    }

    /// Flushes, then waits until the data (not necessarily the metadata) is on the storage device
    /// (`fdatasync`).
    ///
    /// **asyncio:** `await loop.run_in_executor(None, os.fdatasync, f.fileno())`.
    ///
    /// # Errors
    ///
    /// The error of a buffered write or of `fdatasync`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-sync-data-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"durable data").await?;
    /// f.sync_data().await?;
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[doc(alias = "fdatasync")]
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.run_unit(Job::SyncData).await
    }

    /// Flushes, then reads the file's metadata (`fstat`).
    ///
    /// **asyncio:** `await loop.run_in_executor(None, os.fstat, f.fileno())`.
    ///
    /// # Errors
    ///
    /// The error of a buffered write or of `fstat`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-file-meta-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"12345").await?;
    /// let meta = f.metadata().await?; // sees the buffered bytes: they are flushed first
    /// assert_eq!(meta.len(), 5);
    /// assert!(meta.is_file());
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[doc(alias = "fstat")]
    pub async fn metadata(&mut self) -> io::Result<Metadata> {
        match self.run(Job::Metadata).await? {
            Done::Meta(res) => res,
            other => unreachable!("a metadata job reported {other:?}"),
        }
    }

    /// Flushes, then truncates or extends the file to `size` bytes (`ftruncate`). The cursor does not
    /// move.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.truncate, size)`.
    ///
    /// # Errors
    ///
    /// The error of a buffered write or of `ftruncate` (for instance on a file opened read-only).
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-set-len-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"0123456789").await?;
    /// f.set_len(4).await?;
    /// assert_eq!(f.metadata().await?.len(), 4);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    #[doc(alias = "truncate")]
    #[doc(alias = "ftruncate")]
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.run_unit(Job::SetLen(size)).await
    }

    /// Waits for any job in flight, writes out the buffered bytes, closes the descriptor (on the pool)
    /// and reports the first write error. Read-ahead is discarded.
    ///
    /// A job in flight when `close` is called (say, a read whose future was dropped) finishes first; its
    /// result is dropped, and no waker registered before `close` is woken afterwards. `close(2)`'s own
    /// result is not reported (as with `std::fs::File`'s `Drop`): call [`sync_all`](File::sync_all)
    /// first when durability matters.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, f.close)`; `await f.close()` or `async with` with
    /// `aiofiles`.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped, the file is dropped: the work continues in the background (see
    /// [`File`]) and its errors are lost.
    ///
    /// # Errors
    ///
    /// The first error of a write since the last report.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-close-{}", std::process::id()));
    /// let mut f = tulip_core::fs::File::create(&path).await?;
    /// f.write_all(b"buffered until close").await?;
    /// f.close().await?; // flushed, errors reported
    /// assert_eq!(std::fs::read(&path)?, b"buffered until close");
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn close(mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_shutdown(cx)).await
    }
}

// The machinery behind the public methods and the `futures_io` traits.
impl File {
    /// Whether no job runs and no read-ahead is held (a test aid for the invariants).
    #[cfg(test)]
    fn is_quiet(&self) -> bool {
        !matches!(self.state, State::Busy(_)) && self.ahead.is_empty()
    }

    /// Drives the job in flight, if any, to completion and files its result.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let State::Busy(inflight) = &mut self.state else {
            return Poll::Ready(());
        };
        let (file, done) = ready!(Pin::new(&mut inflight.task).poll(cx));
        let id = inflight.id;
        self.state = match file {
            Some(file) => State::Idle(file),
            None => State::Closed,
        };
        match done {
            Done::Read { buf, res } => {
                match res {
                    Ok(()) => self.eof = buf.is_empty(),
                    Err(e) => self.read_err = Some(e),
                }
                if buf.is_empty() {
                    self.recycle(buf);
                } else {
                    self.ahead.push_back(buf);
                }
            }
            Done::Write { buf, res } => {
                self.recycle(buf);
                if let Err(e) = res {
                    self.write_err.get_or_insert(e);
                }
            }
            Done::Pos(res) if matches!(self.seek, Some((sid, None)) if sid == id) => {
                self.seek = Some((id, Some(res)));
            }
            other => self.done = Some((id, other)),
        }
        Poll::Ready(())
    }

    /// Starts `job` on the pool. The file must be idle with nothing buffered for writing.
    fn submit(&mut self, job: Job) -> u64 {
        debug_assert!(self.wbuf.is_empty(), "a job started with unsent writes");
        let file = match mem::replace(&mut self.state, State::Closed) {
            State::Idle(file) => file,
            other => {
                self.state = other;
                unreachable!("a job started while the file was not idle");
            }
        };
        let id = self.next_id;
        self.next_id += 1;
        let rewind = mem::take(&mut self.rewind);
        self.state = State::Busy(job::start(file, job, rewind, id));
        id
    }

    fn submit_write(&mut self) {
        let buf = mem::take(&mut self.wbuf);
        self.submit(Job::Write(buf));
    }

    fn submit_read(&mut self, len: usize) {
        let buf = self.spare.pop().unwrap_or_default();
        self.submit(Job::Read { buf, len });
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < MAX_SPARE && buf.capacity() > 0 {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// Drops the read-ahead (and a pending end-of-file or read error), remembering to move the cursor
    /// back over the unread bytes. Only while no read job runs.
    fn discard_ahead(&mut self) {
        debug_assert!(!matches!(self.state, State::Busy(ref j) if j.is_read));
        let held: usize = self.ahead.iter().map(Vec::len).sum();
        self.rewind += (held - self.ahead_pos) as u64;
        while let Some(buf) = self.ahead.pop_front() {
            self.recycle(buf);
        }
        self.ahead_pos = 0;
        self.streak = false;
        self.eof = false;
        self.read_err = None;
    }

    /// Waits until no job runs and every buffered byte is written, then reports (and clears) the first
    /// error of a background write.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match self.state {
                State::Busy(_) => ready!(self.poll_busy(cx)),
                State::Closed => return Poll::Ready(Err(closed())),
                State::Idle(_) if !self.wbuf.is_empty() => self.submit_write(),
                State::Idle(_) => return Poll::Ready(self.write_err.take().map_or(Ok(()), Err)),
            }
        }
    }

    /// Runs a job with a result of its own: after every write, with read-ahead given back.
    async fn run(&mut self, job: Job) -> io::Result<Done> {
        poll_fn(|cx| self.poll_drain(cx)).await?;
        self.discard_ahead();
        let id = self.submit(job);
        Ok(poll_fn(|cx| {
            ready!(self.poll_busy(cx));
            match self.done.take() {
                Some((done_id, done)) if done_id == id => Poll::Ready(done),
                _ => unreachable!("job {id} finished without a result"),
            }
        })
        .await)
    }

    async fn run_unit(&mut self, job: Job) -> io::Result<()> {
        match self.run(job).await? {
            Done::Unit(res) => res,
            other => unreachable!("a job without a value reported {other:?}"),
        }
    }

    /// Copies read-ahead into `out`, fetching a chunk when there is none.
    fn poll_read_some(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(poll_proceed(cx));
        loop {
            if let Some(front) = self.ahead.front() {
                let avail = &front[self.ahead_pos..];
                let n = avail.len().min(out.len());
                out[..n].copy_from_slice(&avail[..n]);
                self.consume(n);
                return Poll::Ready(Ok(n));
            }
            if let Some(e) = self.read_err.take() {
                return Poll::Ready(Err(e));
            }
            if mem::take(&mut self.eof) {
                return Poll::Ready(Ok(0));
            }
            match self.state {
                State::Busy(_) => ready!(self.poll_busy(cx)),
                State::Closed => return Poll::Ready(Err(closed())),
                State::Idle(_) if !self.wbuf.is_empty() => self.submit_write(),
                State::Idle(_) => self.submit_read(self.chunk),
            }
        }
    }

    /// Marks `n` bytes of the front chunk consumed; once the caller reads sequentially, starts fetching
    /// the next chunk while it works through the last one held.
    fn consume(&mut self, n: usize) {
        self.ahead_pos += n;
        if self.ahead_pos == self.ahead[0].len() {
            if let Some(buf) = self.ahead.pop_front() {
                self.recycle(buf);
            }
            self.ahead_pos = 0;
            self.streak = true;
        }
        let idle = matches!(self.state, State::Idle(_));
        if self.streak && idle && self.ahead.len() <= 1 && !self.eof && self.read_err.is_none() {
            self.submit_read(self.chunk);
        }
    }

    fn poll_read_to_end(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
        start: usize,
    ) -> Poll<io::Result<usize>> {
        let batch = self.chunk.saturating_mul(READ_TO_END_CHUNKS);
        let mut copied = 0;
        loop {
            if !self.ahead.is_empty() {
                if copied >= COPY_PER_POLL {
                    // Give timers and I/O a turn every MiB.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                if copied == 0 {
                    ready!(poll_proceed(cx));
                }
                // Start the next batch first, so the pool reads it while this one is copied.
                if matches!(self.state, State::Idle(_)) && !self.eof && self.read_err.is_none() {
                    self.submit_read(batch);
                }
                let front = &self.ahead[0];
                let avail = &front[self.ahead_pos..];
                let n = avail.len().min(COPY_PER_POLL - copied);
                out.extend_from_slice(&avail[..n]);
                copied += n;
                self.ahead_pos += n;
                if self.ahead_pos == front.len() {
                    self.ahead_pos = 0;
                    if let Some(buf) = self.ahead.pop_front() {
                        self.recycle(buf);
                    }
                }
                continue;
            }
            if let Some(e) = self.read_err.take() {
                return Poll::Ready(Err(e));
            }
            if mem::take(&mut self.eof) {
                return Poll::Ready(Ok(out.len() - start));
            }
            match self.state {
                State::Busy(_) => ready!(self.poll_busy(cx)),
                State::Closed => return Poll::Ready(Err(closed())),
                State::Idle(_) if !self.wbuf.is_empty() => self.submit_write(),
                State::Idle(_) => self.submit_read(batch),
            }
        }
    }

    /// Takes up to a chunk of `data` into the write buffer, sending a full chunk to the pool.
    fn poll_write_some(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(poll_proceed(cx));
        loop {
            match self.state {
                State::Busy(_) => ready!(self.poll_busy(cx)),
                State::Closed => return Poll::Ready(Err(closed())),
                State::Idle(_) => {
                    if let Some(e) = self.write_err.take() {
                        return Poll::Ready(Err(e));
                    }
                    // Writing goes where the caller's cursor is, not past the read-ahead.
                    self.discard_ahead();
                    if self.wbuf.len() >= self.chunk {
                        self.submit_write();
                        continue;
                    }
                    if self.wbuf.capacity() == 0 {
                        self.wbuf = self.spare.pop().unwrap_or_default();
                    }
                    let n = data.len().min(self.chunk - self.wbuf.len());
                    self.wbuf.extend_from_slice(&data[..n]);
                    if self.wbuf.len() >= self.chunk {
                        self.submit_write();
                    }
                    return Poll::Ready(Ok(n));
                }
            }
        }
    }

    /// Flushes, then closes the descriptor on the pool; reports the first write error.
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match self.state {
                State::Busy(_) => ready!(self.poll_busy(cx)),
                State::Closed => return Poll::Ready(self.write_err.take().map_or(Ok(()), Err)),
                State::Idle(_) if !self.wbuf.is_empty() => self.submit_write(),
                State::Idle(_) => {
                    self.discard_ahead();
                    self.submit(Job::Close);
                }
            }
        }
    }

    /// `AsyncSeek`: starts a seek, or finishes the one started by an earlier call.
    fn poll_seek_to(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        loop {
            match self.seek.take() {
                Some((_, Some(res))) => return Poll::Ready(res),
                Some(pending) if matches!(self.state, State::Busy(_)) => {
                    self.seek = Some(pending);
                    ready!(self.poll_busy(cx));
                }
                // Idle with no result cannot happen: the job's result is filed when it finishes.
                // Start over.
                Some(_) => {}
                None => {
                    ready!(self.poll_drain(cx))?;
                    self.discard_ahead();
                    let id = self.submit(Job::Seek(pos));
                    self.seek = Some((id, None));
                }
            }
        }
    }
}

/// The error for an operation on a closed file (Python raises `ValueError: I/O operation on closed
/// file`).
#[cold]
fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "I/O operation on closed file")
}

impl Drop for File {
    fn drop(&mut self) {
        let file = match mem::replace(&mut self.state, State::Closed) {
            State::Closed => return,
            State::Idle(file) => file,
            State::Busy(mut inflight) => {
                // Nobody waits any more: swap the waker of the last task that polled the job for one
                // that does nothing, so the job's end wakes no one.
                let waker = Waker::from(Arc::new(NoopWaker));
                match Pin::new(&mut inflight.task).poll(&mut Context::from_waker(&waker)) {
                    // Finished already (its result is dropped): close the file below.
                    Poll::Ready((Some(file), _)) => file,
                    Poll::Ready((None, _)) => return,
                    // An unstarted read-ahead is worth nothing: dropping it cancels it. Whether it
                    // started or not, the job owns the descriptor and closes it when it is dropped.
                    Poll::Pending if inflight.is_read => return,
                    // A write (or sync, truncate…) the caller asked for still happens.
                    Poll::Pending => {
                        inflight.task.detach();
                        return;
                    }
                }
            }
        };
        // `wbuf` is empty unless the file was idle.
        let job = if self.wbuf.is_empty() {
            Job::Close
        } else {
            Job::Write(mem::take(&mut self.wbuf))
        };
        // The job's output, file included, is dropped on the pool when it finishes.
        job::start(file, job, self.rewind, u64::MAX).task.detach();
    }
}

/// The waker a dropped file leaves with its last job.
struct NoopWaker;

impl Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("File");
        match &self.state {
            State::Idle(file) => d.field("std", file),
            State::Busy(job) => d.field("busy", job),
            State::Closed => d.field("closed", &true),
        };
        let held: usize = self.ahead.iter().map(Vec::len).sum();
        d.field("chunk_size", &self.chunk)
            .field("read_ahead", &(held - self.ahead_pos))
            .field("write_buffered", &self.wbuf.len())
            .finish()
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_some(cx, buf)
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_some(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_drain(cx)
    }

    /// Flushes and closes the descriptor; later reads and writes fail with `ErrorKind::InvalidInput`.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_shutdown(cx)
    }
}

impl futures_io::AsyncSeek for File {
    /// Flushes, drops the read-ahead and seeks on the pool. A seek that returned `Pending` is finished
    /// by the next call, which returns its result (callers repeat the same `pos` until it completes).
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_to(cx, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("tulip-unit-{name}-{}", std::process::id()))
    }

    /// A `File` can move to another thread (and loop) between operations.
    #[test]
    fn file_is_send() {
        fn send<T: Send>() {}
        send::<File>();
        send::<crate::fs::ReadDir>();
        send::<crate::fs::DirEntry>();
    }

    /// Read-ahead then write: the write lands where the caller's cursor is, not past the read-ahead.
    #[test]
    fn write_after_partial_read_rewinds() {
        let path = temp("rewind");
        std::fs::write(&path, vec![b'.'; 200_000]).unwrap();
        crate::run(async {
            let mut f = File::options()
                .read(true)
                .write(true)
                .open(&path)
                .await
                .unwrap();
            let mut four = [0; 4];
            f.read_exact(&mut four).await.unwrap();
            assert!(!f.is_quiet(), "a chunk is held");
            f.write_all(b"XY").await.unwrap();
            assert_eq!(f.seek(SeekFrom::Current(0)).await.unwrap(), 6);
            f.read_exact(&mut four).await.unwrap();
            assert_eq!(&four, b"....");
            f.close().await.unwrap();
        });
        let data = std::fs::read(&path).unwrap();
        assert_eq!(&data[..8], b"....XY..");
        assert_eq!(data.len(), 200_000);
        std::fs::remove_file(&path).unwrap();
    }

    /// Sequential reads fetch the next chunk early; a seek gives the read-ahead back.
    #[test]
    fn sequential_reads_prefetch_and_seek_discards() {
        let path = temp("prefetch");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        crate::run(async {
            let mut f = File::open(&path)
                .await
                .unwrap()
                .with_chunk_size(NonZeroUsize::new(1000).unwrap());
            let mut buf = [0; 1000];
            f.read_exact(&mut buf).await.unwrap();
            f.read_exact(&mut buf[..10]).await.unwrap();
            assert!(
                matches!(f.state, State::Busy(_)),
                "the next chunk is on its way"
            );
            assert_eq!(f.seek(SeekFrom::Current(0)).await.unwrap(), 1010);
            assert!(f.is_quiet());
            f.read_exact(&mut buf[..5]).await.unwrap();
            assert_eq!(&buf[..5], &data[1010..1015]);
        });
        std::fs::remove_file(&path).unwrap();
    }
}
