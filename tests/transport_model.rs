//! The Protocol transport's write buffer and water marks against a model, under random sequences of
//! `write` / `writelines` / `set_write_buffer_limits` and reads by a slow peer (a 4 KiB receive
//! buffer, read only when the sequence says so).
//!
//! asyncio's rules (`selector_events._SelectorTransport`): `write` sends directly only when nothing is
//! buffered, else appends; after every `write` and `set_write_buffer_limits`, `_maybe_pause_protocol`
//! calls `pause_writing` when the buffer is above `high` and the protocol is not paused; after the
//! loop sends from the buffer, `_maybe_resume_protocol` calls `resume_writing` when the protocol is
//! paused and the buffer is at or below `low`.
//!
//! Checked at every step: every byte arrives in order; pause and resume alternate, pause first; each
//! pause is seen with the buffer above the high mark in force and each resume with it at or below the
//! low mark; whenever the buffer is above `high` the protocol has been paused (handle calls deliver
//! at once); while the test holds the loop the buffer only grows, by exactly what a write adds when
//! something was already buffered; `is_writing_paused` agrees with the calls the protocol got; once
//! the peer has read everything the buffer is empty and the protocol resumed.

use std::cell::RefCell;
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream as StdTcpStream};
use std::rc::Rc;

use proptest::prelude::*;
use tulip::net::{create_connection, Protocol, Transport};

/// What the protocol was told, with the buffer size and the marks at that moment.
#[derive(Debug, Clone, Copy)]
struct Call {
    pause: bool,
    size: usize,
    low: usize,
    high: usize,
}

#[derive(Default)]
struct Recorder {
    t: Option<Transport>,
    calls: Rc<RefCell<Vec<Call>>>,
}

impl Recorder {
    fn record(&mut self, pause: bool) {
        let t = self.t.as_ref().expect("connection_made came first");
        let (low, high) = t.get_write_buffer_limits();
        self.calls.borrow_mut().push(Call {
            pause,
            size: t.get_write_buffer_size(),
            low,
            high,
        });
    }
}

