//! The streams' typed errors: `IncompleteReadError`, `LimitOverrunError`, and `ReadError` holding either
//! or an I/O error.

use std::error::Error;
use std::fmt;
use std::io;

/// EOF came before the read could complete; carries the bytes that did arrive.
///
/// **asyncio:** [`asyncio.IncompleteReadError`](https://docs.python.org/3/library/asyncio-exceptions.html#asyncio.IncompleteReadError)
/// (`partial`, `expected`).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # tulip_core::spawn(async move {
///     #     let (c, _) = listener.accept().await.unwrap();
///     #     c.write_all(b"abc").await.unwrap();
///     # }).detach();
///     let (mut reader, _writer) = tulip_net::open_connection(addr).await?;
///     // The peer sends 3 bytes and closes.
///     let err = reader.readexactly(5).await.unwrap_err();
///     let incomplete = err.into_incomplete().unwrap();
///     assert_eq!(incomplete.partial(), b"abc");
///     assert_eq!(incomplete.expected(), Some(5));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteReadError {
    partial: Vec<u8>,
    expected: Option<usize>,
}

impl IncompleteReadError {
    /// An error carrying `partial`, for a read that wanted `expected` bytes (`None`: a separator).
    ///
    /// **asyncio:** `IncompleteReadError(partial, expected)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::IncompleteReadError::new(b"ab".to_vec(), Some(4));
    /// assert_eq!(e.to_string(), "2 bytes read on a total of 4 expected bytes");
    /// ```
    pub fn new(partial: Vec<u8>, expected: Option<usize>) -> Self {
        IncompleteReadError { partial, expected }
    }

    /// The bytes read before EOF.
    ///
    /// **asyncio:** `IncompleteReadError.partial`.
    ///
    /// # Examples
    ///
    /// See [`IncompleteReadError`].
    ///
    /// ```
    /// let e = tulip_net::IncompleteReadError::new(b"ab".to_vec(), Some(4));
    /// assert_eq!(e.partial(), b"ab");
    /// ```
    pub fn partial(&self) -> &[u8] {
        &self.partial
    }

    /// The bytes read before EOF, by value.
    ///
    /// **asyncio:** `IncompleteReadError.partial`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::IncompleteReadError::new(b"ab".to_vec(), Some(4));
    /// assert_eq!(e.into_partial(), b"ab");
    /// ```
    pub fn into_partial(self) -> Vec<u8> {
        self.partial
    }

    /// How many bytes were wanted: `Some(n)` for `readexactly(n)`, `None` for `readuntil` (which
    /// wanted a separator).
    ///
    /// **asyncio:** `IncompleteReadError.expected`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::IncompleteReadError::new(Vec::new(), None);
    /// assert_eq!(e.expected(), None);
    /// ```
    pub fn expected(&self) -> Option<usize> {
        self.expected
    }
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(
                f,
                "{} bytes read on a total of {n} expected bytes",
                self.partial.len()
            ),
            None => write!(
                f,
                "{} bytes read on a total of undefined expected bytes",
                self.partial.len()
            ),
        }
    }
}

impl Error for IncompleteReadError {}

/// `UnexpectedEof`, with the `IncompleteReadError` (and its bytes) kept as the inner error.
impl From<IncompleteReadError> for io::Error {
    fn from(e: IncompleteReadError) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, e)
    }
}

/// The reader's buffer limit was reached while looking for a separator. Nothing is lost: the bytes
/// stay in the reader's buffer, and `consumed()` of them can be read without the separator (e.g. with
/// `readexactly`).
///
/// **asyncio:** [`asyncio.LimitOverrunError`](https://docs.python.org/3/library/asyncio-exceptions.html#asyncio.LimitOverrunError)
/// (`consumed`).
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # tulip_core::spawn(async move {
///     #     let (c, _) = listener.accept().await.unwrap();
///     #     c.write_all(b"0123456789\n").await.unwrap();
///     # }).detach();
///     let (reader, _writer) = tulip_net::open_connection(addr).await?;
///     let mut reader = reader.with_limit(std::num::NonZeroUsize::new(4).unwrap());
///     let err = reader.readline().await.unwrap_err();
///     assert!(err.is_limit_overrun());
///     let consumed = err.consumed().unwrap();
///     // Nothing was lost.
///     let head = reader.readexactly(consumed).await?;
///     let tail = reader.readline().await?;
///     assert_eq!([head, tail].concat(), b"0123456789\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitOverrunError {
    consumed: usize,
    found: bool,
}

