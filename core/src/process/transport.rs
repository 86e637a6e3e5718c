//! `SubprocessTransport`, `subprocess_exec` / `subprocess_shell`: a child process driven through a
//! `SubprocessProtocol`, one task per pipe and one for the exit.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::rc::Rc;
use std::task::Poll;

use super::pipe_transport::{deliver_flow, write_now, Pipe, PipeTransport};
use super::protocol::SubprocessProtocol;
use super::{Child, Command, Stdio};
use crate::Async;

/// Bytes read per `read` from the child's stdout or stderr.
const READ_SIZE: usize = 64 * 1024;

/// A running (or finished) child process seen through a [`SubprocessProtocol`]: its pid, its return
/// code, its pipes, signals. Cheap to clone (an `Rc`); loop-local.
///
/// **asyncio:** [`asyncio.SubprocessTransport`](https://docs.python.org/3/library/asyncio-protocol.html#subprocess-transports).
/// Differences: `get_returncode` is an `Option<i32>` (`None` while running; `-N` for a signal, as
/// asyncio); signals after `connection_lost` fail with `ESRCH` (asyncio's `ProcessLookupError`).
///
/// # Examples
///
/// ```
/// use tulip_core::process::SubprocessProtocol;
///
/// #[derive(Default)]
/// struct Echo { out: Vec<u8>, lost: bool }
/// impl SubprocessProtocol for Echo {
///     fn pipe_data_received(&mut self, _fd: i32, data: &[u8]) {
///         self.out.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.lost = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let (transport, proto) = tulip_core::process::subprocess_exec(Echo::default, "cat", [] as [&str; 0])?;
///     assert!(transport.get_pid() > 0);
///     let stdin = transport.get_pipe_transport(0).unwrap();
///     stdin.write(b"through cat")?;
///     stdin.close(); // cat sees EOF and exits
///     while !proto.borrow().lost {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(proto.borrow().out, b"through cat");
///     assert_eq!(transport.get_returncode(), Some(0));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct SubprocessTransport {
    inner: Rc<Inner>,
}

struct Inner {
    pid: u32,
    state: RefCell<State>,
    /// Index = fd (0, 1, 2); `None` for a stream that is not a pipe.
    pipes: [Option<Rc<RefCell<Pipe>>>; 3],
}

struct State {
    /// For signals; the exit task polls it.
    child: Child,
    returncode: Option<i32>,
    exited: bool,
    /// `close()` was called.
    closed: bool,
    /// `connection_lost` has been called (or the tasks are gone).
    finished: bool,
    protocol: Option<Rc<RefCell<dyn SubprocessProtocol>>>,
}

impl fmt::Debug for SubprocessTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SubprocessTransport");
        d.field("pid", &self.inner.pid);
        if let Ok(st) = self.inner.state.try_borrow() {
            d.field("returncode", &st.returncode)
                .field("closed", &st.closed);
        }
        d.finish()
    }
}

/// Spawns `program` with `args`, stdin, stdout and stderr piped, and runs a protocol made by
/// `protocol_factory` on it. When this returns, `connection_made` has been called; the pipes and the
/// exit are then watched by tasks on the running loop.
///
/// **asyncio:** `loop.subprocess_exec(protocol_factory, program, *args)` (with its `PIPE` defaults),
/// which returns `(transport, protocol)`. Differences: not `async` (nothing is awaited); other
/// settings (`cwd`, `env`, `stdin=DEVNULL`, `stderr=STDOUT`, …) go through
/// [`Command::spawn_protocol`].
///
/// # Errors
///
/// As [`Command::spawn`] (`NotFound` for a program that does not exist, …).
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// See [`SubprocessTransport`].
///
/// ```
/// # use tulip_core::process::SubprocessProtocol;
/// struct Nothing;
/// impl SubprocessProtocol for Nothing {}
/// tulip_core::run(async {
///     let Err(err) = tulip_core::process::subprocess_exec(|| Nothing, "/no/such/program", ["x"]) else {
///         panic!("spawned a program that does not exist");
///     };
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
#[track_caller]
pub fn subprocess_exec<F, P, I, S>(
    protocol_factory: F,
    program: impl AsRef<OsStr>,
    args: I,
) -> io::Result<(SubprocessTransport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: SubprocessProtocol + 'static,
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .spawn_protocol(protocol_factory)
}

