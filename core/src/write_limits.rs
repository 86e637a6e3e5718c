//! asyncio's write-buffer water marks: one definition for every transport with a write buffer (tulip-net's
//! `Transport`, `DatagramTransport` and `StreamWriter`, and the subprocess stdin pipe here).
//!
//! Plumbing shared with tulip-net: public but hidden, not part of tulip's API.

use std::io;

/// asyncio's default high-water mark (64 KiB); the low one is a quarter of it.
pub const DEFAULT_HIGH: usize = 64 * 1024;

/// The water marks of a write buffer: the protocol is paused when the buffer goes above `high` and
/// resumed when it drains to `low` or below.
///
/// **asyncio:** the `_high_water` / `_low_water` pair of a `WriteTransport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimits {
    /// Above this many buffered bytes, the protocol is paused.
    pub high: usize,
    /// At or below this many, a paused protocol is resumed.
    pub low: usize,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            high: DEFAULT_HIGH,
            low: DEFAULT_HIGH / 4,
        }
    }
}

impl WriteLimits {
    /// asyncio's `_set_write_buffer_limits`: a missing `high` is `4 * low` (or 64 KiB), a missing `low`
    /// is `high / 4`. `InvalidInput` (asyncio: `ValueError`) when `high < low`; the marks are unchanged
    /// then.
    pub fn set(&mut self, high: Option<usize>, low: Option<usize>) -> io::Result<()> {
        let high = high.unwrap_or_else(|| low.map_or(DEFAULT_HIGH, |l| l.saturating_mul(4)));
        let low = low.unwrap_or(high / 4);
        if high < low {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("high ({high}) must be >= low ({low})"),
            ));
        }
        *self = WriteLimits { high, low };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_marks_follow_asyncio() {
        let mut l = WriteLimits::default();
        assert_eq!((l.high, l.low), (64 * 1024, 16 * 1024));
        l.set(Some(1000), None).unwrap();
        assert_eq!((l.high, l.low), (1000, 250));
        l.set(None, Some(100)).unwrap();
        assert_eq!((l.high, l.low), (400, 100));
        l.set(None, Some(usize::MAX)).unwrap();
        assert_eq!((l.high, l.low), (usize::MAX, usize::MAX));
    }

    #[test]
    fn high_below_low_is_refused_and_changes_nothing() {
        let mut l = WriteLimits::default();
        let err = l.set(Some(1), Some(2)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(l, WriteLimits::default());
    }
}
