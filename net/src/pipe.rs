//! The Protocol API over pipes: `connect_read_pipe` and `connect_write_pipe`, on a pipe end made a
//! `ByteStream`.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileTypeExt;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use tulip_core::Async;

use crate::byte_stream::ByteStream;
use crate::connection::run_protocol;
use crate::protocol::Protocol;
use crate::transport::Transport;

/// One end of a pipe (or a FIFO, a character device, a socket) on the loop's reactor.
#[derive(Clone)]
struct PipeEnd {
    io: Arc<Async<File>>,
    /// The write end: reading only waits for the reader to go away (the descriptor reports an error
    /// then), which is the end of the stream.
    write_end: bool,
}

impl PipeEnd {
    /// Registers `fd` after checking it is something the poller can wait on.
    fn new(fd: OwnedFd, write_end: bool) -> io::Result<PipeEnd> {
        let file = File::from(fd);
        let kind = file.metadata()?.file_type();
        if !(kind.is_fifo() || kind.is_socket() || kind.is_char_device()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "pipe transports are for pipes, sockets and character devices only",
            ));
        }
        Ok(PipeEnd {
            io: Arc::new(Async::new(file)?),
            write_end,
        })
    }
}

/// The error for writing to the read end.
#[cold]
fn read_only() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "a read pipe cannot be written to",
    )
}

/// Whether the reader of the pipe whose write end is `file` has closed its end: `poll(2)` with a zero
/// timeout reports `POLLERR` (Linux) or `POLLHUP` for a write end without readers.
fn reader_gone(file: &File) -> io::Result<bool> {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut fds = [PollFd::new(file, PollFlags::OUT)];
    rustix::event::poll(&mut fds, Some(&zero))?;
    Ok(fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP))
}

impl ByteStream for PipeEnd {
    type Addr = ();

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.write_end {
            // Readiness on a write end means the reader closed its end (POLLERR), unless the
            // selector woke us for nothing (spurious readiness): the descriptor itself says which.
            loop {
                match self.io.poll_readable(cx) {
                    Poll::Ready(Ok(())) if reader_gone(self.io.get_ref())? => {
                        return Poll::Ready(Ok(0))
                    }
                    // Spurious: `poll_readable` consumed the report, so the next call waits again.
                    Poll::Ready(Ok(())) => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.io.poll_read_with(cx, |mut f| f.read(buf))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if !self.write_end {
            return Poll::Ready(Err(read_only()));
        }
        self.io.poll_write_with(cx, |mut f| f.write(buf))
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        if !self.write_end {
            return Err(read_only());
        }
        loop {
            match self.io.get_ref().write(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }

    fn poll_shutdown(&self, _cx: &mut Context<'_>, _how: Shutdown) -> Poll<io::Result<()>> {
        // The descriptor closes when the connection drops its handles.
        Poll::Ready(Ok(()))
    }

    fn can_write_eof(&self) -> bool {
        false
    }

    fn peer_addr(&self) -> io::Result<()> {
        Ok(())
    }

    fn local_addr(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs a protocol made by `protocol_factory` on the read end of a pipe: `data_received` with what
/// arrives, `eof_received` when the writer closes its end, then `connection_lost`. When this returns,
/// `connection_made` has been called; the pipe is then read by its own task.
///
/// `pipe` is anything that owns the descriptor: a child's `ChildStdout`, a `File` opened on a FIFO, a
/// `std::io::PipeReader`. The transport's `pause_reading` / `resume_reading` / `close` work as on a
/// socket; it has no addresses.
///
/// **asyncio:** `loop.connect_read_pipe(protocol_factory, pipe)`, which returns
/// `(transport, protocol)`. Differences: not `async` (nothing is awaited); the transport is the same
/// [`Transport`] type as for sockets, and writing to it ends the connection with `Unsupported`.
///
/// # Errors
///
/// `InvalidInput` for a regular file or a directory (asyncio refuses them too); the error making the
/// descriptor non-blocking.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::process::{Command, Stdio};
/// use tulip_net::Protocol;
///
/// #[derive(Default)]
/// struct Collect(Vec<u8>, bool);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.1 = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let mut child = Command::new("echo").arg("from a child").stdout(Stdio::piped()).spawn()?;
///     let stdout = child.stdout.take().unwrap();
///     let (_transport, protocol) = tulip_net::connect_read_pipe(Collect::default, stdout)?;
///     while !protocol.borrow().1 {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(protocol.borrow().0, b"from a child\n");
///     child.wait()?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub fn connect_read_pipe<F, P>(
    protocol_factory: F,
    pipe: impl Into<OwnedFd>,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
{
    run_protocol(protocol_factory, PipeEnd::new(pipe.into(), false)?)
}

/// Runs a protocol made by `protocol_factory` on the write end of a pipe: the transport's `write`
/// never blocks, with the same buffer, water marks and `pause_writing` / `resume_writing` as a
/// socket's; `close()` sends what is buffered, then closes the pipe. When the reader closes its end,
/// the protocol gets `eof_received` and the transport closes: `connection_lost(None)`, or
/// `connection_lost(Some(BrokenPipe))` when data was still buffered.
///
/// **asyncio:** `loop.connect_write_pipe(protocol_factory, pipe)`, which returns
/// `(transport, protocol)`. Differences: not `async`; the reader going away is reported through
/// `eof_received` first (asyncio goes straight to `connection_lost`); `write_eof()` is `Unsupported`
/// (use `close()`, which asyncio's `write_eof` amounts to on a pipe).
///
/// # Errors
///
/// `InvalidInput` for a regular file or a directory; the error making the descriptor non-blocking.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use std::process::{Command, Stdio};
/// use tulip_net::{Protocol, Transport};
///
/// #[derive(Default)]
/// struct Feed {
///     lost: bool,
/// }
/// impl Protocol for Feed {
///     fn connection_made(&mut self, transport: Transport) {
///         transport.write(b"to a child\n").unwrap();
///         transport.close(); // flushes, then closes the pipe: the child sees EOF
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.lost = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let stdin = child.stdin.take().unwrap();
///     let (_transport, protocol) = tulip_net::connect_write_pipe(Feed::default, stdin)?;
///     while !protocol.borrow().lost {
///         tulip_core::yield_now().await;
///     }
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out)?; // blocking: the child is done
///     assert_eq!(out, "to a child\n");
///     child.wait()?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub fn connect_write_pipe<F, P>(
    protocol_factory: F,
    pipe: impl Into<OwnedFd>,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
{
    run_protocol(protocol_factory, PipeEnd::new(pipe.into(), true)?)
}