impl LimitOverrunError {
    /// An error saying the separator was not found within the limit, `consumed` bytes in.
    ///
    /// **asyncio:** `LimitOverrunError(message, consumed)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::LimitOverrunError::new(7);
    /// assert_eq!(e.consumed(), 7);
    /// ```
    pub fn new(consumed: usize) -> Self {
        LimitOverrunError {
            consumed,
            found: false,
        }
    }

    /// The separator was found, but `consumed` (its offset) is beyond the limit.
    pub(crate) fn found(consumed: usize) -> Self {
        LimitOverrunError {
            consumed,
            found: true,
        }
    }

    /// How many buffered bytes can be consumed without meeting the separator.
    ///
    /// **asyncio:** `LimitOverrunError.consumed`.
    ///
    /// # Examples
    ///
    /// See [`LimitOverrunError`].
    ///
    /// ```
    /// let e = tulip_net::LimitOverrunError::new(7);
    /// assert_eq!(e.consumed(), 7);
    /// ```
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Whether the separator was found (beyond the limit) rather than not found within it.
    ///
    /// **asyncio:** the error's message: "Separator is found, but chunk is longer than limit" versus
    /// "Separator is not found, and chunk exceed the limit".
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::LimitOverrunError::new(7);
    /// assert!(!e.is_separator_found());
    /// ```
    pub fn is_separator_found(&self) -> bool {
        self.found
    }
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.found {
            f.write_str("separator is found, but chunk is longer than limit")
        } else {
            f.write_str("separator is not found, and chunk exceed the limit")
        }
    }
}

impl Error for LimitOverrunError {}

