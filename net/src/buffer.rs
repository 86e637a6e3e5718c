//! Write buffers and their high/low water marks, shared by `Transport`, `DatagramTransport` and
//! `StreamWriter`.

use std::io;

/// asyncio's default high-water mark (64 KiB).
pub(crate) const DEFAULT_HIGH: usize = 64 * 1024;

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

/// The write-buffer water marks, with asyncio's defaults (64 KiB high, 16 KiB low).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) high: usize,
    pub(crate) low: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            high: DEFAULT_HIGH,
            low: DEFAULT_HIGH / 4,
        }
    }
}

impl Limits {
    /// asyncio's `_set_write_buffer_limits`: a missing `high` is `4 * low` (or 64 KiB), a missing `low`
    /// is `high / 4`; `high >= low` is required.
    pub(crate) fn set(&mut self, high: Option<usize>, low: Option<usize>) -> io::Result<()> {
        let high = high.unwrap_or_else(|| low.map_or(DEFAULT_HIGH, |l| l.saturating_mul(4)));
        let low = low.unwrap_or(high / 4);
        if high < low {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("high ({high}) must be >= low ({low})"),
            ));
        }
        *self = Limits { high, low };
        Ok(())
    }
}

/// Whether the protocol should be paused (`want`) and what it was last told (`told`). They differ only
/// between a buffer crossing a mark and the `pause_writing`/`resume_writing` call that reports it.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flow {
    pub(crate) want: bool,
    pub(crate) told: bool,
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