impl Protocol for Recorder {
    fn connection_made(&mut self, t: Transport) {
        self.t = Some(t);
    }
    fn pause_writing(&mut self) {
        self.record(true);
    }
    fn resume_writing(&mut self) {
        self.record(false);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write(usize),
    Writelines(Vec<usize>),
    /// `set_write_buffer_limits(high, low)`, `None` for asyncio's defaults.
    Limits(Option<usize>, Option<usize>),
    /// The peer reads up to this many bytes (what is there), then the loop runs a few iterations.
    PeerRead(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let size = prop_oneof![0usize..64, 0usize..4096, 0usize..96 * 1024];
    let mark = prop_oneof![
        Just(None),
        Just(Some(0)),
        (0usize..512).prop_map(Some),
        (0usize..64 * 1024).prop_map(Some),
    ];
    prop_oneof![
        3 => size.clone().prop_map(Op::Write),
        1 => prop::collection::vec(size, 0..4).prop_map(Op::Writelines),
        1 => (mark.clone(), mark).prop_map(|(h, l)| Op::Limits(h, l)),
        3 => (0usize..128 * 1024).prop_map(Op::PeerRead),
    ]
}

/// Byte `i` of the stream the test writes.
fn byte(i: usize) -> u8 {
    (i % 251) as u8 ^ (i / 251) as u8
}

/// The model and the observations.
struct Model {
    t: Transport,
    calls: Rc<RefCell<Vec<Call>>>,
    /// Calls already checked.
    seen: usize,
    paused: bool,
    written: usize,
    peer: StdTcpStream,
    received: Vec<u8>,
    /// The marks in force, as the model computes them.
    low: usize,
    high: usize,
    /// `set_write_buffer_limits` ran while paused: asyncio resumes only after its next send, so
    /// the buffer may sit at or below the new low mark until then.
    marks_moved_while_paused: bool,
}

impl Model {
    /// Checks the calls made since the last check, then the state now.
    fn check(&mut self) -> Result<(), TestCaseError> {
        let calls = self.calls.borrow().clone();
        for c in &calls[self.seen..] {
            prop_assert_ne!(
                c.pause,
                self.paused,
                "two {:?} in a row: {:?}",
                c.pause,
                calls
            );
            if c.pause {
                prop_assert!(
                    c.size > c.high,
                    "pause_writing at {} <= high {}",
                    c.size,
                    c.high
                );
            } else {
                prop_assert!(
                    c.size <= c.low,
                    "resume_writing at {} > low {}",
                    c.size,
                    c.low
                );
            }
            self.paused = c.pause;
            self.marks_moved_while_paused = false;
        }
        self.seen = calls.len();
        let size = self.t.get_write_buffer_size();
        prop_assert_eq!(self.t.is_writing_paused(), self.paused);
        prop_assert_eq!(self.t.get_write_buffer_limits(), (self.low, self.high));
        if size > self.high {
            prop_assert!(
                self.paused,
                "buffer {} above high {} but not paused",
                size,
                self.high
            );
        }
        // Paused, the buffer stays above low: every send that brings it to low resumes.
        if self.paused && !self.marks_moved_while_paused {
            prop_assert!(
                size > self.low,
                "buffer {} at or below low {} but still paused",
                size,
                self.low
            );
        }
        // What is not in the peer's hands is in the kernel or the buffer.
        prop_assert!(size <= self.written - self.received.len());
        Ok(())
    }

    fn write(&mut self, n: usize) -> Result<(), TestCaseError> {
        let before = self.t.get_write_buffer_size();
        let data: Vec<u8> = (self.written..self.written + n).map(byte).collect();
        self.t
            .write(&data)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        self.written += n;
        let after = self.t.get_write_buffer_size();
        if before > 0 {
            // Something was buffered: no direct send, the bytes are appended.
            prop_assert_eq!(after, before + n);
        } else {
            prop_assert!(after <= n);
        }
        self.check()
    }

    fn writelines(&mut self, ns: &[usize]) -> Result<(), TestCaseError> {
        let before = self.t.get_write_buffer_size();
        let bufs: Vec<Vec<u8>> = ns
            .iter()
            .scan(self.written, |at, &n| {
                let b: Vec<u8> = (*at..*at + n).map(byte).collect();
                *at += n;
                Some(b)
            })
            .collect();
        self.t
            .writelines(&bufs)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let total: usize = ns.iter().sum();
        self.written += total;
        let after = self.t.get_write_buffer_size();
        if before > 0 {
            prop_assert_eq!(after, before + total);
        } else {
            prop_assert!(after <= total);
        }
        self.check()
    }

    fn limits(&mut self, high: Option<usize>, low: Option<usize>) -> Result<(), TestCaseError> {
        // asyncio's `_set_write_buffer_limits`.
        let h = high.unwrap_or_else(|| low.map_or(64 * 1024, |l| l * 4));
        let l = low.unwrap_or(h / 4);
        let before = self.t.get_write_buffer_size();
        let res = self.t.set_write_buffer_limits(high, low);
        self.marks_moved_while_paused |= self.paused;
        if h < l {
            prop_assert_eq!(res.map_err(|e| e.kind()), Err(ErrorKind::InvalidInput));
        } else {
            prop_assert!(res.is_ok());
            self.high = h;
            self.low = l;
        }
        prop_assert_eq!(self.t.get_write_buffer_size(), before);
        self.check()
    }

    /// The peer reads what is there, up to `n` bytes.
    fn peer_read(&mut self, n: usize) -> Result<(), TestCaseError> {
        let mut buf = vec![0u8; n.min(64 * 1024)];
        let mut left = n;
        while left > 0 {
            let want = left.min(buf.len());
            match self.peer.read(&mut buf[..want]) {
                Ok(0) => return Err(TestCaseError::fail("peer saw EOF")),
                Ok(k) => {
                    self.received.extend_from_slice(&buf[..k]);
                    left -= k;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            }
        }
        Ok(())
    }

    /// Lets the loop run (the connection's task flushes), checking after each iteration.
    async fn spin(&mut self, iterations: usize) -> Result<(), TestCaseError> {
        for _ in 0..iterations {
            tulip::yield_now().await;
            self.check()?;
        }
        Ok(())
    }
}

/// Gives the transport's socket a small send buffer (no autotuning), so that the kernel takes little
/// and the transport's own buffer and water marks are what the sequence exercises. The transport
/// does not lend its socket: it is found among this process's descriptors by its two addresses.
fn shrink_send_buffer(t: &Transport) {
    let (local, peer) = (t.local_addr().unwrap(), t.peer_addr().unwrap());
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|l| l.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // SAFETY: `fd` is a socket open in this process (listed just now) and stays open while this
        // borrow lives: only the test thread opens or closes descriptors, and it is here.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&fd);
        let addrs = (sock.local_addr(), sock.peer_addr());
        if let (Ok(l), Ok(p)) = addrs {
            if l.as_socket() == Some(local) && p.as_socket() == Some(peer) {
                sock.set_send_buffer_size(4096).unwrap();
                return;
            }
        }
    }
    panic!("the transport's socket {local} -> {peer} not found");
}

async fn run_case(ops: Vec<Op>) -> Result<(), TestCaseError> {
    // A slow peer: a small receive buffer (set on the listener, so the accepted socket has it from
    // the handshake on), read only when the sequence says so.
    //
    // And a small MSS, advertised in the listener's SYN-ACK. Without it Linux can stall the bytes in
    // the kernel, not in the transport: the sender clamps its MSS to half the largest window it saw
    // (2048 here), while the receiver rounds its window down to a multiple of the segment size it
    // receives (1894 once), so a window below one MSS never grows and only the persist timer's probes,
    // backing off from 200 ms, move data (seen with `ss -tnoi`: transport buffer 0, the sender's
    // Send-Q 6298 bytes `notsent`, snd_wnd 1894, timer:persist; the peer's Recv-Q 0).
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .and_then(|s| {
            s.set_recv_buffer_size(4096)?;
            s.set_mss(536)?;
            s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())?;
            s.listen(1)?;
            Ok(TcpListener::from(s))
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let addr = listener.local_addr().unwrap();
    let calls = Rc::new(RefCell::new(Vec::new()));
    let c = calls.clone();
    let (t, _p) = create_connection(move || Recorder { t: None, calls: c }, addr)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (peer, _) = listener.accept().unwrap();
    peer.set_nonblocking(true).unwrap();
    shrink_send_buffer(&t);
    let mut m = Model {
        t,
        calls,
        seen: 0,
        paused: false,
        written: 0,
        peer,
        received: Vec::new(),
        low: 16 * 1024,
        high: 64 * 1024,
        marks_moved_while_paused: false,
    };
    m.check()?;
    for op in ops {
        match op {
            Op::Write(n) => m.write(n)?,
            Op::Writelines(ns) => m.writelines(&ns)?,
            Op::Limits(h, l) => m.limits(h, l)?,
            Op::PeerRead(n) => {
                m.peer_read(n)?;
                m.spin(3).await?;
            }
        }
    }
    // Drain: the peer reads everything (bounded, so a lost byte fails instead of hanging).
    let mut rounds = 0;
    while m.received.len() < m.written {
        rounds += 1;
        prop_assert!(
            rounds < 200_000,
            "stuck at {} of {} bytes, buffer {}",
            m.received.len(),
            m.written,
            m.t.get_write_buffer_size()
        );
        m.peer_read(usize::MAX)?;
        m.spin(1).await?;
    }
    m.spin(3).await?;
    prop_assert_eq!(m.t.get_write_buffer_size(), 0);
    prop_assert!(
        !m.paused,
        "drained but still paused: {:?}",
        m.calls.borrow()
    );
    prop_assert_eq!(m.received.len(), m.written);
    for (i, &b) in m.received.iter().enumerate() {
        prop_assert_eq!(b, byte(i), "byte {} out of order", i);
    }
    m.t.abort();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn write_buffer_and_water_marks_follow_the_model(ops in prop::collection::vec(op(), 1..40)) {
        tulip::run(run_case(ops))?;
    }
}

/// The water-mark edges with a peer that never reads: pause exactly on going above `high` (not at
/// `high`), and no second pause while paused.
#[test]
fn pause_fires_above_high_not_at_it_and_only_once() {
    tulip::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let calls = Rc::new(RefCell::new(Vec::new()));
        let c = calls.clone();
        let (t, _p) = create_connection(
            move || Recorder { t: None, calls: c },
            listener.local_addr().unwrap(),
        )
        .await
        .unwrap();
        let _peer = listener.accept().unwrap();
        // Fill the kernel (with marks too high to pause): write until something stays buffered.
        t.set_write_buffer_limits(Some(usize::MAX / 8), Some(0))
            .unwrap();
        while t.get_write_buffer_size() == 0 {
            t.write(&[7u8; 64 * 1024]).unwrap();
        }
        let size = t.get_write_buffer_size();
        // High just above the buffer: no pause.
        t.set_write_buffer_limits(Some(size + 10), Some(0)).unwrap();
        assert!(calls.borrow().is_empty(), "{:?}", calls.borrow());
        // Exactly at high: not above, no pause.
        t.write(&[7u8; 10]).unwrap();
        assert_eq!(t.get_write_buffer_size(), size + 10);
        assert!(calls.borrow().is_empty(), "{:?}", calls.borrow());
        // One byte more: above, pause.
        t.write(&[7u8; 1]).unwrap();
        assert_eq!(calls.borrow().len(), 1);
        assert!(calls.borrow()[0].pause && t.is_writing_paused());
        // Further writes and a lower mark while paused: no second pause.
        t.write(&[7u8; 100]).unwrap();
        t.set_write_buffer_limits(Some(1), Some(0)).unwrap();
        // A higher mark while paused does not resume (asyncio resumes only after sending).
        t.set_write_buffer_limits(Some(usize::MAX / 8), None)
            .unwrap();
        assert_eq!(calls.borrow().len(), 1, "{:?}", calls.borrow());
        assert!(t.is_writing_paused());
        t.abort();
    });
}
