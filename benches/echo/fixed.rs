//! A fixed-count echo client: C connections each make exactly W warm-up round trips, then (after every
//! connection has finished its warm-up) exactly M measured ones, so two runs of a server do the same
//! work whatever the machine's load. It reads the server's CPU time at the two phase boundaries from
//! `/proc/<pid>/task/*/schedstat` (nanoseconds on the CPU, all threads), which gives CPU per request at
//! nanosecond resolution instead of `/proc/<pid>/stat`'s 10 ms ticks.
//!
//! With [`Proto::Http`] a round trip is a keep-alive `GET /` and its whole response instead.
//!
//! Used by `scripts/echo_instructions.sh`: under callgrind the server runs twice, with M = 0 and with
//! M = N, and the difference of the instruction totals divided by C x N is the cost of one request.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use polling::{Event, Events, Poller};

/// What one fixed run measured.
#[derive(Debug)]
pub(crate) struct FixedReport {
    /// Round trips completed in the measured phase (C x M unless a connection failed).
    pub(crate) requests: u64,
    /// Server CPU time over the measured phase, nanoseconds (0 without a pid).
    pub(crate) cpu_ns: u64,
    /// Wall-clock time of the measured phase, nanoseconds (with one connection: the latency of a
    /// round trip, times the count).
    pub(crate) wall_ns: u64,
    /// Connections that failed (closed early, wrong bytes, I/O error).
    pub(crate) errors: u64,
}

/// What a round trip is.
#[derive(Clone, Copy)]
pub(crate) enum Proto {
    /// `size` bytes sent and the same bytes expected back.
    Echo(usize),
    /// `GET / HTTP/1.1` on a keep-alive connection, one whole response (head, then `content-length`
    /// bytes of body) expected back.
    Http,
}

const HTTP_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

impl Proto {
    fn request_len(self) -> usize {
        match self {
            Proto::Echo(size) => size,
            Proto::Http => HTTP_REQUEST.len(),
        }
    }
}

struct Conn {
    stream: TcpStream,
    /// Http: the response bytes received so far.
    response: Vec<u8>,
    written: usize,
    read: usize,
    /// Round trips completed so far.
    done: u64,
    dead: bool,
}

fn byte(conn: usize, seq: u64, i: usize) -> u8 {
    (conn as u64)
        .wrapping_mul(31)
        .wrapping_add(seq.wrapping_mul(17))
        .wrapping_add(i as u64) as u8
}

/// CPU time of every thread of `pid`, nanoseconds (first field of each task's `schedstat`).
pub(crate) fn cpu_ns(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // a thread that ended between the listing and the read
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// One load generator's connections to one server.
pub(crate) struct Client {
    poller: Poller,
    conns: Vec<Conn>,
    proto: Proto,
    buf: Vec<u8>,
    events: Events,
}

impl Client {
    /// Opens `conns` connections to `addr` (TCP_NODELAY, non-blocking, registered with no interest).
    pub(crate) fn connect(addr: SocketAddr, conns: usize, proto: Proto) -> io::Result<Client> {
        let poller = Poller::new()?;
        let mut all = Vec::with_capacity(conns);
        for i in 0..conns {
            let stream = connect(addr)?;
            stream.set_nodelay(true)?;
            stream.set_nonblocking(true)?;
            // SAFETY: every stream is deleted from the poller before it is dropped (Drop for Client).
            unsafe { poller.add(&stream, Event::none(i))? };
            all.push(Conn {
                stream,
                response: Vec::new(),
                written: 0,
                read: 0,
                done: 0,
                dead: false,
            });
        }
        Ok(Client {
            poller,
            conns: all,
            proto,
            buf: vec![0u8; proto.request_len().max(65536)],
            events: Events::new(),
        })
    }

    /// Drives every live connection until it has completed `until` round trips in all.
    pub(crate) fn run_until(&mut self, until: u64) -> io::Result<()> {
        phase(
            &self.poller,
            &mut self.conns,
            self.proto,
            until,
            &mut self.buf,
            &mut self.events,
        )
    }

    /// Round trips completed per connection, summed over connections, counting only those past
    /// `from` and up to `to` (per connection).
    pub(crate) fn completed(&self, from: u64, to: u64) -> u64 {
        self.conns
            .iter()
            .map(|c| c.done.min(to).saturating_sub(from))
            .sum()
    }

    /// Connections that failed (closed early, wrong bytes, I/O error).
    pub(crate) fn errors(&self) -> u64 {
        self.conns.iter().filter(|c| c.dead).count() as u64
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        for c in &self.conns {
            let _ = self.poller.delete(&c.stream);
        }
    }
}

/// Runs `warmup` then `measured` round trips of `proto` on each of `conns` connections.
pub(crate) fn run(
    addr: SocketAddr,
    conns: usize,
    proto: Proto,
    warmup: u64,
    measured: u64,
    pid: Option<u32>,
) -> io::Result<FixedReport> {
    let mut client = Client::connect(addr, conns, proto)?;
    client.run_until(warmup)?;
    let before = pid.and_then(cpu_ns);
    let started = std::time::Instant::now();
    client.run_until(warmup + measured)?;
    let after = pid.and_then(cpu_ns);
    let wall_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let cpu_ns = match (before, after) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    Ok(FixedReport {
        requests: client.completed(warmup, warmup + measured),
        cpu_ns,
        wall_ns,
        errors: client.errors(),
    })
}

/// Drives every live connection until it has completed `until` round trips.
fn phase(
    poller: &Poller,
    all: &mut [Conn],
    proto: Proto,
    until: u64,
    buf: &mut [u8],
    events: &mut Events,
) -> io::Result<()> {
    let mut ready: Vec<usize> = (0..all.len()).collect();
    loop {
        for i in ready.drain(..) {
            drive(poller, &mut all[i], i, proto, until, buf);
        }
        if all.iter().all(|c| c.dead || c.done >= until) {
            return Ok(());
        }
        events.clear();
        poller.wait(events, Some(Duration::from_secs(10)))?;
        if events.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no progress for 10 s",
            ));
        }
        ready.extend(events.iter().map(|e| e.key));
    }
}