/// Runs `cmd` with the shell (`/bin/sh -c cmd`), stdin, stdout and stderr piped, under a protocol made
/// by `protocol_factory`; as [`subprocess_exec`].
///
/// **asyncio:** `loop.subprocess_shell(protocol_factory, cmd)`.
///
/// # Errors
///
/// As [`Command::spawn`].
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// See [`SubprocessProtocol`].
///
/// ```
/// # use tulip_core::process::SubprocessProtocol;
/// struct Nothing;
/// impl SubprocessProtocol for Nothing {}
/// tulip_core::run(async {
///     let (t, _) = tulip_core::process::subprocess_shell(|| Nothing, "exit 4")?;
///     while t.get_returncode().is_none() {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(t.get_returncode(), Some(4));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn subprocess_shell<F, P>(
    protocol_factory: F,
    cmd: impl AsRef<OsStr>,
) -> io::Result<(SubprocessTransport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: SubprocessProtocol + 'static,
{
    Command::shell(cmd).spawn_protocol(protocol_factory)
}

impl Command {
    /// Spawns the command and runs a protocol made by `protocol_factory` on it, as
    /// [`subprocess_exec`] does; standard streams that were not set are piped (asyncio's defaults),
    /// and each pipe becomes a [`PipeTransport`].
    ///
    /// **asyncio:** `loop.subprocess_exec(protocol_factory, *args, stdin=, stdout=, stderr=, cwd=,
    /// env=)`: the keyword arguments are this builder's methods.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`].
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::process::{Command, Stdio, SubprocessProtocol};
    /// #[derive(Default)]
    /// struct Out(Vec<(i32, Vec<u8>)>, bool);
    /// impl SubprocessProtocol for Out {
    ///     fn pipe_data_received(&mut self, fd: i32, data: &[u8]) {
    ///         self.0.push((fd, data.to_vec()));
    ///     }
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.1 = true;
    ///     }
    /// }
    /// tulip_core::run(async {
    ///     let (t, p) = Command::shell("echo err >&2")
    ///         .stdin(Stdio::null())
    ///         .stderr_to_stdout()
    ///         .spawn_protocol(Out::default)?;
    ///     assert!(t.get_pipe_transport(0).is_none() && t.get_pipe_transport(2).is_none());
    ///     while !p.borrow().1 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(p.borrow().0, [(1, b"err\n".to_vec())]);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "subprocess_exec")]
    #[track_caller]
    pub fn spawn_protocol<F, P>(
        &mut self,
        protocol_factory: F,
    ) -> io::Result<(SubprocessTransport, Rc<RefCell<P>>)>
    where
        F: FnOnce() -> P,
        P: SubprocessProtocol + 'static,
    {
        self.apply_defaults([Stdio::piped, Stdio::piped, Stdio::piped]);
        let child = self.spawn();
        self.apply_defaults([Stdio::inherit, Stdio::inherit, Stdio::inherit]);
        let mut child = child?;
        let pipe =
            |fd, io: Option<Async<File>>| io.map(|io| Rc::new(RefCell::new(Pipe::new(fd, io))));
        let pipes = [
            pipe(0, child.stdin.take().and_then(|p| p.into_async())),
            pipe(1, child.stdout.take().map(|p| p.into_async())),
            pipe(2, child.stderr.take().map(|p| p.into_async())),
        ];
        let protocol = Rc::new(RefCell::new(protocol_factory()));
        let transport = SubprocessTransport {
            inner: Rc::new(Inner {
                pid: child.id(),
                state: RefCell::new(State {
                    child,
                    returncode: None,
                    exited: false,
                    closed: false,
                    finished: false,
                    protocol: Some(protocol.clone()),
                }),
                pipes,
            }),
        };
        let weak: Rc<RefCell<dyn SubprocessProtocol>> = protocol.clone();
        for p in transport.inner.pipes.iter().flatten() {
            p.borrow_mut().protocol = Some(Rc::downgrade(&weak));
        }
        drop(weak);
        protocol.borrow_mut().connection_made(transport.clone());
        for p in transport.inner.pipes.iter().flatten() {
            let fd = p.borrow().fd;
            let task = Driver(transport.inner.clone(), false);
            if fd == 0 {
                crate::spawn(task.stdin(p.clone())).detach();
            } else {
                crate::spawn(task.reader(p.clone())).detach();
            }
        }
        crate::spawn(Driver(transport.inner.clone(), false).exit()).detach();
        Ok((transport, protocol))
    }
}

impl SubprocessTransport {
    /// The child's process id.
    ///
    /// **asyncio:** `SubprocessTransport.get_pid()`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert!(t.get_pid() > 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_pid(&self) -> u32 {
        self.inner.pid
    }

    /// The exit code once the process has exited (`process_exited` has been or is about to be
    /// called), `-N` when signal `N` ended it; `None` while it runs.
    ///
    /// **asyncio:** `SubprocessTransport.get_returncode()`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "sleep", ["10"])?;
    ///     assert_eq!(t.get_returncode(), None);
    ///     t.terminate()?;
    ///     while t.get_returncode().is_none() {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(t.get_returncode(), Some(-15));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_returncode(&self) -> Option<i32> {
        self.inner.state.borrow().returncode
    }

    /// The transport of pipe `fd` (0: stdin, 1: stdout, 2: stderr), or `None` when that stream is not
    /// a pipe (inherited, `/dev/null`, redirected into stdout) or `fd` is not 0, 1 or 2.
    ///
    /// **asyncio:** `SubprocessTransport.get_pipe_transport(fd)`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert!(t.get_pipe_transport(1).is_some());
    ///     assert!(t.get_pipe_transport(3).is_none());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_pipe_transport(&self, fd: i32) -> Option<PipeTransport> {
        let pipe = self.inner.pipes.get(usize::try_from(fd).ok()?)?.clone()?;
        Some(PipeTransport { pipe })
    }

    /// Sends signal `signum` to the child. Does nothing once the process has exited and been reaped
    /// (until `connection_lost`).
    ///
    /// **asyncio:** `SubprocessTransport.send_signal(signal)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an unknown signal number; after `connection_lost`, `ESRCH` (asyncio:
    /// `ProcessLookupError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "sleep", ["10"])?;
    ///     t.send_signal(tulip_core::signal::SIGUSR1)?;
    ///     while t.get_returncode().is_none() {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(t.get_returncode(), Some(-tulip_core::signal::SIGUSR1));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn send_signal(&self, signum: i32) -> io::Result<()> {
        let mut st = self.inner.state.borrow_mut();
        st.check_proc()?;
        st.child.send_signal(signum)
    }

    /// Sends `SIGTERM`.
    ///
    /// **asyncio:** `SubprocessTransport.terminate()`.
    ///
    /// # Errors
    ///
    /// As [`SubprocessTransport::send_signal`].
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport::get_returncode`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "sleep", ["10"])?;
    ///     t.terminate()?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn terminate(&self) -> io::Result<()> {
        let mut st = self.inner.state.borrow_mut();
        st.check_proc()?;
        st.child.terminate()
    }

    /// Sends `SIGKILL`.
    ///
    /// **asyncio:** `SubprocessTransport.kill()`.
    ///
    /// # Errors
    ///
    /// As [`SubprocessTransport::send_signal`].
    ///
    /// # Examples
    ///
    /// See [`SubprocessProtocol::connection_made`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "sleep", ["10"])?;
    ///     t.kill()?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill(&self) -> io::Result<()> {
        let mut st = self.inner.state.borrow_mut();
        st.check_proc()?;
        st.child.kill()
    }

    /// Closes every pipe (stdin once its buffer is written) and kills the process if it still runs;
    /// `pipe_connection_lost`, `process_exited` and `connection_lost` follow from the tasks. Closing
    /// twice is harmless.
    ///
    /// **asyncio:** `BaseTransport.close()` on a subprocess transport.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// #[derive(Default)]
    /// struct Lost(bool);
    /// impl SubprocessProtocol for Lost {
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.0 = true;
    ///     }
    /// }
    /// tulip_core::run(async {
    ///     let (t, p) = tulip_core::process::subprocess_exec(Lost::default, "sleep", ["10"])?;
    ///     t.close();
    ///     assert!(t.is_closing());
    ///     while !p.borrow().0 {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(t.get_returncode(), Some(-9));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        {
            let mut st = self.inner.state.borrow_mut();
            if std::mem::replace(&mut st.closed, true) {
                return;
            }
        }
        for pipe in self.inner.pipes.iter().flatten() {
            pipe.borrow_mut().close();
        }
        let mut st = self.inner.state.borrow_mut();
        if st.returncode.is_none() && matches!(st.child.try_wait(), Ok(None)) {
            let _ = st.child.kill();
        }
    }

    /// Whether [`close`](SubprocessTransport::close) has been called.
    ///
    /// **asyncio:** `BaseTransport.is_closing()`.
    ///
    /// # Examples
    ///
    /// See [`SubprocessTransport::close`].
    ///
    /// ```
    /// # use tulip_core::process::SubprocessProtocol;
    /// # struct Nothing;
    /// # impl SubprocessProtocol for Nothing {}
    /// tulip_core::run(async {
    ///     let (t, _) = tulip_core::process::subprocess_exec(|| Nothing, "true", [] as [&str; 0])?;
    ///     assert!(!t.is_closing());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        self.inner.state.borrow().closed
    }
}

