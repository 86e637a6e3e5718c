//! The kernel path of `sendfile`: which sockets `sendfile(2)` writes to, and the loop around it.

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll};

use super::{Gate, Progress};
use crate::byte_stream::ByteStream;
use crate::tcp::TcpStream;
use crate::unix::UnixStream;

/// Linux sends at most this much per `sendfile(2)` call.
const NATIVE_MAX: usize = 0x7fff_f000;

/// A stream socket that `sendfile(2)` writes to: [`TcpStream`] and [`UnixStream`] (sealed). Anything
/// else goes through a [`Transport`](crate::Transport) and takes the read-and-write fallback.
///
/// **asyncio:** the `sock` of `loop.sock_sendfile(sock, ...)`: any `SOCK_STREAM` socket.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let (a, b) = tulip_net::UnixStream::pair()?;
///     let mut dev_zero = std::fs::File::open("/dev/zero")?;
///     assert_eq!(tulip_net::sock_sendfile(&a, &mut dev_zero, 0, Some(3)).await?, 3);
///     let mut buf = [1u8; 3];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(buf, [0, 0, 0]);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait SendfileSocket: ByteStream + AsFd + sealed::WriteFd {}

impl SendfileSocket for TcpStream {}
impl SendfileSocket for UnixStream {}

// `pub` items of a private module: nameable in the public bound above, never by users. Hidden: not
// part of the API (and so left out of scripts/check_docs.py's count).
#[doc(hidden)]
#[allow(unreachable_pub)]
mod sealed {
    use std::io;
    use std::os::fd::BorrowedFd;
    use std::task::{Context, Poll};

    /// What `sendfile(2)` needs of the socket.
    pub trait WriteFd {
        /// Runs a write-like `op` on the socket's descriptor until it stops returning `WouldBlock`,
        /// waiting for write readiness in between.
        fn poll_write_fd<R>(
            &self,
            cx: &mut Context<'_>,
            op: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
        ) -> Poll<io::Result<R>>;
    }
}

impl sealed::WriteFd for TcpStream {
    #[inline]
    fn poll_write_fd<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_write_with(cx, |s| op(s.as_fd()))
    }
}

impl sealed::WriteFd for UnixStream {
    #[inline]
    fn poll_write_fd<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_write_with(cx, |s| op(s.as_fd()))
    }
}

/// How the kernel path ended.
pub(super) enum Native {
    /// `count` bytes sent, or the file ended.
    Done,
    /// Nothing was sent: this file, socket or system cannot use `sendfile(2)`.
    NotAvailable(&'static str),
}

/// `sendfile(2)` until the file or `count` ends, waiting for the socket in between.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) async fn send_native(
    sock: &impl SendfileSocket,
    progress: &mut Progress<'_>,
    gate: &impl Gate,
) -> io::Result<Native> {
    let meta = progress.file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(Native::NotAvailable("not a regular file"));
    }
    if progress.offset >= meta.len() {
        // Nothing to send (the kernel refuses offsets near 2^63 with `EINVAL` instead).
        return Ok(Native::Done);
    }
    loop {
        let want = progress.want(NATIVE_MAX);
        if want == 0 {
            return Ok(Native::Done);
        }
        let mut off = progress.pos();
        let file = &*progress.file;
        let sent = poll_fn(|cx| {
            gate.poll_open(cx)?;
            sock.poll_write_fd(cx, |s| {
                rustix::fs::sendfile(s, file, Some(&mut off), want).map_err(io::Error::from)
            })
        })
        .await;
        match sent {
            // The end of the file (or an offset past it).
            Ok(0) => return Ok(Native::Done),
            Ok(n) => progress.sent += n as u64,
            Err(e) if progress.sent == 0 && kernel_refused(&e) => {
                return Ok(Native::NotAvailable("sendfile(2) refused the file"));
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return Err(e),
            Err(e) => return Err(gate.broken(e)),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) async fn send_native(
    _sock: &impl SendfileSocket,
    _progress: &mut Progress<'_>,
    _gate: &impl Gate,
) -> io::Result<Native> {
    Ok(Native::NotAvailable(
        "tulip uses sendfile(2) on Linux and Android only",
    ))
}

/// The errors with which `sendfile(2)` says it cannot take this pair of descriptors.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn kernel_refused(e: &io::Error) -> bool {
    use rustix::io::Errno;
    let code = e.raw_os_error();
    [Errno::INVAL, Errno::NOSYS, Errno::OPNOTSUPP]
        .iter()
        .any(|errno| code == Some(errno.raw_os_error()))
}
