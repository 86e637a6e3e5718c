//! One loop serving a ZeroMQ REP socket and a TCP echo listener at once, by giving the loop a
//! [`Selector`] built on libzmq's poller (`zmq_poll`) instead of epoll.
//!
//! **asyncio:** pyzmq's `zmq.asyncio.ZMQEventLoop` and aiozmq's `ZmqEventLoop`: an
//! `asyncio.SelectorEventLoop` whose selector is a `ZMQSelector` over `zmq.Poller`, so one `select()`
//! waits on zmq sockets and ordinary descriptors together (pyzmq 17 deprecated the swap: its sockets
//! now wait on `ZMQ_FD` in any loop; the swap is what this example shows). Differences: zmq sockets
//! are not descriptors here, so they are not `register`ed: the selector owns them
//! ([`ZmqSelector::add_socket`]) and tasks await them with [`zmq_readable`] / [`zmq_writable`];
//! everything else (`TcpListener`, `TcpStream`, `Async<T>`) registers with it as with the default
//! selector.
//!
//! ```python
//! import asyncio, zmq, zmq.asyncio
//!
//! async def serve_zmq(rep):
//!     while True:
//!         request = await rep.recv_multipart()
//!         await rep.send(b"echo: " + b"".join(request))
//!
//! async def handle(reader, writer):
//!     while data := await reader.read(65536):
//!         writer.write(data)
//!         await writer.drain()
//!     writer.close()
//!
//! async def main():
//!     rep = zmq.asyncio.Context().socket(zmq.REP)
//!     rep.bind("tcp://127.0.0.1:*")
//!     server = await asyncio.start_server(handle, "127.0.0.1", 8888)
//!     print("zmq on", rep.getsockopt_string(zmq.LAST_ENDPOINT))
//!     async with server:
//!         await asyncio.gather(server.serve_forever(), serve_zmq(rep))
//!
//! loop = zmq.asyncio.ZMQEventLoop()  # the selector swap (aiozmq: aiozmq.ZmqEventLoop())
//! asyncio.set_event_loop(loop)
//! loop.run_until_complete(main())
//! ```
//!
//! # How the selector works
//!
//! - **Descriptors** (`register` / `reregister` / `deregister` by fd and key) live in a table; each
//!   `select` passes every armed descriptor to `zmq_poll` as a raw-fd `PollItem`. A descriptor that
//!   reports is disarmed until re-armed (oneshot, as the [`Selector`] contract asks). `zmq_poll` is
//!   level-triggered, so a descriptor armed while already ready reports on the next `select`. libzmq
//!   turns `POLLERR`/`POLLHUP`/`POLLNVAL` into `ZMQ_POLLERR`, reported as readable and writable.
//! - **zmq sockets** are not thread-safe, so the selector owns them behind a lock that `select` holds
//!   while it waits. Tasks reach a socket with [`ZmqSelector::with_socket`] and wait for it with
//!   [`zmq_readable`] / [`zmq_writable`], which [`watch`](ZmqSelector::watch) it: a waker plus a
//!   oneshot interest that `select` adds to the same `zmq_poll` call and wakes once the socket
//!   reports. Another thread that wants a socket while `select` waits interrupts the wait (see
//!   `Inner::contenders`).
//! - **`notify`** writes a byte to a socketpair whose read end is always in the poll set.
//!
//! `tests/zmq_selector.rs` runs this program as a process (REQ client and TCP client at once) and
//! includes this file as a module to drive [`ZmqSelector`] in-process.
//!
//! Usage: `cargo run --features zmq --example zmq_selector -- [TCP_ADDR] [ZMQ_ENDPOINT]` (defaults
//! `127.0.0.1:8888` and `tcp://127.0.0.1:0`; port 0 picks a free port). Prints `listening on <ip:port>`
//! and then `zmq on <endpoint>` (the bound endpoint, from `ZMQ_LAST_ENDPOINT`), then serves until
//! killed: TCP connections are echoed, each zmq request gets one reply frame, `echo: ` followed by the
//! request's frames. Needs libzmq (Debian: `apt-get install libzmq3-dev pkg-config`).
//!
//! Failed accepts (out of descriptors, say) are reported at most about once a second
//! (`examples/common`, shared by every example server).

