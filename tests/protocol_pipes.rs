//! A Protocol over a pipe: `connect_read_pipe` delivers `data_received`, `eof_received` and
//! `connection_lost`; `connect_write_pipe` gives a write transport with the socket transports' buffer
//! and flow control, and reports the reader going away.

mod support;

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::rc::Rc;

use tulip::net::{connect_read_pipe, connect_write_pipe, Protocol, Transport};

use support::net::run;
use support::protocol::{assert_lost, data_of, merged, until, Event, Log, Recorder};

fn pipe() -> (OwnedFd, OwnedFd) {
    rustix::pipe::pipe().expect("pipe(2)")
}

/// ```python
/// transport, proto = await loop.connect_read_pipe(Recorder, reader)
/// # the writer writes, then closes: data_received..., eof_received, connection_lost(None)
/// ```
#[test]
fn read_pipe_delivers_data_then_eof_then_lost() {
    run(async {
        let (r, w) = pipe();
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let (transport, _p) = connect_read_pipe(Recorder::factory(&log), r)?;
        assert!(transport.peer_addr().is_err());
        assert!(!transport.can_write_eof());
        let writer = std::thread::spawn(move || {
            let mut w = File::from(w);
            for i in 0..100u8 {
                w.write_all(&[i; 1000]).unwrap();
            }
        });
        assert_lost(&log, None).await;
        writer.join().unwrap();
        let want: Vec<u8> = (0..100u8).flat_map(|i| [i; 1000]).collect();
        assert_eq!(
            merged(&log),
            vec![
                Event::Made,
                Event::Data(want),
                Event::Eof,
                Event::Lost(None)
            ]
        );
        io::Result::Ok(())
    })
    .unwrap();
}

/// `pause_reading` on a read pipe stops `data_received` until `resume_reading`.
#[test]
fn read_pipe_pauses_and_resumes() {
    run(async {
        let (r, w) = pipe();
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let (transport, _p) = connect_read_pipe(Recorder::factory(&log), r)?;
        transport.pause_reading();
        let mut w = File::from(w);
        w.write_all(b"held back")?;
        for _ in 0..20 {
            tulip::yield_now().await;
        }
        assert!(data_of(&log).is_empty());
        transport.resume_reading();
        until("the data", || data_of(&log) == b"held back").await;
        drop(w);
        assert_lost(&log, None).await;
        io::Result::Ok(())
    })
    .unwrap();
}

/// A producer that writes until told to pause, and records pauses and resumes.
struct Producer {
    t: Option<Transport>,
    left: usize,
    pauses: Rc<RefCell<Vec<bool>>>,
    lost: Rc<RefCell<Option<Option<io::ErrorKind>>>>,
}

impl Producer {
    fn produce(&mut self) {
        let t = self.t.as_ref().unwrap();
        while self.left > 0 && !t.is_writing_paused() {
            let n = self.left.min(16 * 1024);
            t.write(&vec![b'p'; n]).unwrap();
            self.left -= n;
        }
        if self.left == 0 {
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
        self.pauses.borrow_mut().push(true);
    }
    fn resume_writing(&mut self) {
        self.pauses.borrow_mut().push(false);
        self.produce();
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        *self.lost.borrow_mut() = Some(exc.map(|e| e.kind()));
    }
}

/// ```python
/// transport, proto = await loop.connect_write_pipe(Producer, writer)
/// # more than the pipe holds: pause_writing, then resume_writing as the reader drains it
/// ```
#[test]
fn write_pipe_applies_flow_control_and_closes() {
    const TOTAL: usize = 4 << 20;
    run(async {
        let (r, w) = pipe();
        let pauses = Rc::new(RefCell::new(Vec::new()));
        let lost = Rc::new(RefCell::new(None));
        let (p2, l2) = (pauses.clone(), lost.clone());
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            File::from(r).read_to_end(&mut all).unwrap();
            all
        });
        let (transport, _p) = connect_write_pipe(
            move || Producer {
                t: None,
                left: TOTAL,
                pauses: p2,
                lost: l2,
            },
            w,
        )?;
        assert!(transport.stream::<tulip::net::TcpStream>().is_none());
        until("connection_lost", || lost.borrow().is_some()).await;
        assert_eq!(*lost.borrow(), Some(None));
        let got = reader.join().unwrap();
        assert_eq!(got.len(), TOTAL);
        assert!(got.iter().all(|&b| b == b'p'));
        let pauses = pauses.borrow();
        assert!(!pauses.is_empty(), "4 MiB into a 64 KiB pipe never paused");
        // Paired, in order: pause, resume, pause, resume...
        assert!(pauses.iter().enumerate().all(|(i, &p)| p == (i % 2 == 0)));
        io::Result::Ok(())
    })
    .unwrap();
}

/// The reader closing its end ends a write pipe's connection (asyncio: `connection_lost`).
#[test]
fn write_pipe_sees_the_reader_go_away() {
    run(async {
        let (r, w) = pipe();
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let (transport, _p) = connect_write_pipe(Recorder::factory(&log), w)?;
        transport.write(b"unread")?;
        drop(r);
        until("connection_lost", || {
            log.borrow().iter().any(|e| matches!(e, Event::Lost(_)))
        })
        .await;
        assert!(transport.is_closing());
        assert_eq!(
            transport.write(b"late").unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        io::Result::Ok(())
    })
    .unwrap();
}

/// asyncio refuses regular files for pipe transports; so does tulip, with `InvalidInput`.
#[test]
fn a_regular_file_is_refused() {
    run(async {
        let file = File::open("Cargo.toml")?;
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let Err(err) = connect_read_pipe(Recorder::factory(&log), file) else {
            panic!("a regular file was accepted");
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(log.borrow().is_empty());
        io::Result::Ok(())
    })
    .unwrap();
}
