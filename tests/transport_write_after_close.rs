//! Writing to a closing or closed transport is an `io::Error` (`NotConnected`; `BrokenPipe` after
//! `write_eof`), never a panic and never a silent success; what was written before `close()` is still
//! delivered.

mod support;

use std::cell::RefCell;
use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{create_connection, Protocol, TcpListener, TcpStream, Transport};

use support::net::run;
use support::protocol::{read_to_eof, until};

/// Records the result kinds of writes attempted from inside `connection_lost`.
#[derive(Default)]
struct Quiet {
    lost: Rc<RefCell<Option<Option<ErrorKind>>>>,
    write_in_lost: Rc<RefCell<Option<ErrorKind>>>,
    t: Option<Transport>,
}

impl Protocol for Quiet {
    fn connection_made(&mut self, t: Transport) {
        self.t = Some(t);
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        *self.lost.borrow_mut() = Some(exc.map(|e| e.kind()));
        let t = self.t.as_ref().unwrap();
        *self.write_in_lost.borrow_mut() = t.write(b"too late").err().map(|e| e.kind());
        t.close();
        t.abort();
    }
}

/// ```python
/// transport.write(b"x" * 1_000_000)    # mostly buffered
/// transport.close()                    # still sent, then the socket closes
/// transport.write(b"late")             # asyncio: ignored (warning after 5 tries); here: NotConnected
/// ```
#[test]
fn write_after_close_is_not_connected_and_buffered_data_is_delivered() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (t, proto) = create_connection(Quiet::default, listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        let payload: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
        t.write(&payload)?;
        t.close();
        assert!(t.is_closing());
        let err = t.write(b"late").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConnected);
        assert_eq!(
            t.writelines([b"a", b"b"]).unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        // Empty writes are errors too once closing: the transport cannot accept anything.
        assert_eq!(t.write(b"").unwrap_err().kind(), ErrorKind::NotConnected);
        // write_eof on a closing transport is a no-op, as in asyncio.
        t.write_eof()?;

        let got = read_to_eof(&peer).await?;
        assert!(got == payload, "the buffered data was not delivered intact");
        let lost = proto.borrow().lost.clone();
        until("connection_lost", || lost.borrow().is_some()).await;
        assert_eq!(*lost.borrow(), Some(None));
        let in_lost = proto.borrow().write_in_lost.clone();
        assert_eq!(*in_lost.borrow(), Some(ErrorKind::NotConnected));
        assert_eq!(
            t.write(b"after lost").unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport.abort()
/// transport.write(b"x")      # here: NotConnected
/// ```
#[test]
fn write_after_abort_is_not_connected() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (t, _proto) = create_connection(Quiet::default, listener.local_addr()?).await?;
        t.abort();
        assert_eq!(t.write(b"x").unwrap_err().kind(), ErrorKind::NotConnected);
        tulip::yield_now().await;
        assert_eq!(t.write(b"x").unwrap_err().kind(), ErrorKind::NotConnected);
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport.write_eof()
/// transport.write(b"x")      # RuntimeError('Cannot call write() after write_eof()'); here: BrokenPipe
/// ```
#[test]
fn write_after_write_eof_is_broken_pipe() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (t, _proto) = create_connection(Quiet::default, listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        t.write(b"last")?;
        t.write_eof()?;
        t.write_eof()?; // twice: harmless
        assert_eq!(t.write(b"x").unwrap_err().kind(), ErrorKind::BrokenPipe);
        let got = read_to_eof(&peer).await?;
        assert_eq!(got, b"last");
        // Reading still works after our write_eof: the peer can answer.
        peer.write_all(b"answer").await?;
        t.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// The peer closes: `connection_lost(None)` and then writes fail, from inside the protocol too.
///
/// ```python
/// def connection_lost(self, exc):
///     self.transport.write(b"too late")    # asyncio: ignored; here: NotConnected
/// ```
#[test]
fn write_after_peer_close_is_not_connected() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (t, proto) = create_connection(Quiet::default, listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        drop(peer);
        let lost = proto.borrow().lost.clone();
        until("connection_lost", || lost.borrow().is_some()).await;
        assert_eq!(*lost.borrow(), Some(None));
        let in_lost = proto.borrow().write_in_lost.clone();
        assert_eq!(*in_lost.borrow(), Some(ErrorKind::NotConnected));
        assert_eq!(t.write(b"x").unwrap_err().kind(), ErrorKind::NotConnected);
        io::Result::Ok(())
    })
    .unwrap();
}

/// Writing to a peer that reset: the send error ends the connection through `connection_lost(exc)`
/// (as asyncio's `_fatal_error`), later writes are `NotConnected`; nothing panics.
///
/// ```python
/// transport.write(data)      # ConnectionResetError / BrokenPipeError -> connection_lost(exc)
/// ```
#[test]
fn write_to_a_reset_peer_reports_through_connection_lost() {
    run(async {
        let lost = Rc::new(RefCell::new(None));
        struct Writer(Rc<RefCell<Option<Option<ErrorKind>>>>);
        impl Protocol for Writer {
            fn connection_lost(&mut self, exc: Option<io::Error>) {
                *self.0.borrow_mut() = Some(exc.map(|e| e.kind()));
            }
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (t, _p) = create_connection(|| Writer(lost.clone()), listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        socket2::SockRef::from(peer.get_ref()).set_linger(Some(Duration::ZERO))?;
        drop(peer);
        // Keep writing until the reset is noticed.
        let mut results = Vec::new();
        for _ in 0..1000 {
            results.push(t.write(&[0u8; 1024]).map_err(|e| e.kind()));
            if lost.borrow().is_some() {
                break;
            }
            tulip::time::sleep(Duration::from_millis(1)).await;
        }
        until("connection_lost", || lost.borrow().is_some()).await;
        let kind = lost.borrow().unwrap();
        assert!(
            matches!(
                kind,
                Some(ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) | None
            ),
            "{kind:?}"
        );
        assert!(results
            .iter()
            .all(|r| r.is_ok() || *r == Err(ErrorKind::NotConnected)));
        assert_eq!(t.write(b"x").unwrap_err().kind(), ErrorKind::NotConnected);
        io::Result::Ok(())
    })
    .unwrap();
}

/// `write_eof` forwarded through a half-closed connection: the peer sees EOF and can still answer.
#[test]
fn write_eof_half_closes() {
    run(async {
        struct Half(Rc<RefCell<Vec<u8>>>);
        impl Protocol for Half {
            fn connection_made(&mut self, t: Transport) {
                t.write(b"question").unwrap();
                t.write_eof().unwrap();
            }
            fn data_received(&mut self, data: &[u8]) {
                self.0.borrow_mut().extend_from_slice(data);
            }
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let answer = Rc::new(RefCell::new(Vec::new()));
        let a = answer.clone();
        let (_t, _p) = create_connection(move || Half(a), listener.local_addr()?).await?;
        let (peer, _): (TcpStream, _) = listener.accept().await?;
        let mut buf = [0u8; 8];
        peer.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"question");
        assert_eq!(peer.read(&mut buf).await?, 0);
        peer.write_all(b"answer").await?;
        peer.shutdown(Shutdown::Write)?;
        until("answer", || answer.borrow().as_slice() == b"answer").await;
        io::Result::Ok(())
    })
    .unwrap();
}