mod common;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tulip::net::{TcpListener, TcpStream};
use tulip::selector::{Interest, Selector, SelectorEvent};

use common::AcceptErrors;

/// libzmq numbers its own errors (`EFSM`, `ETERM`, ...) from here up; below are the OS's errno values.
const ZMQ_HAUSNUMERO: i32 = 156_384_712;

/// A zmq error as an `io::Error`: the OS error kept intact when it is one, libzmq's message otherwise.
pub(crate) fn zmq_to_io(e: zmq::Error) -> io::Error {
    let raw = e.to_raw();
    if raw < ZMQ_HAUSNUMERO {
        io::Error::from_raw_os_error(raw)
    } else {
        io::Error::from(e)
    }
}

/// A zmq socket added to a [`ZmqSelector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SocketId(u64);

/// One registered descriptor.
#[derive(Debug, Clone, Copy)]
struct FdReg {
    key: usize,
    interest: Interest,
    /// Bumped by every `register` / `reregister`: `select` disarms a registration only if nobody
    /// re-armed it while `zmq_poll` ran.
    generation: u64,
}

#[derive(Debug, Default)]
struct Fds {
    regs: HashMap<RawFd, FdReg>,
    next_generation: u64,
}

/// One direction of a watched zmq socket. Armed while `waker` is set (oneshot: `select` takes it).
#[derive(Debug, Default)]
struct Direction {
    waker: Option<Waker>,
    /// The socket reported this direction since it was last watched.
    ready: bool,
}

impl Direction {
    fn arm(&mut self, waker: &Waker) {
        match &mut self.waker {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
    }
}

struct ZmqEntry {
    socket: zmq::Socket,
    read: Direction,
    write: Direction,
}

impl ZmqEntry {
    fn armed(&self) -> zmq::PollEvents {
        let mut ev = zmq::PollEvents::empty();
        if self.read.waker.is_some() {
            ev |= zmq::POLLIN;
        }
        if self.write.waker.is_some() {
            ev |= zmq::POLLOUT;
        }
        ev
    }

    /// The directions `interest` names.
    fn directions(&mut self, interest: Interest) -> impl Iterator<Item = &mut Direction> {
        let (read, write) = (&mut self.read, &mut self.write);
        [
            interest.readable.then_some(read),
            interest.writable.then_some(write),
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Default)]
struct Sockets {
    map: HashMap<SocketId, ZmqEntry>,
    next_id: u64,
}

struct Inner {
    fds: Mutex<Fds>,
    /// Held by `select` for the whole `zmq_poll` call (the poll items borrow the sockets).
    sockets: Mutex<Sockets>,
    /// Threads waiting for `sockets` while `select` holds it. They notify first, so the wait ends; the
    /// next `select` lets them in before it locks again.
    contenders: AtomicUsize,
    /// `select` is (about to be) in `zmq_poll`: descriptor changes must notify to be seen.
    selecting: AtomicBool,
    /// Self-pipe (a socketpair): `notify` writes a byte to `wake_tx`, `select` drains `wake_rx`.
    wake_rx: UnixStream,
    wake_tx: UnixStream,
}

/// A [`Selector`] on libzmq's `zmq_poll`: one wait covers registered descriptors and zmq sockets.
///
/// Cloning shares the selector: give one clone to [`LoopBuilder::selector`](tulip::LoopBuilder::selector) and
/// keep another for the tasks that use its zmq sockets.
///
/// **asyncio:** pyzmq's `ZMQSelector` under `zmq.asyncio.ZMQEventLoop`, aiozmq's selector under
/// `aiozmq.ZmqEventLoop`.
#[derive(Clone)]
pub(crate) struct ZmqSelector(Arc<Inner>);

impl fmt::Debug for ZmqSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZmqSelector")
            .field("descriptors", &self.0.fds().regs.len())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn fds(&self) -> MutexGuard<'_, Fds> {
        self.fds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The socket table, from any thread. Never blocks for longer than a `select` takes to notice
    /// a notification.
    fn sockets(&self) -> MutexGuard<'_, Sockets> {
        match self.sockets.try_lock() {
            Ok(g) => return g,
            Err(TryLockError::Poisoned(p)) => return p.into_inner(),
            Err(TryLockError::WouldBlock) => {}
        }
        self.contenders.fetch_add(1, Ordering::SeqCst);
        let _ = self.notify();
        let g = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        self.contenders.fetch_sub(1, Ordering::SeqCst);
        g
    }

