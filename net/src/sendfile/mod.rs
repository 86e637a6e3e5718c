//! `sendfile` and `sock_sendfile`: a file sent over a `Transport`, a `TcpStream` or a `UnixStream` with
//! `sendfile(2)`, or with reads on the blocking pool and writes on the loop where the kernel cannot.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::future::poll_fn;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::task::Context;

use crate::byte_stream::ByteStream;
use crate::tcp::TcpStream;
use crate::transport::Transport;
use crate::unix::UnixStream;

mod kernel;
mod transport_side;

pub use kernel::SendfileSocket;
use kernel::{send_native, Native};
pub(crate) use transport_side::{busy_error, SendfileSlot};
use transport_side::{Active, TransportGate};

/// Bytes read per step of the fallback (asyncio's `SENDFILE_FALLBACK_READBUFFER_SIZE`).
const FALLBACK_CHUNK: usize = 256 * 1024;

/// The kernel cannot send this file on this socket, and the fallback was turned off.
///
/// Returned inside an `io::Error` of kind `ErrorKind::Unsupported`; [`SendfileNotAvailableError::of`]
/// finds it there.
///
/// **asyncio:** [`asyncio.SendfileNotAvailableError`](https://docs.python.org/3/library/asyncio-exceptions.html#asyncio.SendfileNotAvailableError),
/// raised by `sendfile(..., fallback=False)` and `sock_sendfile(..., fallback=False)`.
///
/// # Examples
///
/// ```
/// use tulip_net::{SendfileNotAvailableError, SendfileOptions};
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let sock = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
///     let mut dev_zero = std::fs::File::open("/dev/zero")?; // not a regular file
///     let err = SendfileOptions::new()
///         .fallback(false)
///         .sock_sendfile(&sock, &mut dev_zero, 0, Some(10))
///         .await
///         .unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
///     assert!(SendfileNotAvailableError::of(&err).is_some());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SendfileNotAvailableError {
    reason: &'static str,
}

impl SendfileNotAvailableError {
    /// Why the kernel path was not available.
    ///
    /// **asyncio:** the exception's message.
    ///
    /// # Examples
    ///
    /// See [`SendfileNotAvailableError`].
    ///
    /// ```
    /// # use tulip_net::{SendfileNotAvailableError, SendfileOptions};
    /// # tulip_core::run(async {
    /// # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let sock = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
    /// let mut dev_zero = std::fs::File::open("/dev/zero")?;
    /// let opts = SendfileOptions::new().fallback(false);
    /// let err = opts.sock_sendfile(&sock, &mut dev_zero, 0, Some(1)).await.unwrap_err();
    /// assert_eq!(SendfileNotAvailableError::of(&err).unwrap().reason(), "not a regular file");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The `SendfileNotAvailableError` inside `err`, if that is what `err` is.
    ///
    /// **asyncio:** `except asyncio.SendfileNotAvailableError`.
    ///
    /// # Examples
    ///
    /// ```
    /// let other = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
    /// assert!(tulip_net::SendfileNotAvailableError::of(&other).is_none());
    /// ```
    pub fn of(err: &io::Error) -> Option<&SendfileNotAvailableError> {
        err.get_ref()?.downcast_ref()
    }
}

impl fmt::Display for SendfileNotAvailableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sendfile is not available: {}", self.reason)
    }
}

impl Error for SendfileNotAvailableError {}

impl From<SendfileNotAvailableError> for io::Error {
    fn from(e: SendfileNotAvailableError) -> io::Error {
        io::Error::new(io::ErrorKind::Unsupported, e)
    }
}

/// The keyword argument of `sendfile` / `sock_sendfile`: whether to read and write the file when
/// `sendfile(2)` cannot send it (the default), or to fail with [`SendfileNotAvailableError`].
///
/// **asyncio:** the `fallback=` keyword of `loop.sendfile()` and `loop.sock_sendfile()`.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use tulip_net::SendfileOptions;
///
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let sock = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
///     let (peer, _) = listener.accept().await?;
///     let path = std::env::temp_dir().join(format!("tulip-sendfile-opts-{}", std::process::id()));
///     std::fs::write(&path, b"hello, file")?;
///     let mut file = std::fs::File::open(&path)?;
///     // A regular file: the kernel path, so refusing the fallback changes nothing.
///     let sent = SendfileOptions::new().fallback(false).sock_sendfile(&sock, &mut file, 7, None).await?;
///     assert_eq!(sent, 4);
///     let mut buf = [0u8; 4];
///     peer.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"file");
///     std::fs::remove_file(&path)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SendfileOptions {
    fallback: bool,
}

