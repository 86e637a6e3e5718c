//! A closed-loop echo load generator on a raw epoll loop (the `polling` crate), single-threaded so it
//! can be pinned to one core while the server runs on the other.
//!
//! Each of C connections sends an S-byte message, waits for all S bytes to come back (verifying every
//! byte), and sends the next. Reports requests/s, MiB/s (one direction), latency percentiles, errors, and
//! the server's CPU time per request (read from `/proc/<pid>/stat` before and after).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use polling::{Event, Events, Poller};

/// Load parameters.
pub(crate) struct Load {
    pub(crate) addr: SocketAddr,
    pub(crate) conns: usize,
    pub(crate) size: usize,
    pub(crate) warmup: Duration,
    pub(crate) duration: Duration,
    pub(crate) server_pid: Option<u32>,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) req_per_sec: f64,
    pub(crate) mib_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub(crate) errors: u64,
    /// Server CPU seconds (user + system) per request, in microseconds.
    pub(crate) server_cpu_us_per_req: Option<f64>,
}

struct Conn {
    stream: TcpStream,
    /// Bytes of the current message written so far.
    written: usize,
    /// Bytes of the current echo read so far.
    read: usize,
    /// Sequence number mixed into the payload so stale or misplaced bytes are caught.
    seq: u64,
    sent_at: Instant,
    dead: bool,
}

fn payload_byte(conn: usize, seq: u64, i: usize) -> u8 {
    (conn as u64)
        .wrapping_mul(31)
        .wrapping_add(seq.wrapping_mul(17))
        .wrapping_add(i as u64) as u8
}

/// Log-linear latency histogram: 1 µs resolution below 1 ms, ~1% above.
struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            counts: vec![0; 64 * 128],
            total: 0,
        }
    }
    fn bucket(us: u64) -> usize {
        if us < 128 {
            return us as usize;
        }
        let lz = 63 - us.leading_zeros() as usize; // >= 7
        let shift = lz - 6;
        let mantissa = (us >> shift) as usize & 63;
        (lz - 6) * 64 + 64 + mantissa
    }
    fn lower_bound(b: usize) -> f64 {
        if b < 128 {
            return b as f64;
        }
        let e = (b - 64) / 64;
        let m = (b - 64) % 64;
        ((64 + m) as f64) * f64::powi(2.0, e as i32)
    }
    fn record(&mut self, d: Duration) {
        let b = Self::bucket(d.as_micros() as u64).min(self.counts.len() - 1);
        self.counts[b] += 1;
        self.total += 1;
    }
    fn percentile(&self, p: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let target = ((self.total as f64) * p).ceil() as u64;
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                return Self::lower_bound(b);
            }
        }
        Self::lower_bound(self.counts.len() - 1)
    }
}

/// Server CPU time (user + system) in seconds, from `/proc/<pid>/stat`.
pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // /proc reports clock ticks: USER_HZ, which is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// Runs the load and returns what it measured.
pub(crate) fn run(load: &Load) -> io::Result<Report> {
    let poller = Poller::new()?;
    let mut conns = Vec::with_capacity(load.conns);
    for i in 0..load.conns {
        let stream = connect_retry(load.addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        // SAFETY: each stream is deleted from the poller before it is dropped (end of this function).
        unsafe { poller.add(&stream, Event::writable(i))? };
        conns.push(Conn {
            stream,
            written: 0,
            read: 0,
            seq: 0,
            sent_at: Instant::now(),
            dead: false,
        });
    }
    let mut events = Events::new();
    let mut buf = vec![0u8; load.size.max(65536)];
    let mut hist = Histogram::new();
    let mut requests = 0u64;
    let mut errors = 0u64;
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let mut measuring = false;
    let mut cpu_start = None;
    let mut measured_requests = 0u64;
    let mut ready: VecDeque<usize> = (0..load.conns).collect();
    loop {
        let now = Instant::now();
        if !measuring && now >= measure_from {
            measuring = true;
            measured_requests = 0;
            hist = Histogram::new();
            cpu_start = load.server_pid.and_then(cpu_seconds);
        }
        if now >= end {
            break;
        }
        while let Some(i) = ready.pop_front() {
            drive(
                &poller,
                &mut conns[i],
                i,
                load.size,
                &mut buf,
                &mut hist,
                &mut requests,
                &mut measured_requests,
                &mut errors,
                measuring,
            );
        }
        events.clear();
        poller.wait(&mut events, Some(Duration::from_millis(50)))?;
        for ev in events.iter() {
            ready.push_back(ev.key);
        }
        if conns.iter().all(|c| c.dead) {
            break;
        }
    }
    let secs = load.duration.as_secs_f64();
    let cpu = match (cpu_start, load.server_pid.and_then(cpu_seconds)) {
        (Some(a), Some(b)) if measured_requests > 0 => {
            Some((b - a) * 1e6 / measured_requests as f64)
        }
        _ => None,
    };
    for c in &conns {
        let _ = poller.delete(&c.stream);
    }
    Ok(Report {
        req_per_sec: measured_requests as f64 / secs,
        mib_per_sec: measured_requests as f64 * load.size as f64 / secs / (1024.0 * 1024.0),
        p50_us: hist.percentile(0.50),
        p99_us: hist.percentile(0.99),
        errors,
        server_cpu_us_per_req: cpu,
    })
}

fn connect_retry(addr: SocketAddr) -> io::Result<TcpStream> {
    let mut last = None;
    for _ in 0..50 {
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

/// Advances one connection as far as it goes without blocking, then re-arms it.
#[allow(clippy::too_many_arguments)]
fn drive(
    poller: &Poller,
    c: &mut Conn,
    i: usize,
    size: usize,
    buf: &mut [u8],
    hist: &mut Histogram,
    requests: &mut u64,
    measured: &mut u64,
    errors: &mut u64,
    measuring: bool,
) {
    if c.dead {
        return;
    }
    loop {
        let mut progress = false;
        if c.written < size {
            if c.written == 0 {
                c.sent_at = Instant::now();
            }
            let chunk = &mut buf[..size - c.written];
            for (k, b) in chunk.iter_mut().enumerate() {
                *b = payload_byte(i, c.seq, c.written + k);
            }
            match c.stream.write(chunk) {
                Ok(0) => return fail(c, errors),
                Ok(n) => {
                    c.written += n;
                    progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return fail(c, errors),
            }
        }
        if c.read < c.written {
            let want = c.written - c.read;
            match c.stream.read(&mut buf[..want]) {
                Ok(0) => return fail(c, errors),
                Ok(n) => {
                    for (k, &b) in buf[..n].iter().enumerate() {
                        if b != payload_byte(i, c.seq, c.read + k) {
                            return fail(c, errors);
                        }
                    }
                    c.read += n;
                    progress = true;
                    if c.read == size {
                        *requests += 1;
                        if measuring {
                            *measured += 1;
                            hist.record(c.sent_at.elapsed());
                        }
                        c.seq += 1;
                        c.read = 0;
                        c.written = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return fail(c, errors),
            }
        }
        if !progress {
            let interest = Event::new(i, c.read < c.written, c.written < size);
            let _ = poller.modify(&c.stream, interest);
            return;
        }
    }
}

fn fail(c: &mut Conn, errors: &mut u64) {
    *errors += 1;
    c.dead = true;
}