    /// A descriptor registration changed: a `select` in progress must start over to see it.
    fn changed(&self) -> io::Result<()> {
        if self.selecting.load(Ordering::SeqCst) {
            self.notify()?;
        }
        Ok(())
    }

    fn notify(&self) -> io::Result<()> {
        loop {
            match (&self.wake_tx).write(&[1]) {
                Ok(_) => return Ok(()),
                // Full: a byte is already waiting, the wake-up is pending anyway.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn not_found(id: SocketId) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("zmq socket {} is not in this selector", id.0),
    )
}

/// `zmq_poll`'s timeout: milliseconds rounded up (a sub-millisecond wait must not become a busy loop),
/// `-1` for none.
fn timeout_ms(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => -1,
        Some(d) => i64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i64::MAX),
    }
}

fn poll_events(interest: Interest) -> zmq::PollEvents {
    let mut ev = zmq::PollEvents::empty();
    if interest.readable {
        ev |= zmq::POLLIN;
    }
    if interest.writable {
        ev |= zmq::POLLOUT;
    }
    ev
}

impl ZmqSelector {
    /// Creates the selector and its wake-up socketpair.
    ///
    /// # Errors
    ///
    /// When the socketpair cannot be created (e.g. out of descriptors).
    pub(crate) fn new() -> io::Result<ZmqSelector> {
        let (wake_rx, wake_tx) = UnixStream::pair()?;
        wake_rx.set_nonblocking(true)?;
        wake_tx.set_nonblocking(true)?;
        Ok(ZmqSelector(Arc::new(Inner {
            fds: Mutex::new(Fds::default()),
            sockets: Mutex::new(Sockets::default()),
            contenders: AtomicUsize::new(0),
            selecting: AtomicBool::new(false),
            wake_rx,
            wake_tx,
        })))
    }

    /// Hands `socket` to the selector; tasks reach it through the returned id.
    pub(crate) fn add_socket(&self, socket: zmq::Socket) -> SocketId {
        let mut sockets = self.0.sockets();
        let id = SocketId(sockets.next_id);
        sockets.next_id += 1;
        sockets.map.insert(
            id,
            ZmqEntry {
                socket,
                read: Direction::default(),
                write: Direction::default(),
            },
        );
        id
    }

    /// Runs `f` on socket `id`. Meant for the loop's own tasks; from another thread it interrupts a
    /// `select` in progress first.
    ///
    /// # Errors
    ///
    /// `NotFound` when `id` is not in the selector.
    pub(crate) fn with_socket<R>(
        &self,
        id: SocketId,
        f: impl FnOnce(&zmq::Socket) -> R,
    ) -> io::Result<R> {
        let sockets = self.0.sockets();
        let entry = sockets.map.get(&id).ok_or_else(|| not_found(id))?;
        Ok(f(&entry.socket))
    }