impl Default for SendfileOptions {
    fn default() -> Self {
        SendfileOptions { fallback: true }
    }
}

impl SendfileOptions {
    /// The defaults: the fallback is on.
    ///
    /// **asyncio:** `fallback=True`.
    ///
    /// # Examples
    ///
    /// See [`SendfileOptions`].
    ///
    /// ```
    /// let _opts = tulip_net::SendfileOptions::new();
    /// ```
    pub fn new() -> SendfileOptions {
        SendfileOptions::default()
    }

    /// Whether to read and write the file when the kernel cannot send it.
    ///
    /// **asyncio:** `fallback=`.
    ///
    /// # Examples
    ///
    /// See [`SendfileOptions`].
    ///
    /// ```
    /// let _opts = tulip_net::SendfileOptions::new().fallback(false);
    /// ```
    pub fn fallback(mut self, fallback: bool) -> SendfileOptions {
        self.fallback = fallback;
        self
    }

    /// [`sock_sendfile`] with these options.
    ///
    /// **asyncio:** `loop.sock_sendfile(sock, file, offset, count, fallback=...)`.
    ///
    /// # Errors
    ///
    /// As [`sock_sendfile`]; also `Unsupported` with a [`SendfileNotAvailableError`] when the kernel
    /// cannot send the file and the fallback is off.
    ///
    /// # Examples
    ///
    /// See [`SendfileOptions`].
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let sock = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
    /// let mut dev_zero = std::fs::File::open("/dev/zero")?;
    /// let opts = tulip_net::SendfileOptions::new(); // fallback on: /dev/zero is read and written
    /// assert_eq!(opts.sock_sendfile(&sock, &mut dev_zero, 0, Some(100)).await?, 100);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn sock_sendfile<S: SendfileSocket>(
        &self,
        sock: &S,
        file: &mut File,
        offset: u64,
        count: Option<u64>,
    ) -> io::Result<u64> {
        check_params(offset, count)?;
        check_nonblocking(sock)?;
        let mut progress = Progress::new(file, offset, count);
        self.send(sock, &mut progress, &Plain).await?;
        Ok(progress.sent)
    }

    /// [`sendfile`] with these options.
    ///
    /// **asyncio:** `loop.sendfile(transport, file, offset, count, fallback=...)`.
    ///
    /// # Errors
    ///
    /// As [`sendfile`]; also `Unsupported` with a [`SendfileNotAvailableError`] when the kernel cannot
    /// send the file and the fallback is off.
    ///
    /// # Examples
    ///
    /// See [`sendfile`].
    ///
    /// ```
    /// # use tulip_net::{Protocol, Transport};
    /// # struct Nothing;
    /// # impl Protocol for Nothing {}
    /// # tulip_core::run(async {
    /// # let server = tulip_net::create_server(|| Nothing, "127.0.0.1:0").await?;
    /// let (transport, _) = tulip_net::create_connection(|| Nothing, server.local_addrs()[0]).await?;
    /// let mut dev_zero = std::fs::File::open("/dev/zero")?;
    /// let opts = tulip_net::SendfileOptions::new().fallback(false);
    /// assert!(opts.sendfile(&transport, &mut dev_zero, 0, Some(8)).await.is_err());
    /// # transport.close();
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn sendfile(
        &self,
        transport: &Transport,
        file: &mut File,
        offset: u64,
        count: Option<u64>,
    ) -> io::Result<u64> {
        check_params(offset, count)?;
        let mut active = Active::start(transport)?;
        let gate = TransportGate(transport);
        let sock = active.sock.clone();
        // What `write` had buffered goes first.
        while !active.pending.is_empty() {
            let pending = &active.pending;
            let n = poll_fn(|cx| {
                gate.poll_open(cx)?;
                sock.poll_write(cx, pending.as_slice())
            })
            .await;
            match n {
                Ok(0) => return Err(gate.broken(io::ErrorKind::WriteZero.into())),
                Ok(n) => active.pending.consume(n),
                Err(e) => return Err(gate.broken(e)),
            }
        }
        let mut progress = Progress::new(file, offset, count);
        if let Some(tcp) = sock.downcast::<TcpStream>() {
            self.send(&tcp, &mut progress, &gate).await?;
        } else if let Some(unix) = sock.downcast::<UnixStream>() {
            self.send(&unix, &mut progress, &gate).await?;
        } else if !self.fallback {
            // A pipe or TLS: the bytes must pass through the stream's own writes.
            return Err(SendfileNotAvailableError {
                reason: "the transport is not over a TCP or Unix socket",
            }
            .into());
        } else {
            send_fallback(&sock, &mut progress, &gate).await?;
        }
        Ok(progress.sent)
    }

    /// The kernel path, then the fallback if it is allowed and needed.
    async fn send(
        &self,
        sock: &impl SendfileSocket,
        progress: &mut Progress<'_>,
        gate: &impl Gate,
    ) -> io::Result<()> {
        match send_native(sock, progress, gate).await? {
            Native::Done => Ok(()),
            Native::NotAvailable(reason) if !self.fallback => {
                Err(SendfileNotAvailableError { reason }.into())
            }
            Native::NotAvailable(_) => send_fallback(sock, progress, gate).await,
        }
    }
}

