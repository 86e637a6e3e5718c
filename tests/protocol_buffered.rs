//! `BufferedProtocol` (`get_buffer` / `buffer_updated`) on `create_connection` and `create_server`:
//! every byte arrives in order through the protocol's own buffer however small, then `eof_received`
//! and `connection_lost` exactly once; an empty buffer ends the connection with an error.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;

use tulip::net::{
    create_connection, create_server, BufferedProtocol, Protocol, TcpListener, TcpStream, Transport,
};

use support::net::run;
use support::protocol::{read_to_eof, until};
use support::Rng;

/// What a [`Collect`] saw, shared with the test.
#[derive(Debug, Default)]
struct Seen {
    made: usize,
    data: Vec<u8>,
    /// The `sizehint` of every `get_buffer` call.
    hints: Vec<usize>,
    updates: usize,
    eof: usize,
    lost: Vec<Option<io::ErrorKind>>,
}

/// Reads into a fixed buffer of `cap` bytes and moves what arrives into `seen.data`.
struct Collect {
    buf: Vec<u8>,
    seen: Rc<RefCell<Seen>>,
    transport: Option<Transport>,
    /// Echo every byte back (the server side of the tests).
    echo: bool,
}

impl Collect {
    fn new(cap: usize, seen: &Rc<RefCell<Seen>>, echo: bool) -> Collect {
        Collect {
            buf: vec![0; cap],
            seen: seen.clone(),
            transport: None,
            echo,
        }
    }
}

impl BufferedProtocol for Collect {
    fn connection_made(&mut self, transport: Transport) {
        self.seen.borrow_mut().made += 1;
        self.transport = Some(transport);
    }

    fn get_buffer(&mut self, sizehint: usize) -> &mut [u8] {
        self.seen.borrow_mut().hints.push(sizehint);
        &mut self.buf
    }

    fn buffer_updated(&mut self, nbytes: usize) {
        assert!(nbytes >= 1 && nbytes <= self.buf.len());
        let mut seen = self.seen.borrow_mut();
        seen.updates += 1;
        seen.data.extend_from_slice(&self.buf[..nbytes]);
        if self.echo {
            let _ = self.transport.as_ref().unwrap().write(&self.buf[..nbytes]);
        }
    }

    fn eof_received(&mut self) -> bool {
        self.seen.borrow_mut().eof += 1;
        false
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.seen.borrow_mut().lost.push(exc.map(|e| e.kind()));
    }
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

/// ```python
/// class Echo(asyncio.BufferedProtocol):
///     def get_buffer(self, sizehint): return self.buf          # a 7-byte bytearray
///     def buffer_updated(self, n): self.transport.write(self.buf[:n])
/// # 1 MiB through create_server comes back intact, then eof -> connection_lost(None) once
/// ```
#[test]
fn create_server_reads_a_mebibyte_through_a_seven_byte_buffer() {
    run(async {
        let seen = Rc::new(RefCell::new(Seen::default()));
        let s = seen.clone();
        let server = create_server(move || Collect::new(7, &s, true), "127.0.0.1:0").await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        let payload = pseudo_random(1 << 20, 7);
        let writer = {
            let client = client.clone();
            let payload = payload.clone();
            tulip::spawn(async move {
                client.write_all(&payload).await?;
                client.shutdown(Shutdown::Write)
            })
        };
        let echoed = read_to_eof(&client).await?;
        writer.await?;
        assert_eq!(echoed.len(), payload.len());
        assert!(echoed == payload, "the echo differs from what was sent");
        until("connection_lost", || !seen.borrow().lost.is_empty()).await;
        let seen = seen.borrow();
        assert_eq!(seen.data, payload);
        assert_eq!(seen.made, 1);
        assert_eq!(seen.eof, 1);
        assert_eq!(seen.lost, [None]);
        // A 7-byte buffer: at least one read per 7 bytes, every one reported.
        assert!(seen.updates >= payload.len() / 7);
        assert!(seen
            .hints
            .iter()
            .all(|&h| h == tulip::net::ReadBuffer::SIZE));
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport, proto = await loop.create_connection(lambda: Collect(4096), host, port)
/// # the peer writes 200 KiB and closes: proto saw every byte, eof_received, then connection_lost(None)
/// ```
#[test]
fn create_connection_delivers_every_byte_then_eof_then_lost() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let payload = pseudo_random(200 * 1024, 11);
        let p = payload.clone();
        let peer = tulip::spawn(async move {
            let (conn, _) = listener.accept().await?;
            conn.write_all(&p).await
        });
        let seen = Rc::new(RefCell::new(Seen::default()));
        let s = seen.clone();
        let (transport, protocol) =
            create_connection(move || Collect::new(4096, &s, false), addr).await?;
        peer.await?;
        until("connection_lost", || !seen.borrow().lost.is_empty()).await;
        assert!(transport.is_closing());
        assert_eq!(seen.borrow().data, payload);
        assert_eq!(seen.borrow().eof, 1);
        assert_eq!(seen.borrow().lost, [None]);
        // The protocol the caller got back is the one that was called.
        assert_eq!(protocol.borrow().buf.len(), 4096);
        io::Result::Ok(())
    })
    .unwrap();
}

/// Returns an empty buffer on its second call.
struct RunsOut {
    buf: [u8; 4],
    calls: usize,
    lost: Rc<RefCell<Vec<Option<io::ErrorKind>>>>,
}

impl BufferedProtocol for RunsOut {
    fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
        self.calls += 1;
        if self.calls == 1 {
            &mut self.buf
        } else {
            &mut self.buf[..0]
        }
    }