    /// Arms socket `id` for one report of `interest` and stores `waker` to be woken by it, forgetting
    /// any earlier report. One waker per direction: a later `watch` replaces the earlier one.
    ///
    /// # Errors
    ///
    /// `NotFound` when `id` is not in the selector.
    pub(crate) fn watch(&self, id: SocketId, interest: Interest, waker: &Waker) -> io::Result<()> {
        let mut sockets = self.0.sockets();
        let entry = sockets.map.get_mut(&id).ok_or_else(|| not_found(id))?;
        for d in entry.directions(interest) {
            d.ready = false;
            d.arm(waker);
        }
        Ok(())
    }

    /// Consumes a report of `interest` that arrived since [`watch`](ZmqSelector::watch); when none
    /// has, keeps the socket armed with `waker` and returns `false`.
    fn take_ready(&self, id: SocketId, interest: Interest, waker: &Waker) -> io::Result<bool> {
        let mut sockets = self.0.sockets();
        let entry = sockets.map.get_mut(&id).ok_or_else(|| not_found(id))?;
        let mut ready = false;
        for d in entry.directions(interest) {
            ready |= std::mem::take(&mut d.ready);
        }
        if !ready {
            for d in entry.directions(interest) {
                d.arm(waker);
            }
        }
        Ok(ready)
    }

    /// Disarms `interest` on socket `id` (a waiting future was dropped).
    fn unwatch(&self, id: SocketId, interest: Interest) {
        if let Some(entry) = self.0.sockets().map.get_mut(&id) {
            for d in entry.directions(interest) {
                d.waker = None;
            }
        }
    }
}

impl Selector for ZmqSelector {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        let mut fds = self.0.fds();
        if fds.regs.contains_key(&fd) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        fds.next_generation += 1;
        let generation = fds.next_generation;
        fds.regs.insert(
            fd,
            FdReg {
                key,
                interest,
                generation,
            },
        );
        drop(fds);
        self.0.changed()
    }

    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        let mut fds = self.0.fds();
        fds.next_generation += 1;
        let generation = fds.next_generation;
        match fds.regs.get_mut(&fd.as_raw_fd()) {
            Some(r) => {
                *r = FdReg {
                    key,
                    interest,
                    generation,
                }
            }
            None => return Err(io::Error::from(io::ErrorKind::NotFound)),
        }
        drop(fds);
        self.0.changed()
    }

    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        if self.0.fds().regs.remove(&fd.as_raw_fd()).is_none() {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        // The caller closes `fd` next: a `zmq_poll` still watching that number must let go of it.
        self.0.changed()
    }

    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        let inner = &*self.0;
        // Announce the wait before taking the snapshot, so a registration made after the snapshot
        // always notifies.
        inner.selecting.store(true, Ordering::SeqCst);
        let armed: Vec<(RawFd, FdReg)> = inner
            .fds()
            .regs
            .iter()
            .filter(|(_, r)| r.interest.readable || r.interest.writable)
            .map(|(&fd, &r)| (fd, r))
            .collect();
        // A thread that asked for the socket table while the previous wait held it goes first.
        while inner.contenders.load(Ordering::SeqCst) > 0 {
            std::thread::yield_now();
        }
        let mut sockets = inner.sockets.lock().unwrap_or_else(PoisonError::into_inner);

        let (revents, watched) = {
            let mut items = Vec::with_capacity(1 + armed.len() + sockets.map.len());
            items.push(zmq::PollItem::from_fd(
                inner.wake_rx.as_raw_fd(),
                zmq::POLLIN,
            ));
            for (fd, r) in &armed {
                items.push(zmq::PollItem::from_fd(*fd, poll_events(r.interest)));
            }
            let mut watched = Vec::new();
            for (id, entry) in &sockets.map {
                let ev = entry.armed();
                if !ev.is_empty() {
                    items.push(entry.socket.as_poll_item(ev));
                    watched.push(*id);
                }
            }
            let res = loop {
                match zmq::poll(&mut items, timeout_ms(timeout)) {
                    Err(zmq::Error::EINTR) => continue,
                    r => break r,
                }
            };
            inner.selecting.store(false, Ordering::SeqCst);
            res.map_err(zmq_to_io)?;
            let revents: Vec<zmq::PollEvents> = items.iter().map(|i| i.get_revents()).collect();
            (revents, watched)
        };

        if !revents[0].is_empty() {
            let mut buf = [0u8; 64];
            while matches!((&inner.wake_rx).read(&mut buf), Ok(n) if n > 0) {}
        }

        // zmq sockets: oneshot, so the report takes the waker.
        let mut wake = Vec::new();
        for (rev, id) in revents[1 + armed.len()..].iter().zip(&watched) {
            let Some(entry) = sockets.map.get_mut(id) else {
                continue;
            };
            if rev.contains(zmq::POLLIN) {
                if let Some(w) = entry.read.waker.take() {
                    entry.read.ready = true;
                    wake.push(w);
                }
            }
            if rev.contains(zmq::POLLOUT) {
                if let Some(w) = entry.write.waker.take() {
                    entry.write.ready = true;
                    wake.push(w);
                }
            }
        }
        drop(sockets);

        // Descriptors: disarm what reported (unless re-armed meanwhile) and report it.
        let mut fds = inner.fds();
        for (rev, (fd, r)) in revents[1..=armed.len()].iter().zip(&armed) {
            if rev.is_empty() {
                continue;
            }
            let broken = rev.contains(zmq::POLLERR);
            if let Some(cur) = fds.regs.get_mut(fd) {
                if cur.generation == r.generation {
                    cur.interest = Interest::NONE;
                }
            }
            events.push(SelectorEvent {
                key: r.key,
                readable: broken || (r.interest.readable && rev.contains(zmq::POLLIN)),
                writable: broken || (r.interest.writable && rev.contains(zmq::POLLOUT)),
            });
        }
        drop(fds);

        // Wakers run with no lock held (on the loop thread they only queue the task).
        for w in wake {
            w.wake();
        }
        Ok(())
    }

    fn notify(&self) -> io::Result<()> {
        self.0.notify()
    }
}

