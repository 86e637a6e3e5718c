//! Write-side flow control: a slow reader makes the transport's buffer cross the high-water mark,
//! `pause_writing` fires and the buffered bytes stay bounded; draining to the low mark fires
//! `resume_writing`. Read-side: `pause_reading` stops `data_received` until `resume_reading`.

mod support;

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{create_connection, create_server, Protocol, TcpStream, Transport};

use support::net::run;
use support::protocol::until;

/// What the producer saw.
#[derive(Default, Debug)]
struct Stats {
    pauses: Cell<usize>,
    resumes: Cell<usize>,
    /// The largest write-buffer size observed after a write.
    max_buffered: Cell<usize>,
    /// Buffer size when `pause_writing` / `resume_writing` ran.
    at_pause: Cell<usize>,
    at_resume: Cell<usize>,
    sent: Cell<usize>,
}

const CHUNK: usize = 16 * 1024;
const TOTAL: usize = 8 * 1024 * 1024;

/// The byte at offset `i` of the produced stream.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// Writes `TOTAL` patterned bytes, `CHUNK` at a time, whenever it is not paused.
///
/// ```python
/// class Producer(asyncio.Protocol):
///     def connection_made(self, transport):
///         self.transport, self.paused = transport, False
///         self.produce()
///     def produce(self):
///         while not self.paused and self.sent < TOTAL:
///             self.transport.write(next_chunk())
///         if self.sent == TOTAL:
///             self.transport.close()
///     def pause_writing(self):  self.paused = True
///     def resume_writing(self): self.paused = False; self.produce()
/// ```
///
/// Inside its own method a Rust protocol cannot be re-entered with `pause_writing`, so the loop checks
/// `transport.is_writing_paused()` as well.
struct Producer {
    t: Option<Transport>,
    paused: bool,
    stats: Rc<Stats>,
}

impl Producer {
    fn produce(&mut self) {
        let t = self.t.as_ref().unwrap();
        while !self.paused && !t.is_writing_paused() && self.stats.sent.get() < TOTAL {
            let start = self.stats.sent.get();
            let chunk: Vec<u8> = (start..start + CHUNK).map(pattern).collect();
            t.write(&chunk).unwrap();
            self.stats.sent.set(start + CHUNK);
            let b = t.get_write_buffer_size();
            self.stats
                .max_buffered
                .set(self.stats.max_buffered.get().max(b));
        }
        if self.stats.sent.get() == TOTAL {
            t.close();
        }
    }
}

impl Protocol for Producer {
    fn connection_made(&mut self, t: Transport) {
        self.t = Some(t);
        self.produce();
    }

    fn pause_writing(&mut self) {
        assert!(!self.paused, "pause_writing twice in a row");
        self.paused = true;
        self.stats.pauses.set(self.stats.pauses.get() + 1);
        self.stats
            .at_pause
            .set(self.t.as_ref().unwrap().get_write_buffer_size());
    }

    fn resume_writing(&mut self) {
        assert!(self.paused, "resume_writing without pause_writing");
        self.paused = false;
        self.stats.resumes.set(self.stats.resumes.get() + 1);
        self.stats
            .at_resume
            .set(self.t.as_ref().unwrap().get_write_buffer_size());
        self.produce();
    }
}

