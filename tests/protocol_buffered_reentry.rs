//! A `BufferedProtocol` that calls back into its transport from `buffer_updated` (pause, close, abort,
//! switch protocol), or whose `get_buffer` returns a huge slice or panics: the connection does what was
//! asked, loses no byte it delivered, tells `connection_lost` once, and the loop keeps serving others.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use tulip::net::{create_server, BufferedProtocol, Protocol, TcpStream, Transport};

use support::client::random_bytes;
use support::net::run;
use support::protocol::{read_to_eof, until};

/// What the protocol does from its `n`-th `buffer_updated` (counted from 1).
#[derive(Clone, Copy)]
enum Act {
    Nothing,
    Pause,
    Close,
    Abort,
    SwitchToPlain,
}

#[derive(Default)]
struct Seen {
    data: Vec<u8>,
    updates: usize,
    lost: usize,
    transport: Option<Transport>,
    /// What the protocol switched to received.
    switched: Vec<u8>,
    switched_lost: usize,
}

type Shared = Rc<RefCell<Seen>>;

struct Scripted {
    buf: Vec<u8>,
    seen: Shared,
    act_at: usize,
    act: Act,
    panic_in_get_buffer: bool,
}

impl BufferedProtocol for Scripted {
    fn connection_made(&mut self, transport: Transport) {
        self.seen.borrow_mut().transport = Some(transport);
    }

    fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
        assert!(!self.panic_in_get_buffer, "get_buffer panics");
        &mut self.buf
    }

    fn buffer_updated(&mut self, nbytes: usize) {
        let t = {
            let mut seen = self.seen.borrow_mut();
            seen.updates += 1;
            seen.data.extend_from_slice(&self.buf[..nbytes]);
            if seen.updates != self.act_at {
                return;
            }
            seen.transport.clone().unwrap()
        };
        match self.act {
            Act::Nothing => {}
            Act::Pause => t.pause_reading(),
            Act::Close => t.close(),
            Act::Abort => t.abort(),
            Act::SwitchToPlain => t.set_protocol(Rc::new(RefCell::new(Plain(self.seen.clone())))),
        }
    }

    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.seen.borrow_mut().lost += 1;
    }
}

struct Plain(Shared);

impl Protocol for Plain {
    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().switched.extend_from_slice(data);
    }

    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.0.borrow_mut().switched_lost += 1;
    }
}

/// A server whose connections run [`Scripted`] with a `cap`-byte buffer, and a connected client.
async fn server(
    cap: usize,
    act_at: usize,
    act: Act,
    panic_in_get_buffer: bool,
) -> io::Result<(tulip::net::Server, TcpStream, Shared)> {
    let seen: Shared = Rc::default();
    let s = seen.clone();
    let server = create_server(
        move || Scripted {
            buf: vec![0; cap],
            seen: s.clone(),
            act_at,
            act,
            panic_in_get_buffer,
        },
        "127.0.0.1:0",
    )
    .await?;
    let client = TcpStream::connect(server.local_addrs()[0]).await?;
    Ok((server, client, seen))
}

/// ```python
/// def buffer_updated(self, n):
///     self.transport.pause_reading()     # nothing more until resume_reading()
/// ```
#[test]
fn pause_reading_in_buffer_updated_holds_the_rest_until_resume() {
    run(async {
        let (server, client, seen) = server(4, 1, Act::Pause, false).await?;
        let data = random_bytes(3, 100_000);
        client.write_all(&data).await?;
        until("the first update", || seen.borrow().updates >= 1).await;
        for _ in 0..20 {
            tulip::yield_now().await;
        }
        assert_eq!(seen.borrow().updates, 1, "read on while paused");
        let t = seen.borrow().transport.clone().unwrap();
        t.resume_reading();
        until("every byte", || seen.borrow().data.len() == data.len()).await;
        assert!(seen.borrow().data == data);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// `close()` from `buffer_updated`: no more `buffer_updated`, the peer sees EOF, `connection_lost`
/// once.
#[test]
fn close_in_buffer_updated_stops_reading_and_loses_once() {
    for act in [Act::Close, Act::Abort] {
        run(async {
            let (server, client, seen) = server(5, 2, act, false).await?;
            client.write_all(&random_bytes(4, 200_000)).await?;
            let _ = read_to_eof(&client).await;
            until("connection_lost", || seen.borrow().lost == 1).await;
            assert_eq!(seen.borrow().updates, 2, "buffer_updated after close/abort");
            for _ in 0..20 {
                tulip::yield_now().await;
            }
            assert_eq!(seen.borrow().lost, 1);
            server.close();
            io::Result::Ok(())
        })
        .unwrap();
    }
}

/// `set_protocol` from `buffer_updated` to a plain protocol: the following bytes go to the plain one
/// through the loop's buffer, every byte exactly once, and only the new protocol is told the loss.
#[test]
fn set_protocol_in_buffer_updated_moves_the_rest_to_the_new_protocol() {
    run(async {
        let (server, client, seen) = server(3, 1, Act::SwitchToPlain, false).await?;
        let data = random_bytes(5, 50_000);
        client.write_all(&data).await?;
        client.shutdown(std::net::Shutdown::Write)?;
        let _ = read_to_eof(&client).await;
        until("connection_lost", || seen.borrow().switched_lost == 1).await;
        let s = seen.borrow();
        assert_eq!(s.updates, 1);
        let mut all = s.data.clone();
        all.extend_from_slice(&s.switched);
        assert!(all == data, "bytes lost or doubled across the switch");
        assert_eq!(s.lost, 0, "the old protocol was told the loss");
        drop(s);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// A 16 MiB buffer from `get_buffer` (far more than one read): every byte arrives.
#[test]
fn a_huge_buffer_from_get_buffer_reads_everything() {
    run(async {
        let (server, client, seen) = server(16 << 20, 0, Act::Nothing, false).await?;
        let data = random_bytes(6, 3 << 20);
        client.write_all(&data).await?;
        until("every byte", || seen.borrow().data.len() == data.len()).await;
        assert!(seen.borrow().data == data);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// A panic in `get_buffer` ends that connection (the peer sees it closed), not the loop or the server:
/// the next connection is served.
#[test]
fn a_panicking_get_buffer_ends_only_its_connection() {
    run(async {
        let (server, client, _seen) = server(8, 0, Act::Nothing, true).await?;
        client.write_all(b"boom").await?;
        let _ = read_to_eof(&client).await;
        // The loop and the server survive: a second connection is accepted and closed the same way.
        let again = TcpStream::connect(server.local_addrs()[0]).await?;
        again.write_all(b"again").await?;
        let _ = read_to_eof(&again).await;
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}
