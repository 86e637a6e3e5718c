//! The child's piped standard streams: `ChildStdin` (write) and `ChildStdout` / `ChildStderr` (read), each
//! a non-blocking pipe end on the loop's reactor.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Async;

/// Wraps a pipe end from `std::process` as a non-blocking source of the running loop.
fn register(fd: impl Into<OwnedFd>) -> io::Result<Async<File>> {
    Async::new(File::from(fd.into()))
}

#[cold]
fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin was closed")
}

/// The write end of a child's standard input, when spawned with `stdin(Stdio::piped())`.
///
/// Implements [`futures_io::AsyncWrite`]; [`close`](futures_io::AsyncWrite::poll_close) (or dropping
/// it) closes the pipe, so the child reads end-of-file.
///
/// **asyncio:** `Process.stdin`, a `StreamWriter` (`write` + `drain`, `close`).
///
/// # Examples
///
/// ```
/// use tulip_core::process::{Command, Stdio};
/// tulip_core::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"meow").await?;
///     drop(stdin); // EOF for cat
///     let out = child.wait_with_output().await?;
///     assert_eq!(out.stdout, b"meow");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct ChildStdin {
    io: Option<Async<File>>,
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("closed", &self.io.is_none())
            .finish()
    }
}

impl ChildStdin {
    pub(crate) fn new(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            io: Some(register(std)?),
        })
    }

    /// Writes some of `buf` once the pipe has room; returns how much was written.
    ///
    /// **asyncio:** `writer.write(data)` followed by `await writer.drain()`, for part of `data`.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` when the child closed its end (exited) or this end was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    ///     let n = child.stdin.as_mut().unwrap().write(b"hello").await?;
    ///     assert!(n > 0);
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write_buf(cx, buf)).await
    }

    /// Writes all of `buf`, waiting for room as needed.
    ///
    /// **asyncio:** `writer.write(data)` followed by `await writer.drain()`.
    ///
    /// # Errors
    ///
    /// As [`ChildStdin::write`]; part of `buf` may have been written.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped call may have written part of `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    ///     child.stdin.as_mut().unwrap().write_all(&[b'x'; 100_000]).await?;
    ///     child.wait().await?; // closes stdin first
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Closes the pipe, so the child reads end-of-file; later writes fail with `BrokenPipe`.
    ///
    /// **asyncio:** `Process.stdin.close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    ///     child.stdin.as_mut().unwrap().close();
    ///     assert!(child.wait().await?.success()); // cat saw EOF and exited
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&mut self) {
        self.io = None;
    }

    /// The pipe end on the reactor, for the subprocess transport; `None` once closed.
    pub(crate) fn into_async(self) -> Option<Async<File>> {
        self.io
    }

    pub(crate) fn poll_write_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &self.io {
            Some(io) => io.poll_write_with(cx, |mut f| f.write(buf)),
            None => Poll::Ready(Err(closed())),
        }
    }
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_buf(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(())) // a pipe has no user-space buffer
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close();
        Poll::Ready(Ok(()))
    }
}

impl AsFd for ChildStdin {
    /// # Panics
    ///
    /// When the pipe was closed.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_ref().expect("ChildStdin was closed").as_fd()
    }
}

