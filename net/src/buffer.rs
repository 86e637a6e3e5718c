//! The write side shared by `Transport`, `DatagramTransport` and `StreamWriter`: the buffer, its
//! high/low water marks, the pause state, the closing flags, and the direct send that skips the buffer.

use std::io;
use std::net::Shutdown;
use std::task::{Context, Poll};

use crate::byte_stream::{poll_now, ByteStream};

/// Bytes accepted by `write` but not yet sent: one contiguous vector plus a consumed prefix, so sending
/// from the front never moves memory until the prefix is large.
#[derive(Debug, Default)]
pub(crate) struct WriteBuf {
    data: Vec<u8>,
    head: usize,
}

impl WriteBuf {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.data.len() - self.head
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.data.len()
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.data[self.head..]
    }

    /// Appends `bytes`, first dropping the sent prefix when it is at least half the vector.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        if self.head > 0 && self.head >= self.data.len() / 2 {
            self.data.drain(..self.head);
            self.head = 0;
        }
        self.data.extend_from_slice(bytes);
    }

    /// Marks `n` bytes from the front as sent.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len(), "consume({n}) with {} buffered", self.len());
        self.head += n;
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.head = 0;
    }
}

/// The write-buffer water marks, with asyncio's defaults (64 KiB high, 16 KiB low); one definition
/// with the subprocess pipes' (`tulip_core::write_limits`).
pub(crate) use tulip_core::write_limits::WriteLimits as Limits;

/// Whether the protocol should be paused (`want`) and what it was last told (`told`). They differ only
/// between a buffer crossing a mark and the `pause_writing`/`resume_writing` call that reports it.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flow {
    pub(crate) want: bool,
    pub(crate) told: bool,
}

/// What a write side can hold: bytes ([`WriteBuf`]) or whole datagrams (`DatagramTransport`'s queue).
pub(crate) trait Pending {
    /// Bytes held.
    fn len(&self) -> usize;
    /// Drops everything held.
    fn clear(&mut self);
}

impl Pending for WriteBuf {
    #[inline]
    fn len(&self) -> usize {
        WriteBuf::len(self)
    }

    fn clear(&mut self) {
        WriteBuf::clear(self);
    }
}

/// The write side of a transport or writer: what is buffered, its water marks, whether the writer
/// should be paused, and how far the side has closed. The methods are asyncio's rules for these
/// fields; the owners add what they do differently (whom to wake, where errors go).
#[derive(Debug, Default)]
pub(crate) struct WriteSide<B> {
    pub(crate) buf: B,
    pub(crate) limits: Limits,
    pub(crate) flow: Flow,
    /// `close()`, `abort()`, a fatal error or the end of the connection: no more writing.
    pub(crate) closing: bool,
    /// `abort()`: drop the buffer and end at once.
    pub(crate) aborted: bool,
    /// The connection has ended (`connection_lost` called, or the task gone).
    pub(crate) lost: bool,
    /// `write_eof()` was called; `eof_sent` once the socket's write side is shut down.
    pub(crate) eof_requested: bool,
    pub(crate) eof_sent: bool,
}

impl<B: Pending> WriteSide<B> {
    /// Marks the side paused when the buffer is above the high mark. True for a new crossing, which
    /// the protocol must be told about.
    #[inline]
    pub(crate) fn note_high(&mut self) -> bool {
        if self.buf.len() > self.limits.high && !self.flow.want {
            self.flow.want = true;
            return true;
        }
        false
    }

    /// Unpauses the side when the buffer has drained to the low mark. True when it was paused.
    #[inline]
    pub(crate) fn note_low(&mut self) -> bool {
        if self.flow.want && self.buf.len() <= self.limits.low {
            self.flow.want = false;
            return true;
        }
        false
    }

    /// `set_write_buffer_limits`: the new marks, then [`WriteSide::note_high`].
    pub(crate) fn set_limits(
        &mut self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<bool> {
        self.limits.set(high, low)?;
        Ok(self.note_high())
    }

    /// The pause state the protocol has not been told yet, now counted as told.
    pub(crate) fn take_flow_change(&mut self) -> Option<bool> {
        if self.flow.want == self.flow.told {
            return None;
        }
        self.flow.told = self.flow.want;
        Some(self.flow.want)
    }

    /// `close()`: false when it was already closing.
    pub(crate) fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closing, true)
    }

    /// `abort()`: closes and drops the buffer; false when the connection has already ended.
    pub(crate) fn abort(&mut self) -> bool {
        if self.lost {
            return false;
        }
        self.closing = true;
        self.aborted = true;
        self.buf.clear();
        true
    }

    /// The connection has ended: nothing more is sent or accepted.
    pub(crate) fn detach(&mut self) {
        self.closing = true;
        self.lost = true;
        self.buf.clear();
    }
}

