//! `StreamReader`: buffered reads on the connection's stream, done by the task that awaits them.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::num::NonZeroUsize;
use std::task::{ready, Context, Poll};

use super::error::{IncompleteReadError, LimitOverrunError, ReadError};
use crate::byte_stream::ByteStream;
use crate::io::proceed;
use crate::tcp::TcpStream;

/// asyncio's default stream buffer limit (64 KiB).
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024;
/// The size of the thread's scratch buffer and of a reader's buffer when it must grow, and so the most
/// one read brings; the least free space a read into a reader's own buffer is given.
const CHUNK: usize = 64 * 1024;
const MIN_FREE: usize = 4096;
/// The room a read into [`SPARE_SCRATCH`] is given: a little more than the 64 KiB peers commonly
/// write at once, so that such a message comes back in one short read (the socket then known
/// drained: the next read waits for an event instead of trying a `recv` that returns `EAGAIN`).
const SPARE_SIZE: usize = CHUNK + MIN_FREE;
/// A vector handed out whole by `take` may carry at most this many times its length in capacity.
const MAX_SLACK: usize = 2;
/// Reads expected to bring at most this many bytes go to [`SMALL_SCRATCH`], sized for them, instead of
/// the 64 KiB [`SPARE_SCRATCH`].
const SMALL_MAX: usize = 16 * 1024;
/// The smallest size [`SMALL_SCRATCH`] is given.
const SMALL_MIN: usize = 64;
/// The largest request glibc's allocator serves from its per-thread cache (`tcache`) on 64-bit
/// targets; larger ones take its slower shared bins. A read of up to this size is given a buffer of
/// at most this size (never less than what the last read brought, plus room to come back short).
const CACHED_ALLOC: usize = 1032;