macro_rules! reader {
    ($(#[$doc:meta])* $name:ident, $std:ty, $stream:literal, $fd:literal) => {
        $(#[$doc])*
        pub struct $name {
            io: Async<File>,
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl $name {
            pub(crate) fn new(std: $std) -> io::Result<$name> {
                Ok($name { io: register(std)? })
            }

            /// The pipe end on the reactor, for the subprocess transport.
            pub(crate) fn into_async(self) -> Async<File> {
                self.io
            }

            #[doc = concat!("Reads what the child has written to its ", $stream, " (at least one byte), or 0 at")]
            /// end-of-file (the child closed it, usually by exiting).
            ///
            /// **asyncio:** `await reader.read(n)`.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: a dropped call has read nothing.
            ///
            /// # Examples
            ///
            /// ```
            /// use tulip_core::process::{Command, Stdio};
            /// tulip_core::run(async {
            #[doc = concat!("    let mut child = Command::shell(\"echo hi >&", $fd, "\")")]
            #[doc = concat!("        .", $stream, "(Stdio::piped())")]
            ///         .spawn()?;
            #[doc = concat!("    let pipe = child.", $stream, ".take().unwrap();")]
            ///     let mut buf = [0u8; 16];
            ///     let n = pipe.read(&mut buf).await?;
            ///     assert_eq!(&buf[..n], b"hi\n");
            ///     child.wait().await?;
            ///     std::io::Result::Ok(())
            /// })
            /// .unwrap();
            /// ```
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.io.read_with(|mut f| f.read(buf)).await
            }

            /// Reads until end-of-file, appending to `buf`; returns how many bytes were read.
            ///
            /// **asyncio:** `await reader.read()` (no size: until EOF).
            ///
            /// # Cancel safety
            ///
            /// Not cancel safe: what was read so far stays in `buf`, but a dropped call returns no count.
            ///
            /// # Examples
            ///
            /// ```
            /// use tulip_core::process::{Command, Stdio};
            /// tulip_core::run(async {
            #[doc = concat!("    let mut child = Command::shell(\"printf 'a\\\\nb\\\\n' >&", $fd, "\")")]
            #[doc = concat!("        .", $stream, "(Stdio::piped())")]
            ///         .spawn()?;
            ///     let mut out = Vec::new();
            #[doc = concat!("    child.", $stream, ".as_ref().unwrap().read_to_end(&mut out).await?;")]
            ///     assert_eq!(out, b"a\nb\n");
            ///     child.wait().await?;
            ///     std::io::Result::Ok(())
            /// })
            /// .unwrap();
            /// ```
            pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
                let mut read = 0;
                std::future::poll_fn(|cx| self.poll_read_to_end(cx, buf, &mut read)).await
            }

            /// Reads into `buf` until end-of-file; `read` counts the bytes over several polls.
            pub(crate) fn poll_read_to_end(
                &self,
                cx: &mut Context<'_>,
                buf: &mut Vec<u8>,
                read: &mut usize,
            ) -> Poll<io::Result<usize>> {
                poll_read_to_end(&self.io, cx, buf, read)
            }
        }

        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.io.poll_read_with(cx, |mut f| f.read(buf))
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.as_fd()
            }
        }
    };
}

reader! {
    /// The read end of a child's standard output, when spawned with `stdout(Stdio::piped())`.
    ///
    /// Implements [`futures_io::AsyncRead`]. Reading nothing while the child fills the pipe (64 KiB on
    /// Linux) blocks the child: read it, or use [`Child::wait_with_output`](super::Child::wait_with_output).
    ///
    /// **asyncio:** `Process.stdout`, a `StreamReader`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::new("echo").arg("out").stdout(Stdio::piped()).spawn()?;
    ///     let mut text = Vec::new();
    ///     child.stdout.take().unwrap().read_to_end(&mut text).await?;
    ///     assert_eq!(text, b"out\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ChildStdout, std::process::ChildStdout, "stdout", "1"
}

reader! {
    /// The read end of a child's standard error, when spawned with `stderr(Stdio::piped())`.
    ///
    /// Implements [`futures_io::AsyncRead`]; see [`ChildStdout`].
    ///
    /// **asyncio:** `Process.stderr`, a `StreamReader`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio};
    /// tulip_core::run(async {
    ///     let mut child = Command::shell("echo oops >&2").stderr(Stdio::piped()).spawn()?;
    ///     let mut text = Vec::new();
    ///     child.stderr.take().unwrap().read_to_end(&mut text).await?;
    ///     assert_eq!(text, b"oops\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ChildStderr, std::process::ChildStderr, "stderr", "2"
}

/// Reads from `io` into `buf` until end-of-file; `read` counts the bytes read over several polls.
fn poll_read_to_end(
    io: &Async<File>,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    /// Bytes offered to each `read` (a Linux pipe holds 64 KiB).
    const CHUNK: usize = 64 * 1024;
    loop {
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let res = io.poll_read_with(cx, |mut f| f.read(&mut buf[start..]));
        let n = match &res {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(start + n);
        match res {
            Poll::Ready(Ok(0)) => return Poll::Ready(Ok(*read)),
            Poll::Ready(Ok(n)) => *read += n,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
}