impl State {
    /// asyncio's `_check_proc`: no signals after `connection_lost`.
    fn check_proc(&self) -> io::Result<()> {
        if self.finished {
            return Err(io::Error::from_raw_os_error(
                rustix::io::Errno::SRCH.raw_os_error(),
            ));
        }
        Ok(())
    }
}

/// The tasks of one subprocess transport. Dropped before its task completed (the loop shut down), it
/// breaks the protocol -> transport -> protocol cycle.
///
/// Every protocol method it calls goes through [`guarded`]: a panic there is reported and the transport
/// goes on, as asyncio's subprocess transport does when a protocol method raises ("Exception in
/// callback ..."). Unwinding instead would end the driving task: the pipe left unread (the child blocked
/// on it for good) and no `connection_lost`, so the owner would wait forever.
struct Driver(Rc<Inner>, bool);

impl Drop for Driver {
    fn drop(&mut self) {
        if self.1 {
            return;
        }
        if let Ok(mut st) = self.0.state.try_borrow_mut() {
            if !st.finished {
                st.finished = true;
                let protocol = st.protocol.take();
                drop(st);
                drop(protocol);
            }
        }
    }
}

impl Driver {
    fn protocol(&self) -> Option<Rc<RefCell<dyn SubprocessProtocol>>> {
        self.0.state.borrow().protocol.clone()
    }

