//! `PipeTransport`: one of a subprocess's pipes, as its protocol's transport sees it, and the state
//! the pipe shares with its task.

use std::cell::RefCell;
use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::rc::{Rc, Weak};
use std::task::{Context, Waker};

use super::SubprocessProtocol;
use crate::write_limits::WriteLimits;
use crate::Async;

/// One of the child's pipes, shared by its [`PipeTransport`] handles and its task.
pub(super) struct Pipe {
    pub(super) fd: i32,
    /// `None` once closed.
    pub(super) io: Option<Async<File>>,
    /// Stdin: bytes accepted by `write`, not yet in the pipe.
    pub(super) buf: Vec<u8>,
    /// Reading paused (stdout, stderr).
    pub(super) paused: bool,
    /// `close()`: stop reading, or (stdin) close once the buffer is written.
    pub(super) closing: bool,
    /// `abort()` (stdin): drop the buffer and close now.
    pub(super) aborted: bool,
    /// `pipe_connection_lost` has been called.
    pub(super) lost: bool,
    pub(super) waker: Option<Waker>,
    /// Stdin's write-buffer water marks (asyncio's defaults: 64 KiB, 16 KiB).
    pub(super) limits: WriteLimits,
    /// Whether the protocol should be paused (the buffer went above `high` and has not drained to
    /// `low`), and what it was last told; they differ until `pause_writing`/`resume_writing` is called.
    pub(super) flow_want: bool,
    pub(super) flow_told: bool,
    /// Whom to tell (the subprocess protocol), set once it exists.
    pub(super) protocol: Option<Weak<RefCell<dyn SubprocessProtocol>>>,
}

impl Pipe {
    pub(super) fn new(fd: i32, io: Async<File>) -> Pipe {
        Pipe {
            fd,
            io: Some(io),
            buf: Vec::new(),
            paused: false,
            closing: false,
            aborted: false,
            lost: false,
            waker: None,
            limits: WriteLimits::default(),
            flow_want: false,
            flow_told: false,
            protocol: None,
        }
    }

    /// asyncio's `_maybe_pause_protocol` / `_maybe_resume_protocol`: notes a crossing of the marks.
    /// Returns whether the protocol has a change to be told ([`deliver_flow`]).
    pub(super) fn note_flow(&mut self) -> bool {
        if !self.flow_want && self.buf.len() > self.limits.high {
            self.flow_want = true;
        } else if self.flow_want && self.buf.len() <= self.limits.low {
            self.flow_want = false;
        }
        self.flow_want != self.flow_told && !self.lost
    }

    pub(super) fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    pub(super) fn park(&mut self, cx: &mut Context<'_>) {
        match &self.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.waker = Some(cx.waker().clone()),
        }
    }
}

impl Pipe {
    pub(super) fn close(&mut self) {
        if !self.closing {
            self.closing = true;
            self.wake();
        }
    }
}

/// One of a subprocess's pipes: write to the child's stdin, pause or resume reading its stdout or
/// stderr, close either. Cheap to clone; loop-local.
///
/// **asyncio:** the `WriteTransport` (stdin) or `ReadTransport` (stdout, stderr) that
/// `SubprocessTransport.get_pipe_transport(fd)` returns. Differences: one type for both directions;
/// a method of the other direction fails with `Unsupported` (writing) or does nothing (reading).
///
/// # Examples
///
/// See [`SubprocessTransport`](super::SubprocessTransport).
///
/// ```
/// # use tulip_core::process::SubprocessProtocol;
/// # struct Nothing;
/// # impl SubprocessProtocol for Nothing {}
/// tulip_core::run(async {
///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
///     let stdout = t.get_pipe_transport(1).unwrap();
///     assert_eq!(stdout.write(b"x").unwrap_err().kind(), std::io::ErrorKind::Unsupported);
///     t.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct PipeTransport {
    pub(super) pipe: Rc<RefCell<Pipe>>,
}

impl fmt::Debug for PipeTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PipeTransport");
        if let Ok(p) = self.pipe.try_borrow() {
            d.field("fd", &p.fd).field("closing", &p.closing);
        }
        d.finish()
    }
}

