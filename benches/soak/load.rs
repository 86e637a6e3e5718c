//! The soak's client: C connections on one raw epoll loop (the `polling` crate), each living one
//! "life" after another, every byte it gets back verified against what it sent.
//!
//! A life is one of:
//! - **normal** (70%): sends 1 KiB..256 KiB (at most 64 KiB ahead of what came back), reads the echo,
//!   then half-closes, reads the server's EOF, closes and reconnects;
//! - **reset** (25%): like normal, but part-way through the echo sets `SO_LINGER` 0 and closes, so the
//!   server sees a reset (ECONNRESET) with data still in flight both ways, then reconnects;
//! - **slow reader** (5%): with a 4 KiB receive buffer, sends 512 KiB..2 MiB up to 1 MiB ahead but reads
//!   only 16 KiB per 100 ms tick, so the server's write buffer fills and its flow control
//!   (pause/resume) runs, then finishes as normal.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use polling::{Event, Events, Poller};

/// What the load did, counted over the whole run.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counts {
    pub(crate) bytes_verified: u64,
    pub(crate) lives_done: u64,
    pub(crate) resets: u64,
    pub(crate) slow_lives: u64,
    /// A byte that differed from what was sent (or arrived out of order).
    pub(crate) corrupt: u64,
    /// A normal or slow life ended early: EOF or error before every byte came back.
    pub(crate) lost: u64,
    /// Connections that could not be made (after retries).
    pub(crate) connect_failures: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Normal,
    Reset,
    Slow,
}

struct Conn {
    stream: TcpStream,
    kind: Kind,
    /// Distinguishes this life's bytes from any other life's.
    life: u64,
    total: u64,
    sent: u64,
    recvd: u64,
    /// Reset once this many bytes came back (`Kind::Reset`).
    reset_at: u64,
    /// Bytes a slow reader may still read this tick.
    budget: u64,
    shut: bool,
}

/// Tiny xorshift generator: the load's choices, reproducible from the seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// Connects to `addr`. A slow reader's socket gets a small receive buffer (set before connecting, so
/// the advertised window stays small): otherwise loopback's autotuned kernel buffers would absorb a
/// whole life's echo and the server's own write buffer and flow control would never be reached.
fn connect(addr: SocketAddr, small_window: bool) -> io::Result<TcpStream> {
    use rustix::net::{sockopt, AddressFamily, SocketType};
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let fd = rustix::net::socket(family, SocketType::STREAM, None)?;
    if small_window {
        sockopt::set_socket_recv_buffer_size(&fd, 4096)?;
    }
    rustix::net::connect(&fd, &addr)?;
    Ok(TcpStream::from(fd))
}

/// Byte `pos` of life `life`'s stream.
fn byte(life: u64, pos: u64) -> u8 {
    let mut x = life
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(pos / 8);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> (8 * (pos % 8))) as u8
}

const TICK: Duration = Duration::from_millis(100);
const SLOW_PER_TICK: u64 = 16 * 1024;

/// The client: runs lives on `conns` connections to `addr`.
pub(crate) struct Load {
    addr: SocketAddr,
    poller: Poller,
    conns: Vec<Option<Conn>>,
    rng: Rng,
    next_life: u64,
    buf: Vec<u8>,
    pub(crate) counts: Counts,
}

impl Load {
    /// Opens `conns` connections (one after another, as the servers accept them).
    pub(crate) fn connect(addr: SocketAddr, conns: usize, seed: u64) -> io::Result<Load> {
        let mut load = Load {
            addr,
            poller: Poller::new()?,
            conns: Vec::with_capacity(conns),
            rng: Rng::new(seed),
            next_life: 1,
            buf: vec![0; 64 * 1024],
            counts: Counts::default(),
        };
        for key in 0..conns {
            load.conns.push(None);
            load.start_life(key);
        }
        Ok(load)
    }

    /// Open connections (those between lives are not counted).
    pub(crate) fn open(&self) -> usize {
        self.conns.iter().filter(|c| c.is_some()).count()
    }