/// What [`WriteSide::send_or_buffer`] did with the data.
pub(crate) enum Written {
    /// All of it went to the socket.
    Sent,
    /// Some or all of it is buffered; `first` when the buffer was empty before (whoever flushes it
    /// must start).
    Buffered { first: bool },
}

impl WriteSide<WriteBuf> {
    /// `write`'s refusals: `NotConnected` while closing, `BrokenPipe` after `write_eof`.
    #[inline]
    pub(crate) fn check_write(&self) -> io::Result<()> {
        if self.closing {
            return Err(closed_error());
        }
        if self.eof_requested {
            return Err(eof_error());
        }
        Ok(())
    }

    /// Sends what the socket takes at once when nothing is buffered (the buffer must go first), and
    /// buffers the rest. `Err` is a send error: the connection is broken and nothing was buffered.
    #[inline]
    pub(crate) fn send_or_buffer<S: ByteStream>(
        &mut self,
        sock: &S,
        data: &[u8],
    ) -> io::Result<Written> {
        let mut rest = data;
        let first = self.buf.is_empty();
        if first {
            match sock.try_write(rest) {
                Ok(n) if n == rest.len() => return Ok(Written::Sent),
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        self.buf.extend(rest);
        Ok(Written::Buffered { first })
    }

    /// Writes the buffer to the stream until it is empty and the stream has sent what it holds itself
    /// (`Ready(Ok)`), the stream is full (`Pending`, the task is woken when it drains) or a send fails
    /// (`WriteZero` for a 0-byte write).
    #[inline]
    pub(crate) fn poll_flush<S: ByteStream>(
        &mut self,
        cx: &mut Context<'_>,
        sock: &S,
    ) -> Poll<io::Result<()>> {
        while !self.buf.is_empty() {
            match sock.poll_write(cx, self.buf.as_slice()) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.buf.consume(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        sock.poll_flush(cx)
    }

    /// `write_eof()`: a no-op while closing or when already asked; shuts the stream's write side
    /// down now when nothing is buffered and the shutdown completes at once (sockets). `Ok(false)`
    /// when it is left to whoever flushes the buffer: the caller makes sure one runs.
    ///
    /// `Unsupported` for a stream that cannot half-close (TLS, as asyncio's SSL transport).
    pub(crate) fn write_eof<S: ByteStream>(&mut self, sock: &S) -> io::Result<bool> {
        if self.closing || self.eof_requested {
            return Ok(true);
        }
        if !sock.can_write_eof() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this stream does not support half-closes (write_eof)",
            ));
        }
        self.eof_requested = true;
        if self.buf.is_empty() && !sock.wants_flush() {
            if let Some(r) = poll_now(|cx| sock.poll_shutdown(cx, Shutdown::Write)) {
                self.eof_sent = true;
                r?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// An error of the same kind (and OS code) as `e`, for reporting one stored error more than once.
pub(crate) fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// `write` on a closing or closed transport or writer.
#[cold]
pub(crate) fn closed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "transport is closing or closed",
    )
}

/// `write` after `write_eof`.
#[cold]
pub(crate) fn eof_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "cannot write after write_eof()")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_buf_consumes_and_compacts() {
        let mut b = WriteBuf::default();
        b.extend(b"hello world");
        b.consume(6);
        assert_eq!(b.as_slice(), b"world");
        b.extend(b"!");
        assert_eq!(b.as_slice(), b"world!");
        b.consume(6);
        assert!(b.is_empty());
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn limits_follow_asyncio_defaults() {
        let mut l = Limits::default();
        assert_eq!((l.high, l.low), (65536, 16384));
        l.set(Some(100), None).unwrap();
        assert_eq!((l.high, l.low), (100, 25));
        l.set(None, Some(10)).unwrap();
        assert_eq!((l.high, l.low), (40, 10));
        assert_eq!(
            l.set(Some(1), Some(2)).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!((l.high, l.low), (40, 10));
    }
}