impl PipeTransport {
    /// Which pipe: 0 (stdin), 1 (stdout) or 2 (stderr).
    ///
    /// **asyncio:** the `fd` the pipe transport was looked up with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert_eq!(t.get_pipe_transport(2).unwrap().fd(), 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn fd(&self) -> i32 {
        self.pipe.borrow().fd
    }

    /// Writes `data` to the child's stdin without blocking: what the pipe does not take at once is
    /// buffered and written by the pipe's task. A write error (the child closed its stdin) reaches
    /// the protocol as `pipe_connection_lost(0, Some(err))`.
    ///
    /// **asyncio:** `WriteTransport.write(data)` on `get_pipe_transport(0)`.
    ///
    /// # Errors
    ///
    /// `Unsupported` on stdout or stderr; `NotConnected` once the pipe is closing or closed.
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport`](super::SubprocessTransport).
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     let stdin = t.get_pipe_transport(0).unwrap();
    ///     stdin.write(b"hello")?;
    ///     stdin.close();
    ///     assert_eq!(stdin.write(b"late").unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut p = self.pipe.borrow_mut();
        if p.fd != 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "only the stdin pipe can be written",
            ));
        }
        if p.closing || p.io.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the pipe is closing or closed",
            ));
        }
        if data.is_empty() {
            return Ok(());
        }
        let mut rest = data;
        if p.buf.is_empty() {
            let io = p.io.as_ref().expect("checked above");
            match write_now(io.get_ref(), rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The task meets the same error on its next write and reports it.
                Err(_) => {}
            }
            if rest.is_empty() {
                return Ok(());
            }
        }
        p.buf.extend_from_slice(rest);
        p.wake();
        let tell = p.note_flow();
        drop(p);
        if tell {
            deliver_flow(&self.pipe);
        }
        Ok(())
    }

    /// Sets stdin's write-buffer water marks: the protocol is told `pause_writing` when the buffer goes
    /// above `high` and `resume_writing` when it has drained to `low`. A missing `high` is `4 * low`
    /// (or 64 KiB), a missing `low` is `high / 4`.
    ///
    /// **asyncio:** `WriteTransport.set_write_buffer_limits(high=None, low=None)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `high < low` (asyncio: `ValueError`); `Unsupported` on stdout or stderr.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     let stdin = t.get_pipe_transport(0).unwrap();
    ///     stdin.set_write_buffer_limits(Some(1024), None)?;
    ///     assert_eq!(stdin.get_write_buffer_limits(), (256, 1024));
    ///     assert!(stdin.set_write_buffer_limits(Some(1), Some(2)).is_err());
    ///     t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let mut p = self.pipe.borrow_mut();
        if p.fd != 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "only the stdin pipe has a write buffer",
            ));
        }
        p.limits.set(high, low)?;
        let tell = p.note_flow();
        drop(p);
        if tell {
            deliver_flow(&self.pipe);
        }
        Ok(())
    }

    /// Stdin's water marks as `(low, high)`, in asyncio's order.
    ///
    /// **asyncio:** `WriteTransport.get_write_buffer_limits()`.
    ///
    /// # Examples
    ///
    /// See [`set_write_buffer_limits`](PipeTransport::set_write_buffer_limits).
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     assert_eq!(t.get_pipe_transport(0).unwrap().get_write_buffer_limits(), (16 * 1024, 64 * 1024));
    ///     t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        let p = self.pipe.borrow();
        (p.limits.low, p.limits.high)
    }

    /// Bytes accepted by [`write`](PipeTransport::write) and not yet in the pipe.
    ///
    /// **asyncio:** `WriteTransport.get_write_buffer_size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     let stdin = t.get_pipe_transport(0).unwrap();
    ///     stdin.write(b"small")?; // the pipe takes it at once
    ///     assert_eq!(stdin.get_write_buffer_size(), 0);
    ///     t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_write_buffer_size(&self) -> usize {
        self.pipe.borrow().buf.len()
    }

    /// Closes the pipe: stdin once its buffer is written (the child reads EOF), stdout or stderr at
    /// once. `pipe_connection_lost(fd, None)` follows from the pipe's task.
    ///
    /// **asyncio:** `BaseTransport.close()` on a pipe transport; on stdin also `write_eof()`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport`](super::SubprocessTransport).
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     let stdin = t.get_pipe_transport(0).unwrap();
    ///     stdin.close(); // cat exits on EOF
    ///     assert!(stdin.is_closing());
    ///     while t.get_returncode().is_none() {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "write_eof")]
    pub fn close(&self) {
        self.pipe.borrow_mut().close();
    }

    /// Closes the pipe at once, dropping what stdin had buffered.
    ///
    /// **asyncio:** `WriteTransport.abort()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "cat", [] as [&str; 0])?;
    ///     t.get_pipe_transport(0).unwrap().abort();
    ///     assert_eq!(t.get_pipe_transport(0).unwrap().get_write_buffer_size(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn abort(&self) {
        let mut p = self.pipe.borrow_mut();
        p.aborted = true;
        p.buf.clear();
        p.close();
        p.wake();
    }

    /// Whether the pipe is closing or closed.
    ///
    /// **asyncio:** `BaseTransport.is_closing()`.
    ///
    /// # Examples
    ///
    /// See [`PipeTransport::close`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert!(!t.get_pipe_transport(1).unwrap().is_closing());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        let p = self.pipe.borrow();
        p.closing || p.lost
    }

    /// Stops reading stdout or stderr until [`resume_reading`](PipeTransport::resume_reading): no
    /// `pipe_data_received` for it meanwhile (the child blocks once the pipe is full). Does nothing on
    /// stdin.
    ///
    /// **asyncio:** `ReadTransport.pause_reading()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     let stdout = t.get_pipe_transport(1).unwrap();
    ///     stdout.pause_reading();
    ///     assert!(!stdout.is_reading());
    ///     stdout.resume_reading();
    ///     assert!(stdout.is_reading());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn pause_reading(&self) {
        let mut p = self.pipe.borrow_mut();
        if p.fd != 0 && !p.closing {
            p.paused = true;
        }
    }

    /// Resumes reading after [`pause_reading`](PipeTransport::pause_reading).
    ///
    /// **asyncio:** `ReadTransport.resume_reading()`.
    ///
    /// # Examples
    ///
    /// See [`PipeTransport::pause_reading`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     t.get_pipe_transport(2).unwrap().resume_reading(); // not paused: nothing happens
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn resume_reading(&self) {
        let mut p = self.pipe.borrow_mut();
        if p.paused {
            p.paused = false;
            p.wake();
        }
    }

    /// Whether stdout or stderr is being read (not paused, not closing); `false` for stdin.
    ///
    /// **asyncio:** `ReadTransport.is_reading()`.
    ///
    /// # Examples
    ///
    /// See [`PipeTransport::pause_reading`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert!(!t.get_pipe_transport(0).unwrap().is_reading());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_reading(&self) -> bool {
        let p = self.pipe.borrow();
        p.fd != 0 && !p.paused && !p.closing && !p.lost
    }
}

