//! The error a timeout reports.

use std::error::Error;
use std::fmt;
use std::io;

/// The deadline of a [`timeout`](crate::timeout) passed before its future finished.
///
/// **asyncio:** `TimeoutError` (raised by `asyncio.wait_for` and `asyncio.timeout`).
///
/// # Examples
///
/// ```
/// use tulip_time::Elapsed;
/// let err: std::io::Error = Elapsed::default().into();
/// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[doc(alias = "TimeoutError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Elapsed(());

impl Elapsed {
    /// Makes the error. Plumbing for tulip's own timeout futures and for tests that compare against
    /// the error; not part of the API (an `Elapsed` comes from a [`timeout`](crate::timeout)).
    #[doc(hidden)]
    pub fn new() -> Self {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}
