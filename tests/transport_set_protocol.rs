//! `Transport::get_protocol` / `set_protocol`: after a switch, the following bytes, the EOF and
//! `connection_lost` go to the new protocol (plain or buffered) and never to the old one.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;

use tulip::net::{
    create_connection, create_server, BufferedProtocol, Protocol, TcpListener, TcpStream, Transport,
};

use support::net::run;
use support::protocol::until;

/// Everything one protocol was told.
#[derive(Debug, Default, PartialEq)]
struct Told {
    data: Vec<u8>,
    eof: usize,
    lost: usize,
}

/// Records what it is told; on the first `\n` it switches the transport to `next` and hands it the
/// bytes after the newline (what asyncio code does when it upgrades a connection mid-stream).
struct Switcher {
    transport: Option<Transport>,
    told: Rc<RefCell<Told>>,
    next: Option<Rc<RefCell<dyn Protocol>>>,
}

impl Protocol for Switcher {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let newline = data.iter().position(|&b| b == b'\n');
        let (Some(i), true) = (newline, self.next.is_some()) else {
            self.told.borrow_mut().data.extend_from_slice(data);
            return;
        };
        let next = self.next.take().expect("checked above");
        self.told.borrow_mut().data.extend_from_slice(&data[..=i]);
        self.transport.as_ref().unwrap().set_protocol(next.clone());
        if i + 1 < data.len() {
            next.borrow_mut().data_received(&data[i + 1..]);
        }
    }

    fn eof_received(&mut self) -> bool {
        self.told.borrow_mut().eof += 1;
        false
    }

    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.told.borrow_mut().lost += 1;
    }
}

/// Records what it is told.
struct Plain(Rc<RefCell<Told>>);

impl Protocol for Plain {
    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().data.extend_from_slice(data);
    }

    fn eof_received(&mut self) -> bool {
        self.0.borrow_mut().eof += 1;
        false
    }

    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.0.borrow_mut().lost += 1;
    }
}

/// A buffered protocol that records what it is told.
struct Buffered([u8; 5], Rc<RefCell<Told>>);

impl BufferedProtocol for Buffered {
    fn get_buffer(&mut self, _sizehint: usize) -> &mut [u8] {
        &mut self.0
    }

    fn buffer_updated(&mut self, nbytes: usize) {
        self.1
            .borrow_mut()
            .data
            .extend_from_slice(&self.0[..nbytes]);
    }

    fn eof_received(&mut self) -> bool {
        self.1.borrow_mut().eof += 1;
        false
    }

    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.1.borrow_mut().lost += 1;
    }
}

/// A server whose one connection starts with a [`Switcher`] that switches to `next`.
async fn switching_server(
    first: &Rc<RefCell<Told>>,
    next: Rc<RefCell<dyn Protocol>>,
) -> io::Result<(tulip::net::Server, TcpStream)> {
    let first = first.clone();
    let next = RefCell::new(Some(next));
    let server = create_server(
        move || Switcher {
            transport: None,
            told: first.clone(),
            next: next.borrow_mut().take(),
        },
        "127.0.0.1:0",
    )
    .await?;
    let client = TcpStream::connect(server.local_addrs()[0]).await?;
    Ok((server, client))
}