/// Sends `count` bytes of `file` from `offset` (to the end when `count` is `None`) over `sock` (a
/// [`TcpStream`] or a [`UnixStream`]), and returns how many were sent: fewer than `count` when the file ends first, 0 when `offset` is at or
/// past its end.
///
/// A regular file goes through `sendfile(2)`: the kernel copies from the page cache to the socket,
/// the bytes never pass through user space. Anything else (a pipe, a character device such as
/// `/dev/zero`, a file on a file system that refuses `sendfile(2)` with `EINVAL`, `ENOSYS` or
/// `EOPNOTSUPP` before the first byte), or any file on a system without `sendfile(2)` (tulip uses it
/// on Linux and Android), is read in 256 KiB chunks on the blocking pool ([`tulip_core::spawn_blocking`])
/// and written by the loop. [`SendfileOptions::fallback`] turns that fallback off.
///
/// The file's position is left at `offset + sent` when anything was sent, and untouched otherwise,
/// also when an error ends the call or the future is dropped. The file is read at explicit offsets
/// (`pread`/`sendfile`), so its position does not matter, except for files that cannot seek (a pipe),
/// which are read from where they are and need `offset == 0`.
///
/// **asyncio:** [`loop.sock_sendfile(sock, file, offset=0, count=None, *, fallback=True)`](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.sock_sendfile).
/// Differences: `count` is `None` rather than `0` for "to the end"; the kernel path is chosen by the
/// file's type, and a socket error (`BrokenPipe`, `ConnectionReset`) is returned as such even before
/// the first byte (asyncio turns any error before the first byte into a fallback, which then fails
/// on its own `send`); the non-blocking check runs always, not only in debug mode; an offset at or
/// past the end of a regular file sends nothing and returns 0 (asyncio too, but `EINVAL` for offsets
/// near 2^63).
///
/// # Errors
///
/// - `InvalidInput` for `count == Some(0)` (asyncio: "count must be a positive integer"), an `offset`
///   above `i64::MAX` (asyncio: "offset must be a non-negative integer"; a file offset is signed) or
///   a socket switched to blocking mode (through [`TcpStream::get_ref`] or [`UnixStream::get_ref`]).
///   Nothing is sent then.
/// - The socket's errors (`BrokenPipe` after a shutdown or the peer's close, `ConnectionReset`, …) and
///   the file's read errors (`EBADF` for a file not open for reading, `ESPIPE` for an offset on a
///   pipe).
///
/// # Cancel safety
///
/// Dropping the future stops the transfer between two system calls: the bytes sent so far are in the
/// socket, and the file's position says how many (`offset + sent`). With the fallback, a chunk read
/// from a file that cannot seek (a pipe) and not yet written is lost.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let sock = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
///     let (peer, _) = listener.accept().await?;
///
///     let path = std::env::temp_dir().join(format!("tulip-sock-sendfile-{}", std::process::id()));
///     std::fs::write(&path, b"0123456789")?;
///     let mut file = std::fs::File::open(&path)?;
///     let sent = tulip_net::sock_sendfile(&sock, &mut file, 2, Some(5)).await?;
///     assert_eq!(sent, 5);
///     use std::io::Seek;
///     assert_eq!(file.stream_position()?, 7); // offset + sent
///
///     let mut buf = [0u8; 5];
///     peer.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"23456");
///     std::fs::remove_file(&path)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn sock_sendfile<S: SendfileSocket>(
    sock: &S,
    file: &mut File,
    offset: u64,
    count: Option<u64>,
) -> io::Result<u64> {
    SendfileOptions::new()
        .sock_sendfile(sock, file, offset, count)
        .await
}