    fn start_life(&mut self, key: usize) {
        let kind = match self.rng.range(0, 20) {
            0..=13 => Kind::Normal,
            14..=18 => Kind::Reset,
            _ => Kind::Slow,
        };
        let total = match kind {
            Kind::Slow => self.rng.range(512 * 1024, 2048 * 1024),
            _ => self.rng.range(1024, 256 * 1024),
        };
        let mut stream = None;
        for _ in 0..50 {
            match connect(self.addr, kind == Kind::Slow) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let Some(stream) = stream else {
            self.counts.connect_failures += 1;
            return;
        };
        if stream.set_nonblocking(true).is_err() {
            self.counts.connect_failures += 1;
            return;
        }
        let reset_at = self.rng.range(0, total);
        let life = self.next_life;
        self.next_life += 1;
        // SAFETY: every stream is deleted from the poller before it is dropped (`end_life`, `close_all`).
        if unsafe { self.poller.add(&stream, Event::all(key)) }.is_err() {
            self.counts.connect_failures += 1;
            return;
        }
        self.conns[key] = Some(Conn {
            stream,
            kind,
            life,
            total,
            sent: 0,
            recvd: 0,
            reset_at,
            budget: SLOW_PER_TICK,
            shut: false,
        });
    }

    fn end_life(&mut self, key: usize, reset: bool) {
        if let Some(c) = self.conns[key].take() {
            let _ = self.poller.delete(&c.stream);
            if reset {
                let _ =
                    rustix::net::sockopt::set_socket_linger(c.stream.as_fd(), Some(Duration::ZERO));
            }
        }
    }

    /// Runs the lives until `until`, calling `each_second` once a second.
    pub(crate) fn run(
        &mut self,
        until: Instant,
        mut each_second: impl FnMut(&Load),
    ) -> io::Result<()> {
        let mut events = Events::new();
        let mut next_tick = Instant::now() + TICK;
        let mut next_second = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            events.clear();
            self.poller.wait(&mut events, Some(TICK))?;
            let keys: Vec<usize> = events.iter().map(|e| e.key).collect();
            for key in keys {
                self.advance(key);
            }
            let now = Instant::now();
            if now >= next_tick {
                next_tick = now + TICK;
                for key in 0..self.conns.len() {
                    match &mut self.conns[key] {
                        Some(c) if c.kind == Kind::Slow => {
                            c.budget = SLOW_PER_TICK;
                            self.advance(key);
                        }
                        // A connection whose reconnect failed gets another try each tick.
                        None => self.start_life(key),
                        _ => {}
                    }
                }
            }
            if now >= next_second {
                next_second = now + Duration::from_secs(1);
                each_second(self);
            }
        }
        Ok(())
    }

    /// Moves one connection as far as it goes without blocking, then re-arms it.
    fn advance(&mut self, key: usize) {
        let Some(c) = self.conns[key].as_mut() else {
            return;
        };
        let window = if c.kind == Kind::Slow {
            1 << 20
        } else {
            64 * 1024
        };
        // Write what the window allows.
        while c.sent < c.total && c.sent - c.recvd < window {
            let n = (c.total - c.sent)
                .min(window - (c.sent - c.recvd))
                .min(self.buf.len() as u64);
            for (i, b) in self.buf[..n as usize].iter_mut().enumerate() {
                *b = byte(c.life, c.sent + i as u64);
            }
            match c.stream.write(&self.buf[..n as usize]) {
                Ok(w) => c.sent += w as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return self.failed(key),
            }
        }
        // Read what came back (a slow reader: what its budget allows), verifying every byte.
        loop {
            let mut want = self.buf.len() as u64;
            if c.kind == Kind::Slow {
                want = want.min(c.budget);
                if want == 0 {
                    break;
                }
            }
            match c.stream.read(&mut self.buf[..want as usize]) {
                Ok(0) => {
                    // EOF: right only once everything came back.
                    let complete = c.recvd == c.total;
                    self.counts.lives_done += 1;
                    if c.kind == Kind::Slow {
                        self.counts.slow_lives += 1;
                    }
                    if !complete {
                        self.counts.lost += 1;
                    }
                    self.end_life(key, false);
                    return self.start_life(key);
                }
                Ok(n) => {
                    for (i, &b) in self.buf[..n].iter().enumerate() {
                        if c.recvd + i as u64 >= c.total || b != byte(c.life, c.recvd + i as u64) {
                            self.counts.corrupt += 1;
                            self.end_life(key, true);
                            return self.start_life(key);
                        }
                    }
                    c.recvd += n as u64;
                    self.counts.bytes_verified += n as u64;
                    if c.kind == Kind::Slow {
                        c.budget -= n as u64;
                    }
                    if c.kind == Kind::Reset && c.recvd >= c.reset_at {
                        self.counts.resets += 1;
                        self.counts.lives_done += 1;
                        self.end_life(key, true);
                        return self.start_life(key);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return self.failed(key),
            }
        }
        // Everything came back: half-close; the server's EOF ends the life.
        if c.recvd == c.total && !c.shut {
            c.shut = true;
            if c.stream.shutdown(Shutdown::Write).is_err() {
                return self.failed(key);
            }
        }
        let _ = self.poller.modify(&c.stream, Event::all(key));
    }

    /// An I/O error on a connection: a loss unless it was about to reset anyway.
    fn failed(&mut self, key: usize) {
        if let Some(c) = &self.conns[key] {
            if c.kind != Kind::Reset {
                self.counts.lost += 1;
            }
        }
        self.end_life(key, true);
        self.start_life(key);
    }

    /// Closes every connection (an ordinary close, no reset).
    pub(crate) fn close_all(&mut self) {
        for key in 0..self.conns.len() {
            self.end_life(key, false);
        }
    }
}