/// ```python
/// def data_received(self, data):               # the first protocol
///     head, _, rest = data.partition(b"\n")
///     self.transport.set_protocol(body)
///     body.data_received(rest)
/// # everything after the newline, in this read and the following ones, reaches `body` only
/// ```
#[test]
fn bytes_after_the_switch_go_to_the_new_protocol() {
    run(async {
        let first = Rc::new(RefCell::new(Told::default()));
        let second = Rc::new(RefCell::new(Told::default()));
        let (server, client) =
            switching_server(&first, Rc::new(RefCell::new(Plain(second.clone())))).await?;
        client.write_all(b"HEAD\nbody-1 ").await?;
        until("the switch", || !second.borrow().data.is_empty()).await;
        // Later reads: the new protocol's alone.
        client.write_all(b"body-2 ").await?;
        until("the next read", || {
            second.borrow().data.ends_with(b"body-2 ")
        })
        .await;
        client.write_all(&[b'x'; 100_000]).await?;
        client.shutdown(Shutdown::Write)?;
        until("connection_lost", || second.borrow().lost == 1).await;
        assert_eq!(
            *first.borrow(),
            Told {
                data: b"HEAD\n".to_vec(),
                eof: 0,
                lost: 0
            }
        );
        let second = second.borrow();
        let mut want = b"body-1 body-2 ".to_vec();
        want.extend_from_slice(&[b'x'; 100_000]);
        assert_eq!(second.data, want);
        assert_eq!((second.eof, second.lost), (1, 1));
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// self.transport.set_protocol(MyBufferedProtocol())   # asyncio switches to get_buffer reads too
/// ```
#[test]
fn switching_to_a_buffered_protocol_reads_into_its_buffer() {
    run(async {
        let first = Rc::new(RefCell::new(Told::default()));
        let second = Rc::new(RefCell::new(Told::default()));
        let (server, client) = switching_server(
            &first,
            Rc::new(RefCell::new(Buffered([0; 5], second.clone()))),
        )
        .await?;
        client.write_all(b"HEAD\n").await?;
        until("the switch", || first.borrow().data == b"HEAD\n").await;
        client.write_all(b"0123456789abcdef").await?;
        client.shutdown(Shutdown::Write)?;
        until("connection_lost", || second.borrow().lost == 1).await;
        assert_eq!(second.borrow().data, b"0123456789abcdef");
        assert_eq!(second.borrow().eof, 1);
        assert_eq!((first.borrow().eof, first.borrow().lost), (0, 0));
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport, proto = await loop.create_connection(Plain, host, port)
/// assert transport.get_protocol() is proto
/// transport.set_protocol(other)                 # from a coroutine, between reads
/// assert transport.get_protocol() is other
/// ```
#[test]
fn get_protocol_follows_set_protocol_from_outside_a_callback() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let first = Rc::new(RefCell::new(Told::default()));
        let f = first.clone();
        let (transport, protocol) = create_connection(move || Plain(f), addr).await?;
        let (peer, _) = listener.accept().await?;
        let current = transport.get_protocol().expect("open");
        assert!(std::ptr::addr_eq(
            Rc::as_ptr(&current),
            Rc::as_ptr(&protocol)
        ));

        peer.write_all(b"one").await?;
        until("the first read", || first.borrow().data == b"one").await;

        let second = Rc::new(RefCell::new(Told::default()));
        let other = Rc::new(RefCell::new(Plain(second.clone())));
        transport.set_protocol(other.clone());
        let current = transport.get_protocol().expect("open");
        assert!(std::ptr::addr_eq(Rc::as_ptr(&current), Rc::as_ptr(&other)));
        drop(current);

        peer.write_all(b"two").await?;
        drop(peer);
        until("connection_lost", || second.borrow().lost == 1).await;
        assert_eq!(second.borrow().data, b"two");
        assert_eq!(second.borrow().eof, 1);
        assert_eq!(
            *first.borrow(),
            Told {
                data: b"one".to_vec(),
                eof: 0,
                lost: 0
            }
        );
        // The connection has ended: the transport has let go of its protocol.
        assert!(transport.get_protocol().is_none());
        // Setting one now changes nothing and calls nothing.
        transport.set_protocol(Rc::new(RefCell::new(Plain(first.clone()))));
        assert!(transport.get_protocol().is_none());
        io::Result::Ok(())
    })
    .unwrap();
}

/// Records what `get_protocol()` returns while its own `connection_lost` runs.
struct AsksDuringLost {
    transport: Option<Transport>,
    during_lost: Rc<RefCell<Option<bool>>>,
}

impl Protocol for AsksDuringLost {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }
    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        let t = self.transport.as_ref().unwrap();
        *self.during_lost.borrow_mut() = Some(t.get_protocol().is_some());
    }
}

/// asyncio's transport drops its protocol only after `connection_lost` has returned:
///
/// ```python
/// def connection_lost(self, exc):
///     print(self.t.get_protocol() is self)        # True
/// ...
/// print(transport.get_protocol())                  # None, once connection_lost has run
/// ```
#[test]
fn get_protocol_is_the_protocol_during_connection_lost_and_none_after() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let during = Rc::new(RefCell::new(None));
        let d = during.clone();
        let (transport, _protocol) = create_connection(
            move || AsksDuringLost {
                transport: None,
                during_lost: d,
            },
            addr,
        )
        .await?;
        let (peer, _) = listener.accept().await?;
        drop(peer);
        until("connection_lost", || during.borrow().is_some()).await;
        assert_eq!(*during.borrow(), Some(true));
        assert!(transport.get_protocol().is_none());
        io::Result::Ok(())
    })
    .unwrap();
}
