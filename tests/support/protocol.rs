//! Protocol test set-up: a `Protocol` that records its callbacks in order ([`Recorder`], [`Event`]),
//! queries over what it recorded, and [`until`], which waits for a condition on the loop.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{create_server, Protocol, Server, TcpStream, Transport};

/// Waits (yielding to the loop, a real-time guard against hangs) until `cond` holds.
pub(crate) async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if cond() {
            return;
        }
        tulip::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Reads `stream` until EOF and returns everything read.
pub(crate) async fn read_to_eof(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(got);
        }
        got.extend_from_slice(&buf[..n]);
    }
}

/// What a protocol saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Made,
    Data(Vec<u8>),
    Eof,
    Lost(Option<io::ErrorKind>),
}

pub(crate) type Log = Rc<RefCell<Vec<Event>>>;

pub(crate) fn lost_count(log: &Log) -> usize {
    log.borrow()
        .iter()
        .filter(|e| matches!(e, Event::Lost(_)))
        .count()
}

/// The bytes of every `Data` event, joined.
pub(crate) fn data_of(log: &Log) -> Vec<u8> {
    log.borrow()
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(d.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The events with consecutive `Data` merged, so chunking does not matter.
pub(crate) fn merged(log: &Log) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in log.borrow().iter() {
        match (out.last_mut(), e) {
            (Some(Event::Data(a)), Event::Data(b)) => a.extend_from_slice(b),
            _ => out.push(e.clone()),
        }
    }
    out
}

/// A protocol that records everything and reacts as configured.
pub(crate) struct Recorder {
    pub(crate) log: Log,
    pub(crate) transport: Option<Transport>,
    pub(crate) keep_open_on_eof: bool,
    /// Written back on EOF (when keeping the connection open), then closed.
    pub(crate) reply_on_eof: Option<&'static [u8]>,
    /// What `data_received` does besides recording.
    pub(crate) on_data: fn(&Transport, &[u8]),
}

impl Recorder {
    pub(crate) fn factory(log: &Log) -> impl FnMut() -> Recorder + 'static {
        let log = log.clone();
        move || Recorder {
            log: log.clone(),
            transport: None,
            keep_open_on_eof: false,
            reply_on_eof: None,
            on_data: |_, _| {},
        }
    }
}

impl Protocol for Recorder {
    fn connection_made(&mut self, transport: Transport) {
        assert!(self.transport.is_none(), "connection_made called twice");
        self.log.borrow_mut().push(Event::Made);
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.log.borrow_mut().push(Event::Data(data.to_vec()));
        (self.on_data)(self.transport.as_ref().unwrap(), data);
    }

    fn eof_received(&mut self) -> bool {
        self.log.borrow_mut().push(Event::Eof);
        if let Some(reply) = self.reply_on_eof {
            let t = self.transport.as_ref().unwrap();
            t.write(reply).unwrap();
            t.close();
        }
        self.keep_open_on_eof
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.log
            .borrow_mut()
            .push(Event::Lost(exc.map(|e| e.kind())));
    }
}

/// Starts a server on 127.0.0.1 whose connections each run a [`Recorder`] into `log`, changed by
/// `adjust` (`|r| r` for none), and connects a client to it.
pub(crate) async fn recording_server(
    log: &Log,
    adjust: impl Fn(Recorder) -> Recorder + 'static,
) -> io::Result<(Server, TcpStream)> {
    let mut make = Recorder::factory(log);
    let server = create_server(move || adjust(make()), "127.0.0.1:0").await?;
    let client = TcpStream::connect(server.local_addrs()[0]).await?;
    Ok((server, client))
}

/// Waits until `connection_lost` has been recorded once, then asserts it is the last event and
/// carries `kind`.
pub(crate) async fn assert_lost(log: &Log, kind: Option<io::ErrorKind>) {
    until("connection_lost", || lost_count(log) == 1).await;
    assert_eq!(merged(log).last(), Some(&Event::Lost(kind)));
}
