//! `DatagramProtocol` on `create_datagram_endpoint`: datagrams both ways, `error_received` for an ICMP
//! "port unreachable", `connection_lost` exactly once after `close`, and `sendto` errors.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{create_datagram_endpoint, DatagramProtocol, DatagramTransport};

use support::net::run;
use support::protocol::until;

#[derive(Default)]
struct Log {
    made: usize,
    datagrams: Vec<(Vec<u8>, SocketAddr)>,
    errors: Vec<io::ErrorKind>,
    lost: Vec<Option<io::ErrorKind>>,
}

/// Records everything; echoes when `echo` is set.
#[derive(Default)]
struct Recorder {
    log: Rc<RefCell<Log>>,
    t: Option<DatagramTransport>,
    echo: bool,
}

impl DatagramProtocol for Recorder {
    fn connection_made(&mut self, t: DatagramTransport) {
        self.log.borrow_mut().made += 1;
        self.t = Some(t);
    }
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        self.log.borrow_mut().datagrams.push((data.to_vec(), addr));
        if self.echo {
            self.t.as_ref().unwrap().sendto(data, Some(addr)).unwrap();
        }
    }
    fn error_received(&mut self, exc: io::Error) {
        self.log.borrow_mut().errors.push(exc.kind());
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.log.borrow_mut().lost.push(exc.map(|e| e.kind()));
        // Sending from connection_lost is an error, not a panic.
        let err = self.t.as_ref().unwrap().sendto(b"late", None).unwrap_err();
        assert!(matches!(
            err.kind(),
            io::ErrorKind::NotConnected | io::ErrorKind::InvalidInput
        ));
    }
}

/// ```python
/// class EchoServerProtocol(asyncio.DatagramProtocol):
///     def connection_made(self, transport): self.transport = transport
///     def datagram_received(self, data, addr): self.transport.sendto(data, addr)
/// class EchoClientProtocol(asyncio.DatagramProtocol): ...  # remote_addr=server
/// ```
#[test]
fn echo_both_ways_then_close_loses_once() {
    run(async {
        let server_log = Rc::new(RefCell::new(Log::default()));
        let sl = server_log.clone();
        let (server, _) = create_datagram_endpoint(
            move || Recorder {
                log: sl,
                echo: true,
                ..Recorder::default()
            },
            "127.0.0.1:0".parse().ok(),
            None,
        )
        .await?;
        let client_log = Rc::new(RefCell::new(Log::default()));
        let cl = client_log.clone();
        let (client, _) = create_datagram_endpoint(
            move || Recorder {
                log: cl,
                ..Recorder::default()
            },
            None,
            Some(server.local_addr()?),
        )
        .await?;
        assert_eq!(client.peer_addr()?, server.local_addr()?);
        assert_eq!(client_log.borrow().made, 1);
        for i in 0..10u8 {
            client.sendto(&[i; 100], None)?;
        }
        until("10 echoes", || client_log.borrow().datagrams.len() == 10).await;
        for (i, (data, from)) in client_log.borrow().datagrams.iter().enumerate() {
            assert_eq!(data, &vec![i as u8; 100]);
            assert_eq!(*from, server.local_addr()?);
        }
        assert!(server_log
            .borrow()
            .datagrams
            .iter()
            .all(|(_, from)| *from == client.local_addr().unwrap()));

        client.close();
        client.close();
        assert!(client.is_closing());
        assert_eq!(
            client.sendto(b"x", None).unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        until("connection_lost", || !client_log.borrow().lost.is_empty()).await;
        server.abort();
        until("server connection_lost", || {
            !server_log.borrow().lost.is_empty()
        })
        .await;
        tulip::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(client_log.borrow().lost, [None]);
        assert_eq!(server_log.borrow().lost, [None]);
        io::Result::Ok(())
    })
    .unwrap();
}

/// A connected endpoint sending to a port nobody listens on gets `ConnectionRefused` through
/// `error_received` (the ICMP error), and stays open.
///
/// ```python
/// def error_received(self, exc):
///     assert isinstance(exc, ConnectionRefusedError)
/// ```
#[test]
fn icmp_unreachable_reaches_error_received() {
    run(async {
        let dead = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?;
        let log = Rc::new(RefCell::new(Log::default()));
        let l = log.clone();
        let (t, _) = create_datagram_endpoint(
            move || Recorder {
                log: l,
                ..Recorder::default()
            },
            None,
            Some(dead),
        )
        .await?;
        // Each send may come back as an ICMP error on the next operation.
        for _ in 0..1000 {
            let _ = t.sendto(b"anyone?", None);
            if !log.borrow().errors.is_empty() {
                break;
            }
            tulip::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(
            log.borrow().errors.first(),
            Some(&io::ErrorKind::ConnectionRefused)
        );
        assert!(!t.is_closing());
        assert!(log.borrow().lost.is_empty());
        t.close();
        until("connection_lost", || !log.borrow().lost.is_empty()).await;
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// transport.sendto(b"x", ("127.0.0.1", 9))   # connected to another address: ValueError
/// await loop.create_datagram_endpoint(P)       # neither address: ValueError
/// ```
#[test]
fn sendto_argument_errors() {
    run(async {
        let other: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let (connected, _) =
            create_datagram_endpoint(Recorder::default, None, Some(peer.local_addr()?)).await?;
        assert_eq!(
            connected.sendto(b"x", Some(other)).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        connected.sendto(b"ok", Some(peer.local_addr()?))?;
        let (unconnected, _) =
            create_datagram_endpoint(Recorder::default, "127.0.0.1:0".parse().ok(), None).await?;
        assert_eq!(
            unconnected.sendto(b"x", None).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!(
            unconnected.peer_addr().unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        let neither = create_datagram_endpoint(Recorder::default, None, None).await;
        assert_eq!(
            neither.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
        connected.close();
        unconnected.close();
        io::Result::Ok(())
    })
    .unwrap();
}