#[test]
fn slow_reader_pauses_the_producer_and_bounds_the_buffer() {
    run(async {
        let stats = Rc::new(Stats::default());
        let s = stats.clone();
        let server = create_server(
            move || Producer {
                t: None,
                paused: false,
                stats: s.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        // Not reading yet: the socket buffers fill, then the transport's buffer, then the producer
        // is paused.
        until("pause_writing", || stats.pauses.get() == 1).await;
        let high = 64 * 1024;
        assert!(stats.at_pause.get() > high);
        assert!(
            stats.max_buffered.get() <= high + CHUNK,
            "buffered {} with a {high} high-water mark",
            stats.max_buffered.get()
        );
        assert!(stats.sent.get() < TOTAL);

        // Now a slow reader: small reads with pauses; check every byte.
        let mut buf = vec![0u8; 4096];
        let mut got = 0usize;
        let mut slow_reads = 0;
        loop {
            let n = client.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            for (k, &b) in buf[..n].iter().enumerate() {
                assert_eq!(b, pattern(got + k), "byte {} differs", got + k);
            }
            got += n;
            if slow_reads < 20 {
                slow_reads += 1;
                tulip::time::sleep(Duration::from_millis(1)).await;
            }
        }
        assert_eq!(got, TOTAL);
        assert!(stats.resumes.get() >= 1);
        assert!(
            stats.at_resume.get() <= 16 * 1024,
            "resumed above the low mark"
        );
        assert!(
            stats.max_buffered.get() <= high + CHUNK,
            "buffered {} with a {high} high-water mark",
            stats.max_buffered.get()
        );
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// A protocol that only records flow-control calls.
#[derive(Default)]
struct Flow {
    pauses: Rc<Cell<usize>>,
    resumes: Rc<Cell<usize>>,
}

impl Protocol for Flow {
    fn pause_writing(&mut self) {
        self.pauses.set(self.pauses.get() + 1);
    }
    fn resume_writing(&mut self) {
        self.resumes.set(self.resumes.get() + 1);
    }
}

/// Written from outside the protocol (another task), `pause_writing` is called from inside `write`,
/// as asyncio does:
///
/// ```python
/// transport.set_write_buffer_limits(high=1024)
/// transport.write(b"x" * 10_000_000)
/// assert protocol.paused            # already, synchronously
/// ```
#[test]
fn pause_writing_is_synchronous_for_writes_from_outside() {
    run(async {
        let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let pauses = Rc::new(Cell::new(0));
        let resumes = Rc::new(Cell::new(0));
        let (p, r) = (pauses.clone(), resumes.clone());
        let (t, _proto) = create_connection(
            move || Flow {
                pauses: p,
                resumes: r,
            },
            addr,
        )
        .await?;
        let (peer, _) = listener.accept().await?;
        t.set_write_buffer_limits(Some(1024), None)?;
        assert_eq!(t.get_write_buffer_limits(), (256, 1024));
        t.write(&vec![7u8; 10_000_000])?;
        assert!(t.get_write_buffer_size() > 1024);
        assert_eq!(pauses.get(), 1, "pause_writing runs inside write()");
        assert!(t.is_writing_paused());
        t.write(b"more")?;
        assert_eq!(pauses.get(), 1, "no second pause while paused");

        // Read it all: the buffer drains, resume_writing fires once.
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0;
        while got < 10_000_004 {
            got += peer.read(&mut buf).await?;
        }
        until("resume_writing", || resumes.get() == 1).await;
        assert!(!t.is_writing_paused());
        assert_eq!(t.get_write_buffer_size(), 0);
        t.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport.write(b"x" * 1_000_000)        # mostly buffered, under the default 64 KiB? no: above
/// transport.set_write_buffer_limits(high=2**30)   # raising the mark does not resume by itself
/// transport.set_write_buffer_limits(high=16)      # lowering it below the buffer pauses
/// ```
#[test]
fn lowering_the_high_mark_pauses() {
    run(async {
        let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await?;
        let pauses = Rc::new(Cell::new(0));
        let p = pauses.clone();
        let (t, _proto) = create_connection(
            move || Flow {
                pauses: p,
                ..Flow::default()
            },
            listener.local_addr()?,
        )
        .await?;
        let (_peer, _) = listener.accept().await?;
        t.set_write_buffer_limits(Some(1 << 30), None)?;
        t.write(&vec![1u8; 10_000_000])?;
        assert_eq!(pauses.get(), 0);
        assert!(t.get_write_buffer_size() > 16);
        t.set_write_buffer_limits(Some(16), None)?;
        assert_eq!(pauses.get(), 1);
        let err = t.set_write_buffer_limits(Some(1), Some(2)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        t.abort();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// def connection_made(self, transport):
///     transport.pause_reading()        # no data_received until resume_reading()
/// ```
#[test]
fn pause_reading_holds_data_received_until_resume() {
    run(async {
        struct Paused {
            got: Rc<RefCell<Vec<u8>>>,
            t: Rc<RefCell<Option<Transport>>>,
        }
        impl Protocol for Paused {
            fn connection_made(&mut self, t: Transport) {
                t.pause_reading();
                assert!(!t.is_reading());
                t.pause_reading(); // harmless
                *self.t.borrow_mut() = Some(t);
            }
            fn data_received(&mut self, data: &[u8]) {
                self.got.borrow_mut().extend_from_slice(data);
            }
        }
        let got = Rc::new(RefCell::new(Vec::new()));
        let transport = Rc::new(RefCell::new(None));
        let (g, tr) = (got.clone(), transport.clone());
        let server = create_server(
            move || Paused {
                got: g.clone(),
                t: tr.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        client.write_all(b"held back").await?;
        until("connection_made", || transport.borrow().is_some()).await;
        tulip::time::sleep(Duration::from_millis(20)).await;
        assert!(got.borrow().is_empty(), "read while paused");
        let t = transport.borrow().clone().unwrap();
        t.resume_reading();
        assert!(t.is_reading());
        until("data_received", || got.borrow().as_slice() == b"held back").await;
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}