    /// Reads stdout or stderr into `pipe_data_received` until EOF, an error or `close()`.
    async fn reader(mut self, pipe: Rc<RefCell<Pipe>>) {
        let fd = pipe.borrow().fd;
        let mut buf = vec![0u8; READ_SIZE];
        let exc = loop {
            let read = poll_fn(|cx| {
                let mut p = pipe.borrow_mut();
                if p.closing {
                    return Poll::Ready(Ok(0));
                }
                if p.paused {
                    p.park(cx);
                    return Poll::Pending;
                }
                let Some(io) = &p.io else {
                    return Poll::Ready(Ok(0));
                };
                let r = io.poll_read_with(cx, |mut f| f.read(&mut buf));
                if r.is_pending() {
                    p.park(cx);
                }
                r
            })
            .await;
            match read {
                Ok(0) => break None,
                Ok(n) => {
                    if let Some(proto) = self.protocol() {
                        // A panic is reported and reading goes on, as in asyncio (see `guarded`).
                        guarded("SubprocessProtocol.pipe_data_received", || {
                            proto.borrow_mut().pipe_data_received(fd, &buf[..n])
                        });
                    }
                }
                Err(e) => break Some(e),
            }
        };
        self.pipe_lost(&pipe, exc);
        self.1 = true;
    }