/// Advances one connection as far as it goes without blocking, then re-arms it (oneshot).
fn drive(poller: &Poller, c: &mut Conn, i: usize, proto: Proto, until: u64, buf: &mut [u8]) {
    let size = proto.request_len();
    while !c.dead && c.done < until {
        let mut progress = false;
        if c.written < size {
            let chunk = &mut buf[..size - c.written];
            match proto {
                Proto::Echo(_) => {
                    for (k, b) in chunk.iter_mut().enumerate() {
                        *b = byte(i, c.done, c.written + k);
                    }
                }
                Proto::Http => chunk.copy_from_slice(&HTTP_REQUEST[c.written..]),
            }
            match c.stream.write(chunk) {
                Ok(0) => c.dead = true,
                Ok(n) => {
                    c.written += n;
                    progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => c.dead = true,
            }
        }
        if !c.dead && c.written == size && matches!(proto, Proto::Http) {
            match c.stream.read(buf) {
                Ok(0) => c.dead = true,
                Ok(n) => {
                    c.response.extend_from_slice(&buf[..n]);
                    progress = true;
                    match http_response_len(&c.response) {
                        Some(len) if c.response.len() == len => {
                            c.done += 1;
                            c.response.clear();
                            c.written = 0;
                        }
                        // More than one response: the server answered what was not asked.
                        Some(len) if c.response.len() > len => c.dead = true,
                        _ => {}
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => c.dead = true,
            }
        } else if !c.dead && c.read < c.written {
            let want = c.written - c.read;
            match c.stream.read(&mut buf[..want]) {
                Ok(0) => c.dead = true,
                Ok(n) => {
                    if buf[..n]
                        .iter()
                        .enumerate()
                        .any(|(k, &b)| b != byte(i, c.done, c.read + k))
                    {
                        c.dead = true;
                    }
                    c.read += n;
                    progress = true;
                    if c.read == size {
                        c.done += 1;
                        c.read = 0;
                        c.written = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => c.dead = true,
            }
        }
        if !progress {
            let waiting = match proto {
                Proto::Echo(_) => c.read < c.written,
                Proto::Http => c.written == size,
            };
            let interest = Event::new(i, waiting, c.written < size);
            let _ = poller.modify(&c.stream, interest);
            return;
        }
    }
}

/// The length of the whole HTTP response at the start of `r` (head and `content-length` bytes of
/// body), once its head is complete.
fn http_response_len(r: &[u8]) -> Option<usize> {
    let head = r.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&r[..head]).ok()?;
    let body = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some(head + body)
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let mut last = None;
    // A server under valgrind takes seconds to start listening.
    for _ in 0..500 {
        match TcpStream::connect(addr) {
            Ok(s) => return Ok(s),
            Err(e) => {
                last = Some(e);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("connect failed")))
}