thread_local! {
    /// Where a reader with nothing buffered reads to, so that an idle reader owns no buffer: what
    /// arrives is copied out at its exact size (the copy `take` would make anyway).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The same for streams that read into spare capacity (`ByteStream::poll_read_spare`, the
    /// library's sockets), `SPARE_SIZE` bytes: never zeroed, empty (length 0) between reads, and
    /// handed out whole when one read fills at least `1 / MAX_SLACK` of it (the next read then
    /// allocates another), so a large read costs no copy.
    static SPARE_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The same for a reader whose reads bring little (its `guess`): a buffer of `MAX_SLACK` times
    /// the last read's size, so a read of the same size or larger comes back short (the socket is then
    /// known drained) and the buffer itself is handed out without a copy; a new one is allocated for
    /// the next read. Empty between reads, and it holds no data while a reader waits.
    static SMALL_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The buffer size for the read after one that brought `n > 0` bytes: `MAX_SLACK` times `n`, so that
/// a read as large comes back short (the socket then known drained) and the buffer is handed out
/// whole; capped at [`CACHED_ALLOC`] when `n` is below it.
#[inline]
fn next_guess(n: usize) -> usize {
    let guess = n.saturating_mul(MAX_SLACK).max(SMALL_MIN);
    if n < CACHED_ALLOC && guess > CACHED_ALLOC {
        CACHED_ALLOC
    } else {
        guess
    }
}

/// Where a read with nothing buffered went (`StreamReader::poll_read_spare_scratch`).
enum Scratch {
    /// It ran: what arrived, in a vector of its own.
    Read(Poll<io::Result<Vec<u8>>>),
    /// The stream does not read into spare capacity: use the zeroed scratch buffer.
    Unsupported,
    /// The scratch buffer is in use (a stream whose read runs another reader's): read into the
    /// reader's own buffer.
    Busy,
}

/// The reading half of a connection opened by [`open_connection`](crate::open_connection) or accepted
/// by [`start_server`](crate::start_server), or of any other [`ByteStream`] (`S`: a Unix socket from
/// [`open_unix_connection`](crate::open_unix_connection), a TLS stream from `tulip_tls`).
///
/// # Memory
///
/// The reader owns a buffer only while it holds unread data: a read that finds it empty reads into a
/// scratch buffer of the thread, sized from what the reader's last read brought, and keeps what
/// arrived in a vector with at most twice its size in capacity (that scratch vector itself when the
/// read fills at least half of it, else a copy of the exact size); a read that empties the buffer
/// hands the storage out as the returned vector or frees it. An idle connection costs no buffer.
///
/// Reads go straight to the stream from the awaiting task, into a buffer the reader keeps; every method
/// returns owned bytes (`Vec<u8>`, as asyncio returns `bytes`). Every method is cancel safe: bytes
/// already read stay in the buffer for the next call. Every call spends one unit of the task's
/// cooperative budget, even when the buffer serves it, so a loop of reads lets timers and other tasks
/// run (as asyncio, where every `await reader.read…()` is a chance to switch).
///
/// **asyncio:** [`asyncio.StreamReader`](https://docs.python.org/3/library/asyncio-stream.html#streamreader).
/// Differences: `read(-1)` is [`StreamReader::read_to_end`]; `readline` leaves the buffer untouched on a
/// limit overrun (asyncio drops the data and raises `ValueError`); the reader owns its socket half
/// rather than being fed by a protocol, so a read error is returned to the call that met it; as asyncio
/// keeps the exception, every later read that needs the socket reports it again (never EOF), but the
/// bytes buffered before it stay readable (asyncio drops them).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # tulip_core::spawn(async move {
///     #     let (c, _) = listener.accept().await.unwrap();
///     #     c.write_all(b"HEAD\r\nsize: 3\r\n\r\nabc").await.unwrap();
///     # }).detach();
///     let (mut reader, _writer) = tulip_net::open_connection(addr).await?;
///     assert_eq!(reader.readline().await?, b"HEAD\r\n");
///     assert_eq!(reader.readuntil(b"\r\n\r\n").await?, b"size: 3\r\n\r\n");
///     assert_eq!(reader.readexactly(3).await?, b"abc");
///     assert_eq!(reader.read(100).await?, b"");
///     assert!(reader.at_eof());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct StreamReader<S: ByteStream = TcpStream> {
    sock: S,
    /// Storage, zero-initialised up to its length; `buf[start..end]` is unread data. Empty, with no
    /// allocation, whenever nothing is unread.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// The error a read from the socket met: reported again by every later read from the socket.
    failed: Option<Box<Failure>>,
    limit: usize,
    /// The capacity for the next read with nothing buffered: `MAX_SLACK` times what the last one
    /// brought (0 before the first).
    guess: usize,
}

impl<S: ByteStream> fmt::Debug for StreamReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &self.buffered())
            .field("eof", &self.eof)
            .field("failed", &self.failed.as_ref().map(|f| f.kind))
            .field("limit", &self.limit)
            .finish()
    }
}

