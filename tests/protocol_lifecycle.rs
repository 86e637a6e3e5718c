//! The order and multiplicity of `Protocol` callbacks: `connection_made`, `data_received`,
//! `eof_received` (keep open or close), and `connection_lost` exactly once after a close, an abort, a
//! peer's EOF or a peer's reset; plus the `Server` around them.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{create_connection, create_server, Protocol, TcpStream, Transport};

use support::net::run;
use support::protocol::{
    assert_lost, data_of, lost_count, merged, read_to_eof, recording_server, until, Event, Log,
    Recorder,
};

/// ```python
/// class P(asyncio.Protocol):
///     def connection_made(self, t): log.append("made")
///     def data_received(self, d): log.append(d)
///     def eof_received(self): log.append("eof")        # returns None: the transport closes
///     def connection_lost(self, exc): log.append(("lost", exc))
/// # client: write(b"hello"); write_eof()  ->  ["made", b"hello", "eof", ("lost", None)]
/// ```
#[test]
fn callbacks_in_order_then_lost_once_after_eof() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| r).await?;
        client.write_all(b"hello").await?;
        client.shutdown(Shutdown::Write)?;
        // eof_received returned false: the server closes, so we read EOF.
        let mut buf = [0u8; 8];
        assert_eq!(client.read(&mut buf).await?, 0);
        until("connection_lost", || lost_count(&log) == 1).await;
        assert_eq!(
            merged(&log),
            [
                Event::Made,
                Event::Data(b"hello".to_vec()),
                Event::Eof,
                Event::Lost(None)
            ]
        );
        server.close();
        server.wait_closed().await;
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// def eof_received(self):
///     self.transport.write(b"bye")
///     self.transport.close()
///     return True          # keep open for writing: "bye" still reaches the half-closed client
/// ```
#[test]
fn eof_received_true_keeps_the_write_side_open() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| Recorder {
            keep_open_on_eof: true,
            reply_on_eof: Some(b"bye"),
            ..r
        })
        .await?;
        client.write_all(b"request").await?;
        client.shutdown(Shutdown::Write)?;
        let mut buf = [0u8; 3];
        client.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"bye");
        assert_eq!(client.read(&mut buf).await?, 0);
        assert_lost(&log, None).await;
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// def data_received(self, data):
///     self.transport.write(data * 1000)   # more than the socket takes at once
/// def eof_received(self):
///     return False        # close: what is buffered is still sent, then connection_lost(None)
/// ```
#[test]
fn eof_received_false_flushes_then_closes() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| Recorder {
            on_data: |t, d| t.write(&d.repeat(100_000)).unwrap(),
            ..r
        })
        .await?;
        client.write_all(b"0123456789").await?;
        client.shutdown(Shutdown::Write)?;
        let got = read_to_eof(&client).await?;
        assert_eq!(got.len(), 1_000_000);
        assert_eq!(got, b"0123456789".repeat(100_000));
        assert_lost(&log, None).await;
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// def data_received(self, data):
///     self.transport.write(data)
///     self.transport.close()
///     self.transport.close()     # harmless
///     self.transport.abort()     # after close: drops what is left, still one connection_lost
/// ```
#[test]
fn close_twice_then_abort_loses_the_connection_once() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| Recorder {
            on_data: |t, d| {
                t.write(d).unwrap();
                t.close();
                t.close();
                t.abort();
                t.abort();
                assert!(t.is_closing());
            },
            ..r
        })
        .await?;
        client.write_all(b"x").await?;
        // The small echo went out at once; then EOF.
        let got = read_to_eof(&client).await?;
        assert_eq!(got, b"x");
        until("connection_lost", || lost_count(&log) >= 1).await;
        tulip::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(lost_count(&log), 1);
        assert_eq!(merged(&log).last(), Some(&Event::Lost(None)));
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// def connection_made(self, transport):
///     transport.write(b"x" * 32_000_000)   # the client does not read: most of it stays buffered
///     transport.abort()                   # dropped; connection_lost(None) follows
/// ```
#[test]
fn abort_drops_the_buffer_and_loses_once() {
    run(async {
        let log = Log::default();
        let seen_size = Rc::new(RefCell::new(0));
        let size = seen_size.clone();
        let log2 = log.clone();
        struct Aborter(Log, Rc<RefCell<usize>>);
        impl Protocol for Aborter {
            fn connection_made(&mut self, t: Transport) {
                self.0.borrow_mut().push(Event::Made);
                t.write(&vec![b'x'; 32_000_000]).unwrap();
                *self.1.borrow_mut() = t.get_write_buffer_size();
                t.abort();
                assert_eq!(t.get_write_buffer_size(), 0);
            }
            fn connection_lost(&mut self, exc: Option<io::Error>) {
                self.0.borrow_mut().push(Event::Lost(exc.map(|e| e.kind())));
            }
        }
        let server =
            create_server(move || Aborter(log2.clone(), size.clone()), "127.0.0.1:0").await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        until("connection_lost", || lost_count(&log) == 1).await;
        assert!(
            *seen_size.borrow() > 0,
            "32 MB should not fit the socket at once"
        );
        let mut total = 0;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match client.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            }
        }
        assert!(
            total < 32_000_000,
            "abort must drop the buffer, got {total}"
        );
        assert_eq!(merged(&log), [Event::Made, Event::Lost(None)]);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// # the client sets SO_LINGER to 0 and closes: a reset
/// def connection_lost(self, exc):
///     assert isinstance(exc, ConnectionResetError)
/// ```
#[test]
fn peer_reset_reaches_connection_lost_as_an_error() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| r).await?;
        client.write_all(b"before reset").await?;
        until("data_received", || data_of(&log) == b"before reset").await;
        socket2::SockRef::from(client.get_ref()).set_linger(Some(Duration::ZERO))?;
        drop(client);
        assert_lost(&log, Some(io::ErrorKind::ConnectionReset)).await;
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport, protocol = await loop.create_connection(P, host, port)
/// assert protocol.made                     # connection_made ran before create_connection returned
/// transport.close()                        # -> protocol.connection_lost(None), once
/// ```
#[test]
fn create_connection_makes_the_connection_before_returning() {
    run(async {
        let server_log = Log::default();
        let server = create_server(Recorder::factory(&server_log), "127.0.0.1:0").await?;
        let log = Log::default();
        let (transport, protocol) =
            create_connection(Recorder::factory(&log), server.local_addrs()[0]).await?;
        assert_eq!(merged(&log), [Event::Made]);
        assert!(protocol.borrow().transport.is_some());
        assert_eq!(transport.peer_addr()?, server.local_addrs()[0]);
        transport.write(b"hi")?;
        until("the server's data", || data_of(&server_log) == b"hi").await;
        transport.close();
        until("connection_lost", || lost_count(&log) == 1).await;
        assert_eq!(merged(&log), [Event::Made, Event::Lost(None)]);
        // The server saw our close as EOF.
        until("server connection_lost", || lost_count(&server_log) == 1).await;
        assert_eq!(
            merged(&server_log),
            [
                Event::Made,
                Event::Data(b"hi".to_vec()),
                Event::Eof,
                Event::Lost(None)
            ]
        );
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// Protocol methods run with no transport state borrowed, so they may call back into the transport.
///
/// ```python
/// def data_received(self, data):
///     self.transport.write(data)
///     self.transport.pause_reading(); self.transport.resume_reading()
///     self.transport.get_write_buffer_size(); self.transport.is_closing()
/// ```
#[test]
fn protocol_methods_may_reenter_the_transport() {
    run(async {
        let log = Log::default();
        let (server, client) = recording_server(&log, |r| Recorder {
            on_data: |t, d| {
                t.write(d).unwrap();
                t.pause_reading();
                t.resume_reading();
                t.set_write_buffer_limits(None, None).unwrap();
                let _ = (t.get_write_buffer_size(), t.is_closing(), t.is_reading());
                let _ = format!("{t:?}");
            },
            ..r
        })
        .await?;
        for _ in 0..10 {
            client.write_all(b"ping").await?;
            let mut buf = [0u8; 4];
            client.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"ping");
        }
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// server = await loop.create_server(P, "127.0.0.1", 0)
/// server.close()                       # stops listening at once; connections go on
/// await server.wait_closed()           # (3.12+) returns once they have ended
/// ```
#[test]
fn server_close_stops_accepting_and_wait_closed_waits_for_connections() {
    run(async {
        let log = Log::default();
        let server = create_server(Recorder::factory(&log), "127.0.0.1:0").await?;
        let addr = server.local_addrs()[0];
        assert!(server.is_serving());
        let client = TcpStream::connect(addr).await?;
        until("connection_made", || !log.borrow().is_empty()).await;
        server.close();
        assert!(!server.is_serving());
        assert_eq!(server.local_addrs(), [addr]);
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);

        let waiting = {
            let s = server.clone();
            tulip::spawn(async move { s.wait_closed().await })
        };
        tulip::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished(), "a connection is still open");
        // The open connection still works.
        client.write_all(b"still here").await?;
        until("data", || data_of(&log) == b"still here").await;
        drop(client);
        waiting.await;
        assert_eq!(lost_count(&log), 1);
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// async def main():
///     server = await loop.create_server(P, "127.0.0.1", 0)
///     loop.call_later(0.01, server.close)
///     await server.serve_forever()       # returns when the server is closed
/// ```
#[test]
fn serve_forever_returns_when_closed() {
    run(async {
        let log = Log::default();
        let server = create_server(Recorder::factory(&log), "127.0.0.1:0").await?;
        let s = server.clone();
        tulip::call_later(Duration::from_millis(5), move || s.close());
        server.serve_forever().await?;
        assert!(!server.is_serving());
        let again = server.serve_forever().await.unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::NotConnected);
        io::Result::Ok(())
    })
    .unwrap();
}

/// Cancelling `serve_forever` closes the server, as in asyncio:
///
/// ```python
/// task = asyncio.create_task(server.serve_forever())
/// task.cancel()          # -> server.close()
/// ```
#[test]
fn dropping_serve_forever_closes_the_server() {
    run(async {
        let log = Log::default();
        let server = create_server(Recorder::factory(&log), "127.0.0.1:0").await?;
        let s = server.clone();
        let task = tulip::spawn(async move { s.serve_forever().await });
        tulip::yield_now().await;
        assert!(server.is_serving());
        assert!(task.cancel().await.is_none());
        assert!(!server.is_serving());
        io::Result::Ok(())
    })
    .unwrap();
}

/// The server may be closed from inside its own protocol factory (which runs in the accept task); the
/// connection that triggered it is still served.
///
/// ```python
/// def factory():
///     server.close()        # no more clients after this one
///     return Echo()
/// ```
#[test]
fn server_closed_from_its_own_factory() {
    run(async {
        let log = Log::default();
        let slot: Rc<RefCell<Option<tulip::net::Server>>> = Rc::new(RefCell::new(None));
        let s = slot.clone();
        let mut inner = Recorder::factory(&log);
        let server = create_server(
            move || {
                if let Some(server) = s.borrow().as_ref() {
                    server.close();
                }
                Recorder {
                    on_data: |t, d| t.write(d).unwrap(),
                    ..inner()
                }
            },
            "127.0.0.1:0",
        )
        .await?;
        *slot.borrow_mut() = Some(server.clone());
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        client.write_all(b"served").await?;
        let mut buf = [0u8; 6];
        client.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"served");
        assert!(!server.is_serving());
        drop(client);
        server.wait_closed().await;
        slot.borrow_mut().take();
        io::Result::Ok(())
    })
    .unwrap();
}