/// One `write(2)` now, retried on `EINTR`.
pub(super) fn write_now(mut file: &File, data: &[u8]) -> io::Result<usize> {
    loop {
        match file.write(data) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Tells the protocol `pause_writing` / `resume_writing` until it knows the pipe's flow state (a call
/// may write and cross a mark again). Nothing is borrowed during the call; a protocol that is running
/// now (the `write` came from one of its methods) is told by the pipe's task at its next step.
pub(super) fn deliver_flow(pipe: &Rc<RefCell<Pipe>>) {
    loop {
        let (protocol, pause) = {
            let p = pipe.borrow();
            if p.flow_want == p.flow_told || p.lost {
                return;
            }
            let Some(protocol) = p.protocol.as_ref().and_then(Weak::upgrade) else {
                return;
            };
            (protocol, p.flow_want)
        };
        let Ok(mut proto) = protocol.try_borrow_mut() else {
            return;
        };
        pipe.borrow_mut().flow_told = pause;
        // asyncio's `_maybe_pause_protocol` / `_maybe_resume_protocol` report a raising method, with
        // their message, and go on.
        crate::ExceptionContext::contain_flow_panic(pause, || {
            if pause {
                proto.pause_writing();
            } else {
                proto.resume_writing();
            }
        });
    }
}