/// Waits until socket `id` of `selector` has a message to receive.
///
/// **asyncio:** `await sock.poll(zmq.POLLIN)` on a `zmq.asyncio` socket.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future disarms the socket.
pub(crate) fn zmq_readable(selector: &ZmqSelector, id: SocketId) -> ZmqReady<'_> {
    ZmqReady::new(selector, id, Interest::READABLE)
}

/// Waits until socket `id` of `selector` can queue a message.
///
/// **asyncio:** `await sock.poll(zmq.POLLOUT)` on a `zmq.asyncio` socket.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future disarms the socket.
pub(crate) fn zmq_writable(selector: &ZmqSelector, id: SocketId) -> ZmqReady<'_> {
    ZmqReady::new(selector, id, Interest::WRITABLE)
}

/// The future of [`zmq_readable`] and [`zmq_writable`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub(crate) struct ZmqReady<'a> {
    selector: &'a ZmqSelector,
    id: SocketId,
    interest: Interest,
    armed: bool,
}

impl<'a> ZmqReady<'a> {
    fn new(selector: &'a ZmqSelector, id: SocketId, interest: Interest) -> Self {
        ZmqReady {
            selector,
            id,
            interest,
            armed: false,
        }
    }
}

impl Future for ZmqReady<'_> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.armed {
            // Level semantics: if the socket is ready already, the next `select` reports it at once.
            this.selector.watch(this.id, this.interest, cx.waker())?;
            this.armed = true;
            return Poll::Pending;
        }
        if this
            .selector
            .take_ready(this.id, this.interest, cx.waker())?
        {
            this.armed = false;
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for ZmqReady<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.selector.unwatch(self.id, self.interest);
        }
    }
}