/// Sends `count` bytes of `file` from `offset` (to the end when `count` is `None`) over `transport`'s
/// connection, after what its write buffer holds, and returns how many were sent.
///
/// The buffer is flushed first. Then, as for [`sock_sendfile`], a regular file goes through
/// `sendfile(2)` and anything else is read on the blocking pool and written by the loop. The kernel
/// path is open to transports over TCP and Unix sockets; a transport over a pipe or TLS (`tulip_tls`)
/// takes the fallback through the stream's own writes (with [`SendfileOptions::fallback`]`(false)` it
/// fails with [`SendfileNotAvailableError`]). Flow control holds: nothing is
/// buffered, the data goes out only as fast as the socket takes it.
///
/// While the file is sent, reading is paused (resumed at the end if it was on) and
/// [`Transport::write`] fails with `ResourceBusy`. `close()` or `abort()` during the transfer end it
/// with `NotConnected` (the connection ends as usual, `connection_lost` follows). A socket error ends
/// the connection too: the caller gets the error, the protocol `connection_lost(Some(err))`.
///
/// **asyncio:** [`loop.sendfile(transport, file, offset=0, count=None, *, fallback=True)`](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.sendfile).
/// Differences as for [`sock_sendfile`]; asyncio's `RuntimeError`s are `NotConnected` (transport
/// closing), `BrokenPipe` (after `write_eof`) and `ResourceBusy` (a sendfile already running, or a
/// `write` during one).
///
/// # Errors
///
/// Those of [`sock_sendfile`]; `NotConnected` when the transport is closing or closed (before or
/// during the call), `BrokenPipe` after `write_eof()`, `ResourceBusy` when another `sendfile` on this
/// transport has not finished.
///
/// # Cancel safety
///
/// As [`sock_sendfile`]. What the write buffer held and was not yet sent goes back to it, reading is
/// resumed if it was on, and writes are accepted again.
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// struct Nothing;
/// impl Protocol for Nothing {}
///
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let (transport, _) = tulip_net::create_connection(|| Nothing, listener.local_addr()?).await?;
///     let (peer, _) = listener.accept().await?;
///
///     let path = std::env::temp_dir().join(format!("tulip-sendfile-doc-{}", std::process::id()));
///     std::fs::write(&path, b"body of the file")?;
///     let mut file = std::fs::File::open(&path)?;
///     transport.write(b"header\n")?;
///     let sent = tulip_net::sendfile(&transport, &mut file, 0, None).await?;
///     assert_eq!(sent, 16);
///     transport.close();
///
///     let mut got = Vec::new();
///     let mut buf = [0u8; 64];
///     loop {
///         let n = peer.read(&mut buf).await?;
///         if n == 0 { break; }
///         got.extend_from_slice(&buf[..n]);
///     }
///     assert_eq!(got, b"header\nbody of the file");
///     std::fs::remove_file(&path)?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn sendfile(
    transport: &Transport,
    file: &mut File,
    offset: u64,
    count: Option<u64>,
) -> io::Result<u64> {
    SendfileOptions::new()
        .sendfile(transport, file, offset, count)
        .await
}

