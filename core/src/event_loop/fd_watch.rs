//! `add_reader` / `add_writer`: level-triggered callbacks on any descriptor, for code ported as written.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{ExceptionContext, ExceptionKind, Loop, State};
use crate::reactor::Async;
use crate::task::{self, Task};

/// The watches of one loop: one task per (descriptor, direction).
#[derive(Default)]
pub(crate) struct FdWatches {
    readers: HashMap<RawFd, Task<()>>,
    writers: HashMap<RawFd, Task<()>>,
}

#[derive(Clone, Copy)]
enum Dir {
    Read,
    Write,
}

impl Loop {
    /// Calls `callback` on the loop each time `fd` is readable, until [`Loop::remove_reader`]. Level
    /// triggered, as in asyncio: while data stays unread, the callback runs again on every iteration.
    /// Adding a reader for a descriptor that has one replaces it.
    ///
    /// The loop watches a duplicate of `fd` (`F_DUPFD_CLOEXEC`), so closing `fd` without removing the
    /// reader is not unsound; it just keeps the open file alive until `remove_reader`.
    ///
    /// **asyncio:** `loop.add_reader(fd, callback, *args)`. Prefer [`Async`] and `readable().await` in
    /// new code.
    ///
    /// # Errors
    ///
    /// When the loop is closed (asyncio: `RuntimeError('Event loop is closed')`), when `fd` is a
    /// regular file or a directory, which the poller cannot watch (`EPERM`, kind `PermissionDenied`;
    /// asyncio: `PermissionError`), or when the descriptor cannot be duplicated (e.g. out of
    /// descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use std::rc::Rc;
    ///
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let (a, mut b) = UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// b.write_all(b"x").unwrap();
    /// let hits = Rc::new(Cell::new(0));
    /// let (h, l2) = (hits.clone(), lp.clone());
    /// let a2 = a.try_clone().unwrap();
    /// lp.add_reader(&a, move || {
    ///     h.set(h.get() + 1);
    ///     let mut buf = [0u8; 8];
    ///     let _ = std::io::Read::read(&mut &a2, &mut buf);
    ///     l2.stop();
    /// })
    /// .unwrap();
    /// lp.run_forever();
    /// assert!(lp.remove_reader(a.as_raw_fd()));
    /// assert_eq!(hits.get(), 1);
    /// ```
    pub fn add_reader(&self, fd: impl AsFd, callback: impl FnMut() + 'static) -> io::Result<()> {
        self.add_watch(fd.as_fd(), Dir::Read, Box::new(callback))
    }

    /// Stops watching descriptor number `fd` for reading; `true` if a reader was registered.
    ///
    /// **asyncio:** `loop.remove_reader(fd)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// assert!(!lp.remove_reader(a.as_raw_fd()));
    /// ```
    pub fn remove_reader(&self, fd: RawFd) -> bool {
        let task = self.inner().fd_watches.borrow_mut().readers.remove(&fd);
        task.is_some()
    }

    /// Calls `callback` on the loop each time `fd` is writable, until [`Loop::remove_writer`]
    /// (level triggered). Adding a writer for a descriptor that has one replaces it.
    ///
    /// **asyncio:** `loop.add_writer(fd, callback, *args)`.
    ///
    /// # Errors
    ///
    /// When the loop is closed, when `fd` is a regular file or a directory (`EPERM`, as for
    /// [`Loop::add_reader`]), or when the descriptor cannot be duplicated.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let l2 = lp.clone();
    /// lp.add_writer(&a, move || l2.stop()).unwrap();
    /// lp.run_forever();
    /// assert!(lp.remove_writer(a.as_raw_fd()));
    /// ```
    pub fn add_writer(&self, fd: impl AsFd, callback: impl FnMut() + 'static) -> io::Result<()> {
        self.add_watch(fd.as_fd(), Dir::Write, Box::new(callback))
    }

    /// Stops watching descriptor number `fd` for writing; `true` if a writer was registered.
    ///
    /// **asyncio:** `loop.remove_writer(fd)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let lp = tulip_core::Loop::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// assert!(!lp.remove_writer(a.as_raw_fd()));
    /// ```
    pub fn remove_writer(&self, fd: RawFd) -> bool {
        let task = self.inner().fd_watches.borrow_mut().writers.remove(&fd);
        task.is_some()
    }

    fn add_watch(
        &self,
        fd: std::os::fd::BorrowedFd<'_>,
        dir: Dir,
        mut callback: Box<dyn FnMut()>,
    ) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        // A closed (or closing) loop would never run the watch: refuse, as asyncio's `_check_closed`.
        if matches!(self.inner().state.get(), State::Closing | State::Closed) {
            return Err(io::Error::other(match dir {
                Dir::Read => "add_reader: the loop is closed",
                Dir::Write => "add_writer: the loop is closed",
            }));
        }
        let dup: OwnedFd = fd.try_clone_to_owned()?;
        // epoll cannot watch regular files or directories (`EPERM`): refuse at once, as asyncio's
        // selector loop raises `PermissionError` there, rather than report it later from the watch.
        let file = std::fs::File::from(dup);
        let kind = file.metadata()?.file_type();
        if kind.is_file() || kind.is_dir() {
            return Err(io::Error::from_raw_os_error(
                rustix::io::Errno::PERM.raw_os_error(),
            ));
        }
        let dup = OwnedFd::from(file);
        let inner = self.inner().clone();
        // Register from inside the task: `Async` needs the loop to be current, which it is when the task
        // runs. The watch starts on the loop's next iteration, as asyncio's does.
        let name = match dir {
            Dir::Read => format!("add_reader({raw})"),
            Dir::Write => format!("add_writer({raw})"),
        };
        let weak = std::rc::Rc::downgrade(&inner);
        let task = inner.spawn_local(
            Some(crate::task::Builder::new().name(name)),
            std::panic::Location::caller(),
            async move {
                let io = Async::new_nonblocking(dup);
                loop {
                    let ready = match dir {
                        Dir::Read => io.readable().await,
                        Dir::Write => io.writable().await,
                    };
                    if let Err(e) = ready {
                        report(&weak, format!("watching descriptor {raw} failed: {e}"));
                        return;
                    }
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(&mut callback)) {
                        let msg = task::panic_message(&*payload).to_owned();
                        report(
                            &weak,
                            format!("exception in fd callback for {raw}: panicked: {msg}"),
                        );
                    }
                    // Level triggered: yield so one always-ready descriptor cannot starve the loop.
                    crate::yield_now().await;
                }
            },
        );
        let mut watches = inner.fd_watches.borrow_mut();
        let old = match dir {
            Dir::Read => watches.readers.insert(raw, task),
            Dir::Write => watches.writers.insert(raw, task),
        };
        drop(watches);
        drop(old);
        Ok(())
    }
}

fn report(weak: &std::rc::Weak<super::LoopInner>, message: String) {
    if let Some(inner) = weak.upgrade() {
        inner.call_exception_handler(&ExceptionContext {
            kind: ExceptionKind::CallbackPanic,
            message,
            task: None,
            panic: None,
        });
    }
}

impl FdWatches {
    /// Drops every watch (loop shutdown).
    pub(crate) fn take_all(&mut self) -> Vec<Task<()>> {
        self.readers
            .drain()
            .chain(self.writers.drain())
            .map(|(_, t)| t)
            .collect()
    }
}
