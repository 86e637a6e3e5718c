//! `SubprocessProtocol`: the callbacks a subprocess transport calls.

use std::io;

use super::transport::SubprocessTransport;

/// Callbacks for a child process run with [`subprocess_exec`](super::subprocess_exec),
/// [`subprocess_shell`](super::subprocess_shell) or [`Command::spawn_protocol`](super::Command::spawn_protocol).
/// Every method has an empty default body.
///
/// The order, as asyncio's: `connection_made` first; for each pipe, its `pipe_data_received` calls
/// then one `pipe_connection_lost`; `process_exited` once, as soon as the exit is seen, which may be
/// before the pipes' data and closing (a grandchild can hold them open); `connection_lost` last, once
/// the process has exited and every pipe is closed. Between pipes, the order follows the events.
///
/// Methods are called from the loop's tasks, never from inside a transport call, so they may call the
/// transport (`kill`, `close`, a pipe's `write`) freely.
///
/// **asyncio:** [`asyncio.SubprocessProtocol`](https://docs.python.org/3/library/asyncio-protocol.html#subprocess-protocols)
/// with `BaseProtocol`'s `connection_made` / `connection_lost`. Differences: `fd` is an `i32` (0, 1,
/// 2); a `pause_writing` due to a `write` made inside one of this protocol's own methods comes once
/// that method has returned (asyncio calls it from inside `write`).
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use tulip_core::process::{SubprocessProtocol, SubprocessTransport};
///
/// #[derive(Default)]
/// struct Collect { out: Vec<u8>, done: bool }
/// impl SubprocessProtocol for Collect {
///     fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
///         if fd == 1 { self.out.extend_from_slice(data); }
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.done = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let (transport, proto) = tulip_core::process::subprocess_shell(Collect::default, "echo hi; exit 3")?;
///     while !proto.borrow().done {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(proto.borrow().out, b"hi\n");
///     assert_eq!(transport.get_returncode(), Some(3));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait SubprocessProtocol {
    /// The process has started; `transport` controls it (keep a clone to use it later).
    ///
    /// **asyncio:** `BaseProtocol.connection_made(transport)`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// use tulip_core::process::{SubprocessProtocol, SubprocessTransport};
    /// struct KillAtOnce;
    /// impl SubprocessProtocol for KillAtOnce {
    ///     fn connection_made(&mut self, transport: SubprocessTransport) {
    ///         transport.kill().unwrap();
    ///     }
    /// }
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| KillAtOnce, "sleep", ["10"])?;
    ///     while t.get_returncode().is_none() {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(t.get_returncode(), Some(-9));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    fn connection_made(&mut self, transport: SubprocessTransport) {
        let _ = transport;
    }

    /// The child wrote `data` to its stdout (`fd == 1`) or stderr (`fd == 2`).
    ///
    /// **asyncio:** `SubprocessProtocol.pipe_data_received(fd, data)`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// struct Print;
    /// impl SubprocessProtocol for Print {
    ///     fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
    ///         println!("fd {fd}: {}", String::from_utf8_lossy(data));
    ///     }
    /// }
    /// ```
    fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
        let _ = (fd, data);
    }

    /// The pipe `fd` is closed: the child closed its end (or exited), the pipe was closed through the
    /// transport, or it failed (`exc`, e.g. `BrokenPipe` for stdin with data still to write).
    ///
    /// **asyncio:** `SubprocessProtocol.pipe_connection_lost(fd, exc)`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// struct Count(usize);
    /// impl SubprocessProtocol for Count {
    ///     fn pipe_connection_lost(&mut self, _fd: i32, _exc: Option<std::io::Error>) {
    ///         self.0 += 1;
    ///     }
    /// }
    /// ```
    fn pipe_connection_lost(&mut self, fd: i32, exc: Option<io::Error>) {
        let _ = (fd, exc);
    }

    /// The process has exited; [`SubprocessTransport::get_returncode`] has its status now.
    ///
    /// **asyncio:** `SubprocessProtocol.process_exited()`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// # use tulip_core::process::{SubprocessProtocol, SubprocessTransport};
    /// struct Exit(Option<SubprocessTransport>, Option<i32>);
    /// impl SubprocessProtocol for Exit {
    ///     fn connection_made(&mut self, t: SubprocessTransport) {
    ///         self.0 = Some(t);
    ///     }
    ///     fn process_exited(&mut self) {
    ///         self.1 = self.0.as_ref().unwrap().get_returncode();
    ///     }
    /// }
    /// ```
    fn process_exited(&mut self) {}

    /// The process has exited and every pipe is closed: nothing more will be called. `exc` is an error
    /// from waiting for the process, if any.
    ///
    /// **asyncio:** `BaseProtocol.connection_lost(exc)`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// struct Done(bool);
    /// impl SubprocessProtocol for Done {
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.0 = true;
    ///     }
    /// }
    /// ```
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The stdin pipe's write buffer went above its high-water mark
    /// ([`PipeTransport::set_write_buffer_limits`](super::PipeTransport::set_write_buffer_limits),
    /// 64 KiB by default): stop writing until [`resume_writing`](SubprocessProtocol::resume_writing).
    ///
    /// **asyncio:** `BaseProtocol.pause_writing()`, which the stdin pipe's protocol forwards to the
    /// subprocess protocol.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// struct Feeder { paused: bool }
    /// impl SubprocessProtocol for Feeder {
    ///     fn pause_writing(&mut self) { self.paused = true; }
    ///     fn resume_writing(&mut self) { self.paused = false; }
    /// }
    /// ```
    fn pause_writing(&mut self) {}

    /// The stdin pipe's write buffer drained to its low-water mark after a
    /// [`pause_writing`](SubprocessProtocol::pause_writing): writing may go on.
    ///
    /// **asyncio:** `BaseProtocol.resume_writing()`.
    ///
    /// # Examples
    ///
    /// See [`pause_writing`](SubprocessProtocol::pause_writing).
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// struct Quiet;
    /// impl SubprocessProtocol for Quiet {
    ///     fn resume_writing(&mut self) {}
    /// }
    /// ```
    fn resume_writing(&mut self) {}
}