impl<S: ByteStream> StreamReader<S> {
    /// The reading half over `stream`; make the writing half with
    /// [`StreamWriter::new`](crate::StreamWriter::new) on a clone of the same stream.
    /// [`open_connection`](crate::open_connection) and the other openers do this for you.
    ///
    /// **asyncio:** `asyncio.StreamReader(limit=...)`, fed by a transport (here: reading the stream
    /// itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::StreamReader;
    /// tulip_core::run(async {
    ///     let (a, b) = tulip_net::unix::UnixStream::pair()?;
    ///     let mut reader = StreamReader::new(b);
    ///     a.write_all(b"one\ntwo").await?;
    ///     drop(a);
    ///     assert_eq!(reader.readline().await?, b"one\n");
    ///     assert_eq!(reader.read_to_end().await?, b"two");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(stream: S) -> StreamReader<S> {
        StreamReader {
            sock: stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            failed: None,
            limit: DEFAULT_LIMIT,
            guess: 0,
        }
    }

    /// Sets the buffer limit used by [`readuntil`](StreamReader::readuntil) and
    /// [`readline`](StreamReader::readline): a line or chunk longer than this is a
    /// [`LimitOverrunError`]. A limit of 0 cannot be written here; for a limit computed at run time
    /// use [`set_limit`](StreamReader::set_limit), which refuses 0 with an error.
    ///
    /// **asyncio:** the `limit=` argument of `open_connection` / `start_server` / `StreamReader`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (reader, _w) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert_eq!(reader.limit(), 65536);
    ///     let reader = reader.with_limit(NonZeroUsize::new(1024).unwrap());
    ///     assert_eq!(reader.limit(), 1024);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[must_use = "with_limit returns the reader with the new limit"]
    pub fn with_limit(mut self, limit: NonZeroUsize) -> StreamReader<S> {
        self.limit = limit.get();
        self
    }

    /// Sets the buffer limit, as [`with_limit`](StreamReader::with_limit), for a limit that may be 0.
    ///
    /// **asyncio:** the `limit=` argument of `StreamReader` / `open_connection` / `start_server`,
    /// which raises `ValueError('Limit cannot be <= 0')` for 0.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `limit` is 0; the reader is left as it was (its limit and its buffered
    /// bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (mut reader, _w) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     let err = reader.set_limit(0).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    ///     assert_eq!(reader.limit(), 65536);
    ///     reader.set_limit(1024)?;
    ///     assert_eq!(reader.limit(), 1024);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_limit(&mut self, limit: usize) -> io::Result<()> {
        let Some(limit) = NonZeroUsize::new(limit) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the stream reader's limit cannot be 0",
            ));
        };
        self.limit = limit.get();
        Ok(())
    }

    /// The buffer limit (64 KiB unless set with [`with_limit`](StreamReader::with_limit) or
    /// [`set_limit`](StreamReader::set_limit)).
    ///
    /// **asyncio:** `reader._limit` (private in asyncio).
    ///
    /// # Examples
    ///
    /// See [`StreamReader::with_limit`].
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (reader, _w) = tulip_net::open_connection(listener.local_addr()?).await?;
    ///     assert_eq!(reader.limit(), 64 * 1024);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    #[inline]
    fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Removes and returns the first `n` buffered bytes. Taking everything hands the storage itself
    /// out when the data starts at its front and fills most of it; the buffer is freed either way.
    fn take(&mut self, n: usize) -> Vec<u8> {
        debug_assert!(n <= self.buffered(), "take({n}) of {}", self.buffered());
        if n == self.buffered() {
            let mut buf = std::mem::take(&mut self.buf);
            let (start, end) = (self.start, self.end);
            self.start = 0;
            self.end = 0;
            if start == 0 && buf.capacity() <= n.saturating_mul(MAX_SLACK) {
                buf.truncate(end);
                return buf;
            }
            return buf[start..end].to_vec();
        }
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        out
    }

    /// Makes room for at least `want` buffered bytes plus a useful read.
    fn make_room(&mut self, want: usize) {
        // Never more than a chunk past what is buffered: `readexactly(n)` with a huge `n` grows the buffer
        // as the data arrives instead of reserving (and zeroing) `n` bytes up front.
        let want = want.min(self.buffered().saturating_add(CHUNK));
        let need = want.max(self.buffered() + MIN_FREE);
        if self.buf.len() - self.start >= need && self.buf.len() - self.end >= MIN_FREE {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < need {
            let len = need.max(CHUNK).max(self.buf.len() * 2);
            self.buf.resize(len, 0);
        }
    }

    /// One read from the stream into the buffer (room for `want` bytes in all); `Ok(0)` at EOF, the
    /// first error again once a read failed.
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<usize>> {
        if let Some(failed) = &self.failed {
            return Poll::Ready(Err(failed.error()));
        }
        let res = ready!(self.poll_fill_socket(cx, want));
        Poll::Ready(self.note_failure(res))
    }

    /// Keeps the error of a failed read for the reads that follow.
    fn note_failure<T>(&mut self, res: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &res {
            self.failed = Some(Box::new(Failure::of(e)));
        }
        res
    }

    /// [`poll_fill`](Self::poll_fill) on a reader that has not failed.
    fn poll_fill_socket(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<usize>> {
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        if self.buffered() == 0 {
            if let Some(r) = self.poll_fill_empty(cx) {
                return r;
            }
        }
        self.make_room(want);
        let n = ready!(self.sock.poll_read(cx, &mut self.buf[self.end..]))?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// [`poll_fill`](Self::poll_fill) with nothing buffered: reads into the thread's scratch buffer and
    /// keeps what arrived (see [`poll_read_fresh`](Self::poll_read_fresh)). `None` when the scratch
    /// buffer is in use (a stream whose read runs another reader's): the caller reads into a buffer
    /// of its own.
    fn poll_fill_empty(&mut self, cx: &mut Context<'_>) -> Option<Poll<io::Result<usize>>> {
        let got = self.poll_read_fresh(cx)?;
        Some(got.map_ok(|data| {
            let n = data.len();
            self.buf = data;
            self.start = 0;
            self.end = n;
            n
        }))
    }

    /// One read with nothing buffered, what arrived in a vector of its own (empty at EOF, which it
    /// records); `None` when the scratch buffer is in use (the caller reads into a buffer of its own).
    #[inline]
    fn poll_read_fresh(&mut self, cx: &mut Context<'_>) -> Option<Poll<io::Result<Vec<u8>>>> {
        let small = (1..=SMALL_MAX).contains(&self.guess);
        let scratch = if small {
            &SMALL_SCRATCH
        } else {
            &SPARE_SCRATCH
        };
        let size = if small { self.guess } else { SPARE_SIZE };
        let got = match Self::poll_read_spare_scratch(&self.sock, cx, scratch, size) {
            Scratch::Read(got) => got,
            Scratch::Busy => return None,
            Scratch::Unsupported => self.poll_read_zeroed_scratch(cx)?,
        };
        Some(got.map_ok(|data| {
            let n = data.len();
            if n == 0 {
                self.eof = true;
            } else {
                self.guess = next_guess(n);
            }
            data
        }))
    }

    /// One read into `scratch` (empty between reads; given room for `size` bytes when it has less,
    /// or more than `MAX_SLACK` times as much): what arrived, in the scratch vector itself when it
    /// fills at least `1 / MAX_SLACK` of it (what `take` would hand out whole), else copied out.
    #[inline]
    fn poll_read_spare_scratch(
        sock: &S,
        cx: &mut Context<'_>,
        scratch: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
        size: usize,
    ) -> Scratch {
        scratch.with(|scratch| {
            let Ok(mut scratch) = scratch.try_borrow_mut() else {
                return Scratch::Busy;
            };
            // Allocated once per hand-out; another reader's (much) larger buffer is replaced, so
            // that what this read brings can be handed out whole.
            if scratch.capacity() < size || scratch.capacity() / MAX_SLACK > size {
                *scratch = Vec::with_capacity(size);
            }
            let Some(res) = sock.poll_read_spare(cx, &mut scratch) else {
                return Scratch::Unsupported;
            };
            Scratch::Read(res.map_ok(|n| {
                if n > 0 && n.saturating_mul(MAX_SLACK) >= scratch.capacity() {
                    std::mem::take(&mut *scratch)
                } else {
                    let data = scratch.to_vec();
                    scratch.clear();
                    data
                }
            }))
        })
    }

    /// One read into the zeroed [`SCRATCH`], what arrived copied out; `None` when the scratch
    /// buffer is in use.
    fn poll_read_zeroed_scratch(&self, cx: &mut Context<'_>) -> Option<Poll<io::Result<Vec<u8>>>> {
        let sock = &self.sock;
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.try_borrow_mut().ok()?;
            if scratch.len() < CHUNK {
                scratch.resize(CHUNK, 0);
            }
            Some(
                sock.poll_read(cx, &mut scratch[..])
                    .map_ok(|n| scratch[..n].to_vec()),
            )
        })
    }

    async fn fill(&mut self, want: usize) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx, want)).await
    }

    /// Reads up to `n` bytes: what is buffered, or else what one read from the socket brings. An empty
    /// vector means EOF (or `n == 0`).
    ///
    /// **asyncio:** `await reader.read(n)` with `n >= 0`; `read(-1)` is
    /// [`read_to_end`](StreamReader::read_to_end).
    ///
    /// # Errors
    ///
    /// The socket's error (e.g. `ConnectionReset`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(b"abcdef").await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     let mut got = Vec::new();
    ///     loop {
    ///         let chunk = reader.read(4).await?;
    ///         if chunk.is_empty() {
    ///             break;
    ///         }
    ///         assert!(chunk.len() <= 4);
    ///         got.extend(chunk);
    ///     }
    ///     assert_eq!(got, b"abcdef");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        proceed().await;
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.buffered() == 0 {
            return poll_fn(|cx| self.poll_read_empty(cx, n)).await;
        }
        Ok(self.take(n.min(self.buffered())))
    }

    /// [`read`](Self::read) with nothing buffered: what one read brings, handed out as it came when it
    /// is at most `n` bytes (the rest buffered otherwise); the first error again once a read failed.
    fn poll_read_empty(&mut self, cx: &mut Context<'_>, n: usize) -> Poll<io::Result<Vec<u8>>> {
        if let Some(failed) = &self.failed {
            return Poll::Ready(Err(failed.error()));
        }
        let res = ready!(self.poll_read_empty_socket(cx, n));
        Poll::Ready(self.note_failure(res))
    }

    /// [`poll_read_empty`](Self::poll_read_empty) on a reader that has not failed.
    fn poll_read_empty_socket(
        &mut self,
        cx: &mut Context<'_>,
        n: usize,
    ) -> Poll<io::Result<Vec<u8>>> {
        if self.eof {
            return Poll::Ready(Ok(Vec::new()));
        }
        // A read that would wait takes no scratch buffer.
        ready!(self.sock.poll_read_ready(cx))?;
        let data = match self.poll_read_fresh(cx) {
            Some(got) => ready!(got)?,
            None => {
                if ready!(self.poll_fill_socket(cx, 0))? == 0 {
                    return Poll::Ready(Ok(Vec::new()));
                }
                return Poll::Ready(Ok(self.take(n.min(self.buffered()))));
            }
        };
        if data.len() <= n {
            return Poll::Ready(Ok(data));
        }
        if n.saturating_mul(MAX_SLACK) >= data.capacity() {
            // Most of it asked for: the rest is copied off and buffered, the front handed out.
            let mut data = data;
            self.buf = data.split_off(n);
            self.start = 0;
            self.end = self.buf.len();
            return Poll::Ready(Ok(data));
        }
        self.end = data.len();
        self.start = 0;
        self.buf = data;
        Poll::Ready(Ok(self.take(n)))
    }

    /// Reads until EOF and returns everything.
    ///
    /// **asyncio:** `await reader.read()` / `read(-1)`.
    ///
    /// # Errors
    ///
    /// The socket's error; the bytes read so far stay buffered.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(&[7u8; 100_000]).await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     assert_eq!(reader.read_to_end().await?, vec![7u8; 100_000]);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        proceed().await;
        while self.fill(0).await? != 0 {}
        Ok(self.take(self.buffered()))
    }

    /// Reads exactly `n` bytes.
    ///
    /// **asyncio:** `await reader.readexactly(n)`.
    ///
    /// # Errors
    ///
    /// An [`IncompleteReadError`] holding every byte that arrived when EOF comes first (the buffer is
    /// then empty); the socket's error otherwise (the bytes stay buffered).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(b"\x00\x03abc").await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     let header = reader.readexactly(2).await?;
    ///     let len = u16::from_be_bytes([header[0], header[1]]) as usize;
    ///     assert_eq!(reader.readexactly(len).await?, b"abc");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        proceed().await;
        while self.buffered() < n {
            if self.fill(n).await? == 0 {
                let partial = self.take(self.buffered());
                return Err(IncompleteReadError::new(partial, Some(n)).into());
            }
        }
        Ok(self.take(n))
    }

    /// Reads up to and including `separator`.
    ///
    /// **asyncio:** `await reader.readuntil(separator)`.
    ///
    /// # Errors
    ///
    /// - [`IncompleteReadError`] (with `expected() == None`) when EOF comes before the separator; it
    ///   holds every buffered byte and the buffer is then empty.
    /// - [`LimitOverrunError`] when the separator is not within [`limit`](StreamReader::limit) bytes;
    ///   nothing is lost: the data stays buffered.
    /// - `InvalidInput` for an empty separator; the socket's error otherwise.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(b"a;b;").await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     assert_eq!(reader.readuntil(b";").await?, b"a;");
    ///     assert_eq!(reader.readuntil(b";").await?, b"b;");
    ///     assert!(reader.readuntil(b";").await.unwrap_err().is_incomplete());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, ReadError> {
        proceed().await;
        let seplen = separator.len();
        if seplen == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "separator should be at least one byte",
            )
            .into());
        }
        // asyncio's algorithm: `offset` is where the next search starts, so bytes already searched are
        // not searched again.
        let mut offset = 0;
        let isep = loop {
            let buflen = self.buffered();
            if buflen - offset >= seplen {
                let hay = &self.buf[self.start + offset..self.end];
                if let Some(i) = find(hay, separator) {
                    break offset + i;
                }
                offset = buflen + 1 - seplen;
                if offset > self.limit {
                    return Err(LimitOverrunError::new(offset).into());
                }
            }
            if self.eof {
                let partial = self.take(self.buffered());
                return Err(IncompleteReadError::new(partial, None).into());
            }
            self.fill(0).await?;
        };
        if isep > self.limit {
            return Err(LimitOverrunError::found(isep).into());
        }
        Ok(self.take(isep + seplen))
    }

    /// Reads one line, up to and including `\n`. At EOF it returns what is left, possibly without the
    /// `\n`, and then empty vectors.
    ///
    /// **asyncio:** `await reader.readline()`.
    ///
    /// # Errors
    ///
    /// [`LimitOverrunError`] when the line is longer than [`limit`](StreamReader::limit); the data
    /// stays buffered (asyncio drops it). The socket's error otherwise.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(b"one\ntwo").await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     assert_eq!(reader.readline().await?, b"one\n");
    ///     assert_eq!(reader.readline().await?, b"two");
    ///     assert_eq!(reader.readline().await?, b"");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readline(&mut self) -> Result<Vec<u8>, ReadError> {
        match self.readuntil(b"\n").await {
            Err(e) if e.is_incomplete() => match e.into_incomplete() {
                Ok(inc) => Ok(inc.into_partial()),
                Err(e) => Err(e),
            },
            r => r,
        }
    }

    /// Whether EOF was reached and the buffer is empty.
    ///
    /// **asyncio:** `reader.at_eof()`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     # let addr = listener.local_addr()?;
    ///     # tulip_core::spawn(async move {
    ///     #     let (c, _) = listener.accept().await.unwrap();
    ///     #     c.write_all(b"x").await.unwrap();
    ///     # }).detach();
    ///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
    ///     assert!(!reader.at_eof());
    ///     assert_eq!(reader.read_to_end().await?, b"x");
    ///     assert!(reader.at_eof());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffered() == 0
    }
}

/// The error that ended a reader's socket, kept to be reported again (asyncio's
/// `StreamReader._exception`): the OS error code when there is one, else its kind and text.
struct Failure {
    os: Option<i32>,
    kind: io::ErrorKind,
    message: String,
}

impl Failure {
    #[cold]
    fn of(e: &io::Error) -> Failure {
        Failure {
            os: e.raw_os_error(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// The kept error, once more.
    #[cold]
    fn error(&self) -> io::Error {
        match self.os {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(self.kind, self.message.clone()),
        }
    }
}

/// The offset of the first `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    match needle {
        [b] => hay.iter().position(|x| x == b),
        _ => hay.windows(needle.len()).position(|w| w == needle),
    }
}
