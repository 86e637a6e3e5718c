//! `TlsStreamReader`: asyncio's `StreamReader` methods over a TLS stream.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsStream;
use tulip_net::{IncompleteReadError, LimitOverrunError, ReadError, TcpStream};

/// asyncio's default buffer limit (64 KiB).
const DEFAULT_LIMIT: usize = 64 * 1024;
/// How much one fill asks the TLS stream for (one TLS record holds at most 16 KiB of plaintext).
const CHUNK: usize = 16 * 1024;

/// The reading half of a TLS connection from [`open_connection`](crate::open_connection) or
/// [`start_server`](crate::start_server): the methods of `tulip_net::StreamReader`, over decrypted
/// data.
///
/// **asyncio:** `asyncio.StreamReader` of a connection opened with `ssl=`.
///
/// A TLS `close_notify` from the peer, or a plain EOF, ends the stream: reads then return what is
/// buffered, then nothing.
///
/// # Examples
///
/// See the [crate](crate) documentation.
pub struct TlsStreamReader<S = TlsStream<TcpStream>> {
    io: Rc<RefCell<S>>,
    /// `buf[start..]` is unread data.
    buf: Vec<u8>,
    start: usize,
    scratch: Box<[u8]>,
    eof: bool,
    limit: usize,
}

impl<S> fmt::Debug for TlsStreamReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStreamReader")
            .field("buffered", &(self.buf.len() - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStreamReader<S> {
    pub(crate) fn new(io: Rc<RefCell<S>>) -> Self {
        TlsStreamReader {
            io,
            buf: Vec::new(),
            start: 0,
            scratch: vec![0u8; CHUNK].into_boxed_slice(),
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Sets the limit of [`readuntil`](Self::readuntil) and [`readline`](Self::readline).
    ///
    /// **asyncio:** the `limit=` argument of `open_connection` / `start_server`.
    ///
    /// # Panics
    ///
    /// When `limit` is 0 (asyncio raises `ValueError`).
    pub fn with_limit(mut self, limit: usize) -> Self {
        assert!(limit > 0, "TlsStreamReader limit must be positive");
        self.limit = limit;
        self
    }

    /// The limit of [`readuntil`](Self::readuntil).
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        out
    }

    /// Reads one chunk of decrypted data into the buffer; sets `eof` on end of stream.
    async fn fill(&mut self) -> io::Result<()> {
        let io = &self.io;
        let scratch = &mut self.scratch;
        let n = poll_fn(|cx| Pin::new(&mut *io.borrow_mut()).poll_read(cx, scratch)).await;
        let n = match n {
            Ok(n) => n,
            // A peer that closes TCP without close_notify: rustls reports it; asyncio's SSL
            // transport treats it as EOF too (and logs it).
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            self.eof = true;
        } else {
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.buf.extend_from_slice(&self.scratch[..n]);
        }
        Ok(())
    }

    /// Reads up to `n` bytes: what is buffered, or else one chunk from the connection; empty at EOF.
    ///
    /// **asyncio:** `await reader.read(n)`.
    ///
    /// # Errors
    ///
    /// The connection's error (`InvalidData` for a TLS protocol error).
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.buffered() == 0 && !self.eof {
            self.fill().await?;
        }
        let n = n.min(self.buffered());
        Ok(self.take(n))
    }

    /// Reads until EOF.
    ///
    /// **asyncio:** `await reader.read()` (`n=-1`).
    ///
    /// # Errors
    ///
    /// The connection's error.
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.take(self.buffered()))
    }

    /// Reads exactly `n` bytes.
    ///
    /// **asyncio:** `await reader.readexactly(n)`.
    ///
    /// # Errors
    ///
    /// [`IncompleteReadError`] (with the bytes read) when EOF comes first; the connection's error.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buffered() < n {
            if self.eof {
                let partial = self.take(self.buffered());
                return Err(IncompleteReadError::new(partial, Some(n)).into());
            }
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// Reads up to and including `separator`.
    ///
    /// **asyncio:** `await reader.readuntil(separator)`.
    ///
    /// # Errors
    ///
    /// [`LimitOverrunError`] when more than [`limit`](Self::limit) bytes come before the separator
    /// (the data stays buffered); [`IncompleteReadError`] with the rest at EOF; `InvalidInput` for an
    /// empty separator; the connection's error.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, ReadError> {
        let seplen = separator.len();
        if seplen == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "separator should be at least one byte",
            )
            .into());
        }
        let mut offset = 0;
        let isep = loop {
            let buflen = self.buffered();
            if buflen - offset >= seplen {
                let hay = &self.buf[self.start + offset..];
                if let Some(i) = hay.windows(seplen).position(|w| w == separator) {
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
            self.fill().await?;
        };
        if isep > self.limit {
            return Err(LimitOverrunError::new(isep).into());
        }
        Ok(self.take(isep + seplen))
    }

    /// Reads one line, up to and including `\n`; at EOF what is left, then empty vectors.
    ///
    /// **asyncio:** `await reader.readline()`.
    ///
    /// # Errors
    ///
    /// As [`readuntil`](Self::readuntil), except that EOF is not an error.
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
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffered() == 0
    }
}