/// asyncio's `_check_sendfile_params`.
fn check_params(offset: u64, count: Option<u64>) -> io::Result<()> {
    if count == Some(0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "count must be a positive integer (got 0)",
        ));
    }
    if offset > i64::MAX as u64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("offset must be a non-negative file offset, at most 2^63 - 1 (got {offset})"),
        ));
    }
    Ok(())
}

/// A blocking socket would block the loop in `sendfile(2)`.
fn check_nonblocking(sock: &impl SendfileSocket) -> io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(sock).map_err(io::Error::from)?;
    if flags.contains(rustix::fs::OFlags::NONBLOCK) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the socket must be non-blocking",
        ))
    }
}

/// The file side of one call: where it started, how far it got. Dropping it leaves the file's position
/// at `offset + sent` when anything was sent.
struct Progress<'f> {
    file: &'f mut File,
    offset: u64,
    count: Option<u64>,
    sent: u64,
}

impl<'f> Progress<'f> {
    fn new(file: &'f mut File, offset: u64, count: Option<u64>) -> Progress<'f> {
        Progress {
            file,
            offset,
            count,
            sent: 0,
        }
    }

    /// How much to ask for next, at most `cap`; 0 once `count` bytes are sent.
    fn want(&self, cap: usize) -> usize {
        match self.count {
            Some(c) => (c - self.sent).min(cap as u64) as usize,
            None => cap,
        }
    }

    fn pos(&self) -> u64 {
        self.offset + self.sent
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if self.sent > 0 {
            // A pipe has no position to set: the error is expected and nothing is lost.
            let _ = self.file.seek(SeekFrom::Start(self.pos()));
        }
    }
}

/// What the writes go through: a plain socket, or a transport that may close meanwhile.
trait Gate {
    /// `Err` when the transfer must stop; otherwise remembers `cx`'s waker for a `close()`.
    fn poll_open(&self, cx: &mut Context<'_>) -> io::Result<()>;

    /// A send failed with `e`: the connection is broken. Returns `e` to hand to the caller.
    fn broken(&self, e: io::Error) -> io::Error;
}

/// A bare socket: nothing can stop the transfer but its own errors.
struct Plain;

impl Gate for Plain {
    fn poll_open(&self, _cx: &mut Context<'_>) -> io::Result<()> {
        Ok(())
    }

    fn broken(&self, e: io::Error) -> io::Error {
        e
    }
}

/// Reads on the blocking pool and writes on the loop, until the file or `count` ends.
async fn send_fallback(
    sock: &impl ByteStream,
    progress: &mut Progress<'_>,
    gate: &impl Gate,
) -> io::Result<()> {
    let seekable = (&*progress.file).stream_position().is_ok();
    if !seekable && progress.offset != 0 {
        // A pipe: asyncio's `file.seek(offset)`, which fails with `ESPIPE`.
        (&*progress.file).seek(SeekFrom::Start(progress.offset))?;
    }
    let mut reader = Some(progress.file.try_clone()?);
    let mut buf = Vec::new();
    loop {
        let want = progress.want(FALLBACK_CHUNK);
        if want == 0 {
            return Ok(());
        }
        let pos = progress.pos();
        let (back, chunk, read) = {
            let mut file = reader.take().expect("the reader is back after each read");
            let mut chunk = std::mem::take(&mut buf);
            tulip_core::spawn_blocking(move || {
                chunk.resize(want, 0);
                let read = loop {
                    let r = if seekable {
                        file.read_at(&mut chunk, pos)
                    } else {
                        file.read(&mut chunk)
                    };
                    match r {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        r => break r,
                    }
                };
                (file, chunk, read)
            })
            .await
        };
        reader = Some(back);
        buf = chunk;
        let n = read?;
        if n == 0 {
            return Ok(());
        }
        let mut written = 0;
        while written < n {
            let data = &buf[written..n];
            let w = poll_fn(|cx| {
                gate.poll_open(cx)?;
                sock.poll_write(cx, data)
            })
            .await;
            match w {
                Ok(0) => return Err(gate.broken(io::ErrorKind::WriteZero.into())),
                Ok(w) => {
                    written += w;
                    progress.sent += w as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return Err(e),
                Err(e) => return Err(gate.broken(e)),
            }
        }
    }
}