/// `InvalidData`, with the `LimitOverrunError` kept as the inner error.
impl From<LimitOverrunError> for io::Error {
    fn from(e: LimitOverrunError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

#[derive(Debug)]
enum Kind {
    Io(io::Error),
    Incomplete(IncompleteReadError),
    LimitOverrun(LimitOverrunError),
}

/// Why `readline`, `readuntil` or `readexactly` failed: an [`IncompleteReadError`], a
/// [`LimitOverrunError`], or an I/O error. Converts into `io::Error` (keeping the typed error inside),
/// so `?` works in functions returning `io::Result`.
///
/// **asyncio:** the exceptions these coroutines raise: `IncompleteReadError`, `LimitOverrunError`,
/// `OSError`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     # let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # tulip_core::spawn(async move {
///     #     let (c, _) = listener.accept().await.unwrap();
///     #     c.write_all(b"no newline").await.unwrap();
///     # }).detach();
///     let (mut reader, _w) = tulip_net::open_connection(addr).await?;
///     match reader.readuntil(b"\r\n").await {
///         Ok(line) => println!("{line:?}"),
///         Err(e) if e.is_incomplete() => assert_eq!(e.partial(), Some(&b"no newline"[..])),
///         Err(e) => return Err(e.into()),
///     }
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct ReadError {
    kind: Kind,
}

impl ReadError {
    /// Whether EOF came first ([`IncompleteReadError`]).
    ///
    /// **asyncio:** `except asyncio.IncompleteReadError`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::IncompleteReadError::new(Vec::new(), None));
    /// assert!(e.is_incomplete() && !e.is_limit_overrun() && !e.is_io());
    /// ```
    pub fn is_incomplete(&self) -> bool {
        matches!(self.kind, Kind::Incomplete(_))
    }

    /// Whether the buffer limit was reached ([`LimitOverrunError`]).
    ///
    /// **asyncio:** `except asyncio.LimitOverrunError`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::LimitOverrunError::new(3));
    /// assert!(e.is_limit_overrun());
    /// ```
    pub fn is_limit_overrun(&self) -> bool {
        matches!(self.kind, Kind::LimitOverrun(_))
    }

    /// Whether the socket failed.
    ///
    /// **asyncio:** `except OSError`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
    /// assert!(e.is_io());
    /// ```
    pub fn is_io(&self) -> bool {
        matches!(self.kind, Kind::Io(_))
    }

    /// The `io::ErrorKind` this error converts to: `UnexpectedEof`, `InvalidData`, or the I/O error's.
    ///
    /// **asyncio:** the exception's class.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::LimitOverrunError::new(3));
    /// assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    /// ```
    pub fn kind(&self) -> io::ErrorKind {
        match &self.kind {
            Kind::Io(e) => e.kind(),
            Kind::Incomplete(_) => io::ErrorKind::UnexpectedEof,
            Kind::LimitOverrun(_) => io::ErrorKind::InvalidData,
        }
    }

    /// The bytes read before EOF, for an incomplete read.
    ///
    /// **asyncio:** `IncompleteReadError.partial`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::IncompleteReadError::new(Vec::new(), None));
    /// assert_eq!(e.partial(), Some(&[][..]));
    /// ```
    pub fn partial(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Incomplete(e) => Some(e.partial()),
            _ => None,
        }
    }

    /// How many bytes can be consumed without the separator, for a limit overrun.
    ///
    /// **asyncio:** `LimitOverrunError.consumed`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::LimitOverrunError::new(3));
    /// assert_eq!(e.consumed(), Some(3));
    /// ```
    pub fn consumed(&self) -> Option<usize> {
        match &self.kind {
            Kind::LimitOverrun(e) => Some(e.consumed()),
            _ => None,
        }
    }

    /// The [`IncompleteReadError`], or this error back.
    ///
    /// **asyncio:** `except asyncio.IncompleteReadError as e`.
    ///
    /// # Errors
    ///
    /// `self` when the error is something else.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::IncompleteReadError::new(Vec::new(), None));
    /// assert!(e.into_incomplete().is_ok());
    /// ```
    pub fn into_incomplete(self) -> Result<IncompleteReadError, ReadError> {
        match self.kind {
            Kind::Incomplete(e) => Ok(e),
            kind => Err(ReadError { kind }),
        }
    }

    /// The [`LimitOverrunError`], if that is what this is.
    ///
    /// **asyncio:** `except asyncio.LimitOverrunError as e`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(tulip_net::LimitOverrunError::new(3));
    /// assert_eq!(e.as_limit_overrun().map(|l| l.consumed()), Some(3));
    /// ```
    pub fn as_limit_overrun(&self) -> Option<&LimitOverrunError> {
        match &self.kind {
            Kind::LimitOverrun(e) => Some(e),
            _ => None,
        }
    }

    /// The I/O error, or this error back.
    ///
    /// **asyncio:** `except OSError as e`.
    ///
    /// # Errors
    ///
    /// `self` when the error is something else.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tulip_net::ReadError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
    /// assert_eq!(e.into_io().unwrap().kind(), std::io::ErrorKind::ConnectionReset);
    /// ```
    pub fn into_io(self) -> Result<io::Error, ReadError> {
        match self.kind {
            Kind::Io(e) => Ok(e),
            kind => Err(ReadError { kind }),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Io(e) => e.fmt(f),
            Kind::Incomplete(e) => e.fmt(f),
            Kind::LimitOverrun(e) => e.fmt(f),
        }
    }
}

impl Error for ReadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            Kind::Io(e) => Some(e),
            Kind::Incomplete(e) => Some(e),
            Kind::LimitOverrun(e) => Some(e),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError { kind: Kind::Io(e) }
    }
}

impl From<IncompleteReadError> for ReadError {
    fn from(e: IncompleteReadError) -> Self {
        ReadError {
            kind: Kind::Incomplete(e),
        }
    }
}

impl From<LimitOverrunError> for ReadError {
    fn from(e: LimitOverrunError) -> Self {
        ReadError {
            kind: Kind::LimitOverrun(e),
        }
    }
}

/// The I/O error as is; the typed errors as in their own conversions (kept inside, so
/// `get_ref().downcast_ref::<IncompleteReadError>()` finds them).
impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> io::Error {
        match e.kind {
            Kind::Io(e) => e,
            Kind::Incomplete(e) => e.into(),
            Kind::LimitOverrun(e) => e.into(),
        }
    }
}
