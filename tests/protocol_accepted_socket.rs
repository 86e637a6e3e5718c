//! `connect_accepted_socket`: a Protocol run on a socket accepted elsewhere gets the whole lifecycle.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::until;
use tulip::net::{connect_accepted_socket, Protocol, TcpStream, Transport};

/// Echoes what it receives and records whether the connection was lost.
#[derive(Default)]
struct Echo {
    transport: Option<Transport>,
    lost: Rc<RefCell<Option<Option<io::ErrorKind>>>>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        let _ = self.transport.as_ref().unwrap().write(data);
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        *self.lost.borrow_mut() = Some(exc.map(|e| e.kind()));
    }
}

/// asyncio: `await loop.connect_accepted_socket(Echo, sock)` on a socket a blocking `accept()` returned:
/// data echoes back, and the client's close reaches `connection_lost(None)` once.
#[test]
fn protocol_on_a_blocking_accepted_socket_echoes_and_sees_the_close() {
    let lost = Rc::new(RefCell::new(None));
    let l = lost.clone();
    support::real_loop().block_on(async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (accepted, peer) = listener.accept().unwrap();
        let sock = TcpStream::from_std(accepted).unwrap();
        let l2 = l.clone();
        let (transport, _protocol) = connect_accepted_socket(
            move || Echo {
                transport: None,
                lost: l2,
            },
            sock,
        )
        .unwrap();
        assert_eq!(transport.peer_addr().unwrap(), peer);
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        drop(client);
        until("connection_lost", || l.borrow().is_some()).await;
    });
    assert_eq!(*lost.borrow(), Some(None));
}