    fn buffer_updated(&mut self, _nbytes: usize) {}

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.lost.borrow_mut().push(exc.map(|e| e.kind()));
    }
}

/// ```python
/// def get_buffer(self, sizehint): return bytearray()
/// # asyncio: the exception handler gets "Fatal error: protocol.get_buffer() call failed.", then
/// # connection_lost(RuntimeError('get_buffer() returned an empty buffer'))
/// ```
#[test]
fn an_empty_buffer_is_reported_and_ends_the_connection_with_invalid_input() {
    run(async {
        let reported = Rc::new(RefCell::new(Vec::new()));
        let r = reported.clone();
        tulip::get_running_loop().set_exception_handler(move |ctx| r.borrow_mut().push(ctx.kind()));
        let lost = Rc::new(RefCell::new(Vec::new()));
        let l = lost.clone();
        let server = create_server(
            move || RunsOut {
                buf: [0; 4],
                calls: 0,
                lost: l.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        client.write_all(b"more than four bytes").await?;
        // The server closes the connection instead of losing the bytes silently.
        let _ = read_to_eof(&client).await;
        until("connection_lost", || !lost.borrow().is_empty()).await;
        assert_eq!(*lost.borrow(), [Some(io::ErrorKind::InvalidInput)]);
        assert_eq!(*reported.borrow(), [tulip::ExceptionKind::ProtocolError]);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// asyncio.protocols._feed_data_to_buffered_proto(proto, b"abcdefghij")   # through a 3-byte buffer
/// ```
#[test]
fn data_received_on_a_buffered_protocol_copies_through_get_buffer() {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut p = Collect::new(3, &seen, false);
    Protocol::data_received(&mut p, b"abcdefghij");
    assert_eq!(seen.borrow().data, b"abcdefghij");
    assert_eq!(seen.borrow().updates, 4);
    assert!(p.as_buffered().is_some());
}

/// ```python
/// asyncio.protocols._feed_data_to_buffered_proto(proto, b"more than four bytes")
/// # RuntimeError('get_buffer() returned an empty buffer') once the 4-byte buffer is used up
/// ```
#[test]
fn feeding_a_buffered_protocol_that_runs_out_of_buffer_is_an_error_not_a_panic() {
    let lost = Rc::new(RefCell::new(Vec::new()));
    let mut p = RunsOut {
        buf: [0; 4],
        calls: 0,
        lost,
    };
    let err = tulip::net::feed_buffered(&mut p, b"more than four bytes").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(&p.buf, b"more");
}

/// `Protocol::data_received` on a buffered protocol that runs out of buffer does not panic: the
/// running loop's exception handler is told (asyncio: the `RuntimeError` reaches the caller).
#[test]
fn data_received_on_a_buffered_protocol_that_runs_out_of_buffer_reports_it() {
    run(async {
        let reported = Rc::new(RefCell::new(Vec::new()));
        let r = reported.clone();
        tulip::get_running_loop().set_exception_handler(move |ctx| r.borrow_mut().push(ctx.kind()));
        let mut p = RunsOut {
            buf: [0; 4],
            calls: 0,
            lost: Rc::default(),
        };
        Protocol::data_received(&mut p, b"more than four bytes");
        assert_eq!(&p.buf, b"more");
        assert_eq!(*reported.borrow(), [tulip::ExceptionKind::ProtocolError]);
        io::Result::Ok(())
    })
    .unwrap();
}

/// A plain `Protocol` still gets `data_received`, never a buffer request.
#[test]
fn a_plain_protocol_is_not_buffered() {
    struct Plain;
    impl Protocol for Plain {}
    assert!(Plain.as_buffered().is_none());
}