/// Receives one whole (multipart) message from socket `id`, waiting as long as none is queued.
///
/// # Errors
///
/// libzmq's (e.g. `EFSM` when a REP socket owes a reply), `NotFound` for an unknown socket.
pub(crate) async fn recv_multipart(
    selector: &ZmqSelector,
    id: SocketId,
) -> io::Result<Vec<Vec<u8>>> {
    loop {
        // zmq delivers multipart messages atomically: once the first frame is there, all are.
        match selector.with_socket(id, |s| s.recv_multipart(zmq::DONTWAIT))? {
            Ok(frames) => return Ok(frames),
            Err(zmq::Error::EAGAIN) => zmq_readable(selector, id).await?,
            Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(zmq_to_io(e)),
        }
    }
}

/// Sends a one-frame message on socket `id`, waiting as long as the socket cannot queue it.
///
/// # Errors
///
/// As [`recv_multipart`].
pub(crate) async fn send(selector: &ZmqSelector, id: SocketId, frame: &[u8]) -> io::Result<()> {
    loop {
        match selector.with_socket(id, |s| s.send(frame, zmq::DONTWAIT))? {
            Ok(()) => return Ok(()),
            Err(zmq::Error::EAGAIN) => zmq_writable(selector, id).await?,
            Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(zmq_to_io(e)),
        }
    }
}

/// What the REP side answers to `request`: `echo: ` followed by its frames.
pub(crate) fn reply_to(request: &[Vec<u8>]) -> Vec<u8> {
    let mut reply = b"echo: ".to_vec();
    for frame in request {
        reply.extend_from_slice(frame);
    }
    reply
}

/// Answers every request on REP socket `id`, forever (or until the socket fails or is removed).
pub(crate) async fn serve_zmq(selector: ZmqSelector, id: SocketId) -> io::Result<()> {
    loop {
        let request = recv_multipart(&selector, id).await?;
        send(&selector, id, &reply_to(&request)).await?;
    }
}

/// Echoes one TCP connection until the client's EOF (as `examples/echo.rs`).
pub(crate) async fn echo(conn: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

/// Accepts TCP connections forever, a task each.
pub(crate) async fn serve_tcp(listener: TcpListener) {
    let mut accept_errors = AcceptErrors::new("zmq_selector");
    loop {
        match listener.accept().await {
            Ok((conn, _peer)) => {
                let _ = conn.set_nodelay(true);
                tulip::spawn(async move {
                    if let Err(e) = echo(conn).await {
                        if e.kind() != io::ErrorKind::ConnectionReset {
                            eprintln!("zmq_selector: connection error: {e}");
                        }
                    }
                })
                .detach();
            }
            // EMFILE and friends: report, back off briefly, keep serving.
            Err(e) => {
                accept_errors.report(&e);
                tulip::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let tcp_addr = args.next().unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    let endpoint = args
        .next()
        .unwrap_or_else(|| "tcp://127.0.0.1:0".to_owned());

    let context = zmq::Context::new();
    let rep = context.socket(zmq::REP).map_err(zmq_to_io)?;
    rep.set_linger(0).map_err(zmq_to_io)?;
    rep.bind(&endpoint).map_err(zmq_to_io)?;
    let bound = rep
        .get_last_endpoint()
        .map_err(zmq_to_io)?
        .unwrap_or(endpoint);

    let selector = ZmqSelector::new()?;
    let rep = selector.add_socket(rep);
    let lp = tulip::Loop::builder().selector(selector.clone()).build()?;
    lp.block_on(async move {
        let listener = TcpListener::bind(tcp_addr.as_str()).await?;
        println!("listening on {}", listener.local_addr()?);
        println!("zmq on {bound}");
        io::stdout().flush()?;
        let zmq = tulip::spawn(serve_zmq(selector, rep));
        tulip::spawn(serve_tcp(listener)).detach();
        zmq.await
    })
}
