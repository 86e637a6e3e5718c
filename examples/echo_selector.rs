//! The echo server as the bare "wait for I/O, then run instructions" loop: one thread, one poller
//! (epoll on Linux, kqueue on the BSDs and macOS, through the `polling` crate), no tasks and no
//! futures. This is what every event loop does underneath; tulip's reactor is this loop with tasks
//! and timers around it.
//!
//! Python equivalent (`selectors`, no asyncio):
//!
//! ```python
//! sel = selectors.DefaultSelector()
//! def accept(sock):
//!     conn, _ = sock.accept(); conn.setblocking(False)
//!     sel.register(conn, selectors.EVENT_READ, echo)
//! def echo(conn):
//!     data = conn.recv(65536)
//!     if data: conn.send(data)   # the real thing keeps what send() did not take
//!     else: sel.unregister(conn); conn.close()
//! sock = socket.create_server(("127.0.0.1", 8888)); sock.setblocking(False)
//! sel.register(sock, selectors.EVENT_READ, accept)
//! while True:
//!     for key, _ in sel.select():
//!         key.data(key.fileobj)
//! ```
//!
//! Each connection has one buffer of bytes read but not yet written back. While it is non-empty the
//! connection waits for writability and reads nothing more (backpressure: a client that does not read
//! cannot make the server buffer without bound); once it drains, the connection waits for readability
//! again. EOF from the client closes the connection after everything read has been written back.
//!
//! Usage: `cargo run --release --example echo_selector -- [ADDR]` (default `127.0.0.1:8888`; port 0
//! picks a free port). Prints `listening on <ip:port>` once bound, then serves until killed.
//!
//! Failed accepts (out of descriptors, say) are reported at most about once a second
//! (`examples/common`, shared by every example server).

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use polling::{Event, Events, Poller};

use common::AcceptErrors;

/// The poller key of the listening socket; connection `i` of the slab uses key `i + 1`.
const LISTENER: usize = 0;
/// Bytes read per `read` call.
const READ_BUF: usize = 64 * 1024;
/// Reads one readiness event may perform before the connection goes back to the poller, so one busy
/// client cannot starve the others (the poller is level-triggered: it reports the socket again at once).
const READS_PER_EVENT: usize = 16;
/// Connections one listener event may accept before the loop serves the others.
const ACCEPTS_PER_EVENT: usize = 128;
/// How long accepting pauses after an error such as EMFILE (the pending connection stays queued, so
/// retrying at once would spin).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// What a connection waits for next.
enum Next {
    Read,
    Write,
    Close,
}

/// One client: its socket and the bytes read from it that still have to be written back.
struct Conn {
    stream: TcpStream,
    pending: Vec<u8>,
    /// How much of `pending` has been written already.
    written: usize,
    /// The client sent EOF: close once `pending` is written.
    eof: bool,
}