    /// Writes what `PipeTransport::write` buffered for stdin; closes it on `close()` once the buffer is
    /// written, or when the child closes its end.
    async fn stdin(mut self, pipe: Rc<RefCell<Pipe>>) {
        let exc = poll_fn(|cx| {
            // A crossing a protocol method's own `write` made is told now that the method has returned.
            deliver_flow(&pipe);
            let mut p = pipe.borrow_mut();
            loop {
                if p.aborted {
                    return Poll::Ready(None);
                }
                let Some(io) = &p.io else {
                    return Poll::Ready(None);
                };
                if !p.buf.is_empty() {
                    match io.poll_write_with(cx, |f| write_now(f, &p.buf)) {
                        Poll::Ready(Ok(0)) => {
                            return Poll::Ready(Some(io::ErrorKind::WriteZero.into()))
                        }
                        Poll::Ready(Ok(n)) => {
                            p.buf.drain(..n);
                            if p.note_flow() {
                                drop(p);
                                deliver_flow(&pipe);
                                p = pipe.borrow_mut();
                            }
                            continue;
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Some(e)),
                        Poll::Pending => {
                            p.park(cx);
                            return Poll::Pending;
                        }
                    }
                }
                if p.closing {
                    return Poll::Ready(None);
                }
                // Idle: the pipe reports an error condition (readable) once the child's end closes.
                match io.poll_readable(cx) {
                    Poll::Ready(_) => return Poll::Ready(None),
                    Poll::Pending => {
                        p.park(cx);
                        return Poll::Pending;
                    }
                }
            }
        })
        .await;
        self.pipe_lost(&pipe, exc);
        self.1 = true;
    }

    /// Waits for the exit, records the return code, calls `process_exited`.
    async fn exit(mut self) {
        let status = poll_fn(|cx| self.0.state.borrow_mut().child.poll_wait(cx)).await;
        let exc = {
            let mut st = self.0.state.borrow_mut();
            st.exited = true;
            match status {
                Ok(status) => {
                    st.returncode = status.code().or(status.signal().map(|s| -s));
                    None
                }
                Err(e) => Some(e),
            }
        };
        if let Some(proto) = self.protocol() {
            guarded("SubprocessProtocol.process_exited", || {
                proto.borrow_mut().process_exited()
            });
        }
        self.try_finish(exc);
        self.1 = true;
    }

    /// Closes the pipe's descriptor and tells the protocol.
    fn pipe_lost(&self, pipe: &Rc<RefCell<Pipe>>, exc: Option<io::Error>) {
        let (fd, io) = {
            let mut p = pipe.borrow_mut();
            p.lost = true;
            p.closing = true;
            p.buf.clear();
            p.waker = None;
            (p.fd, p.io.take())
        };
        drop(io);
        if let Some(proto) = self.protocol() {
            guarded("SubprocessProtocol.pipe_connection_lost", || {
                proto.borrow_mut().pipe_connection_lost(fd, exc)
            });
        }
        self.try_finish(None);
    }

    /// `connection_lost` once the process has exited and every pipe is closed.
    fn try_finish(&self, exc: Option<io::Error>) {
        let protocol = {
            let mut st = self.0.state.borrow_mut();
            let pipes_done = self.0.pipes.iter().flatten().all(|p| p.borrow().lost);
            if st.finished || !st.exited || !pipes_done {
                return;
            }
            st.finished = true;
            st.protocol.take()
        };
        if let Some(proto) = protocol {
            guarded("SubprocessProtocol.connection_lost", || {
                proto.borrow_mut().connection_lost(exc)
            });
        }
    }
}

/// Calls protocol method `what` through `f`, reporting a panic (see [`Driver`]).
fn guarded(what: &str, f: impl FnOnce()) {
    crate::ExceptionContext::contain_callback_panic(what, f);
}