impl Conn {
    /// Runs this connection's instructions until the socket would block: write back what is pending,
    /// then read and echo. Returns what to wait for next.
    fn drive(&mut self, buf: &mut [u8]) -> io::Result<Next> {
        let mut reads = 0;
        loop {
            while self.written < self.pending.len() {
                match self.stream.write(&self.pending[self.written..]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => self.written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Next::Write),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.pending.clear();
            self.written = 0;
            if self.eof {
                return Ok(Next::Close);
            }
            if reads == READS_PER_EVENT {
                return Ok(Next::Read);
            }
            reads += 1;
            let n = match self.stream.read(buf) {
                Ok(0) => {
                    self.eof = true;
                    continue;
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Next::Read),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            // Write straight from the read buffer; keep only what the socket did not take.
            let mut off = 0;
            while off < n {
                match self.stream.write(&buf[off..n]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(k) => off += k,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.pending.extend_from_slice(&buf[off..n]);
                        return Ok(Next::Write);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

/// The connections, indexed by poller key - 1, with a free list so keys are reused.
#[derive(Default)]
struct Conns {
    slots: Vec<Option<Conn>>,
    free: Vec<usize>,
}

impl Conns {
    fn insert(&mut self, conn: Conn) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(conn);
                i + 1
            }
            None => {
                self.slots.push(Some(conn));
                self.slots.len()
            }
        }
    }

    fn get_mut(&mut self, key: usize) -> Option<&mut Conn> {
        self.slots.get_mut(key.checked_sub(1)?)?.as_mut()
    }

    fn remove(&mut self, key: usize) -> Option<Conn> {
        let conn = self.slots.get_mut(key - 1)?.take();
        if conn.is_some() {
            self.free.push(key - 1);
        }
        conn
    }
}

/// The whole server state: the loop's "selector" and what is registered in it.
struct Server {
    poller: Poller,
    listener: TcpListener,
    conns: Conns,
    /// Accepting is paused until then after an accept error (the listener is not armed meanwhile).
    accept_paused_until: Option<Instant>,
    /// Failed accepts, reported about once a second.
    accept_errors: AcceptErrors,
}

impl Server {
    /// Accepts what is queued (up to a batch), registering each connection for readability. Returns
    /// whether to re-arm the listener now (false while accepting is paused).
    fn accept(&mut self) -> bool {
        for _ in 0..ACCEPTS_PER_EVENT {
            let stream = match self.listener.accept() {
                Ok((stream, _peer)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                Err(e) => {
                    self.accept_errors.report(&e);
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_BACKOFF);
                    return false;
                }
            };
            if let Err(e) = stream.set_nonblocking(true) {
                eprintln!("echo_selector: connection dropped: {e}");
                continue;
            }
            let _ = stream.set_nodelay(true);
            let key = self.conns.insert(Conn {
                stream,
                pending: Vec::new(),
                written: 0,
                eof: false,
            });
            let conn = self.conns.get_mut(key).expect("just inserted");
            // SAFETY: `polling` requires a source to be deleted from the poller before it is closed.
            // Connections are only closed in `close`, which deletes them first; the poller outlives
            // every connection (both live in `Server`, and connections are closed through it).
            if let Err(e) = unsafe { self.poller.add(&conn.stream, Event::readable(key)) } {
                eprintln!("echo_selector: cannot register a connection: {e}");
                self.conns.remove(key);
            }
        }
        true
    }

    /// Unregisters and closes a connection.
    fn close(&mut self, key: usize) {
        if let Some(conn) = self.conns.remove(key) {
            let _ = self.poller.delete(&conn.stream);
        }
    }

    /// One readiness event for connection `key`: run its instructions, then re-arm it for what it
    /// waits for next, or close it.
    fn serve(&mut self, key: usize, buf: &mut [u8]) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        let next = match conn.drive(buf) {
            Ok(next) => next,
            Err(e) => {
                if !matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ) {
                    eprintln!("echo_selector: connection error: {e}");
                }
                Next::Close
            }
        };
        let interest = match next {
            Next::Read => Event::readable(key),
            Next::Write => Event::writable(key),
            Next::Close => return self.close(key),
        };
        if let Err(e) = self.poller.modify(&conn.stream, interest) {
            eprintln!("echo_selector: cannot re-arm a connection: {e}");
            self.close(key);
        }
    }

    /// The loop: wait for readiness (or the end of an accept pause), then run the instructions of every
    /// socket that is ready. Runs until the poller itself fails.
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::new();
        let mut buf = vec![0u8; READ_BUF];
        loop {
            let timeout = self
                .accept_paused_until
                .map(|until| until.saturating_duration_since(Instant::now()));
            events.clear();
            match self.poller.wait(&mut events, timeout) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if self
                .accept_paused_until
                .is_some_and(|until| Instant::now() >= until)
            {
                self.accept_paused_until = None;
                self.poller
                    .modify(&self.listener, Event::readable(LISTENER))?;
            }
            for ev in events.iter() {
                if ev.key == LISTENER {
                    if self.accept() {
                        self.poller
                            .modify(&self.listener, Event::readable(LISTENER))?;
                    }
                } else {
                    self.serve(ev.key, &mut buf);
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for key in 1..=self.conns.slots.len() {
            self.close(key);
        }
        let _ = self.poller.delete(&self.listener);
    }
}

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_owned());
    let listener = TcpListener::bind(&addr)?;
    listener.set_nonblocking(true)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;

    let poller = Poller::new()?;
    // SAFETY: the listener is deleted from the poller in `Server::drop`, before it is closed (fields drop
    // after `drop` runs).
    unsafe { poller.add(&listener, Event::readable(LISTENER))? };
    let mut server = Server {
        poller,
        listener,
        conns: Conns::default(),
        accept_paused_until: None,
        accept_errors: AcceptErrors::new("echo_selector"),
    };
    server.run()
}
