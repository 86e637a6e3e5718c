//! `Server.close_clients()` / `abort_clients()` (asyncio 3.13): every accepted connection ends, the
//! server keeps listening.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::{read_to_eof, until};
use tulip::net::{create_server, start_server, Protocol, TcpStream, Transport};

/// Records `connection_lost` and keeps its transport.
struct Track {
    lost: Rc<RefCell<Vec<Option<io::ErrorKind>>>>,
    transport: Option<Transport>,
}

impl Protocol for Track {
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport.write(b"hi");
        self.transport = Some(transport);
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.lost.borrow_mut().push(exc.map(|e| e.kind()));
    }
}

/// asyncio: `server.close_clients()` calls `close()` on every client transport: each client reads EOF; each protocol gets `connection_lost(None)`; new connections are still
/// accepted.
#[test]
fn close_clients_closes_every_connection_and_keeps_listening() {
    let lost = Rc::new(RefCell::new(Vec::new()));
    let l = lost.clone();
    support::real_loop().block_on(async move {
        let l2 = l.clone();
        let server = create_server(
            move || Track {
                lost: l2.clone(),
                transport: None,
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0];
        let a = TcpStream::connect(addr).await.unwrap();
        let b = TcpStream::connect(addr).await.unwrap();
        for c in [&a, &b] {
            let mut greeting = [0u8; 2]; // connection_made has run
            c.read_exact(&mut greeting).await.unwrap();
        }
        assert_eq!(server.active_clients(), 2);
        server.close_clients();
        assert_eq!(read_to_eof(&a).await.unwrap(), b"");
        assert_eq!(read_to_eof(&b).await.unwrap(), b"");
        until("both lost", || l.borrow().len() == 2).await;
        assert_eq!(*l.borrow(), [None, None]);
        until("no clients", || server.active_clients() == 0).await;
        assert!(server.is_serving());
        let c = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 2];
        c.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hi");
        server.close();
    });
}

/// asyncio: `server.abort_clients()` calls `abort()`: every connection ends at once.
#[test]
fn abort_clients_ends_every_connection() {
    let lost = Rc::new(RefCell::new(Vec::new()));
    let l = lost.clone();
    support::real_loop().block_on(async move {
        let l2 = l.clone();
        let server = create_server(
            move || Track {
                lost: l2.clone(),
                transport: None,
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0];
        let _clients: Vec<_> = [
            TcpStream::connect(addr).await.unwrap(),
            TcpStream::connect(addr).await.unwrap(),
            TcpStream::connect(addr).await.unwrap(),
        ]
        .into();
        until("three clients", || server.active_clients() == 3).await;
        server.abort_clients();
        until("no clients", || server.active_clients() == 0).await;
        assert_eq!(l.borrow().len(), 3);
        server.close();
    });
}

/// A `start_server` handler blocked reading sees EOF once `close_clients()` shuts its connection down.
#[test]
fn close_clients_ends_a_stream_handler_blocked_in_read() {
    let ended = Rc::new(RefCell::new(Vec::new()));
    let e = ended.clone();
    support::real_loop().block_on(async move {
        let e2 = e.clone();
        let server = start_server("127.0.0.1:0", move |mut reader, _writer| {
            let e = e2.clone();
            async move {
                let got = reader.read_to_end().await;
                e.borrow_mut()
                    .push(got.map(|v| v.len()).map_err(|err| err.kind()));
            }
        })
        .await
        .unwrap();
        let _client = TcpStream::connect(server.local_addrs()[0]).await.unwrap();
        until("one client", || server.active_clients() == 1).await;
        server.close_clients();
        until("handler ended", || !e.borrow().is_empty()).await;
        until("no clients", || server.active_clients() == 0).await;
        server.close();
    });
    assert_eq!(*ended.borrow(), [Ok(0)]);
}

/// The servers of `ServerOptions` (and so of the runtime workers) accept through the same code as
/// `create_server` / `start_server`: `close_clients()` reaches their connections too, and they listen
/// on every address given.
///
/// asyncio: `loop.create_server(factory, host, port, reuse_port=True)` then `server.close_clients()`.
#[test]
fn server_options_servers_close_their_clients_and_listen_on_every_address() {
    let lost = Rc::new(RefCell::new(Vec::new()));
    let l = lost.clone();
    support::real_loop().block_on(async move {
        let l2 = l.clone();
        let addrs: [std::net::SocketAddr; 2] = [
            "127.0.0.1:0".parse().unwrap(),
            "127.0.0.2:0".parse().unwrap(),
        ];
        let server = tulip::net::ServerOptions::new()
            .reuse_port(true)
            .create_server(
                move || Track {
                    lost: l2.clone(),
                    transport: None,
                },
                &addrs[..],
            )
            .await
            .unwrap();
        assert_eq!(server.local_addrs().len(), 2);
        let mut conns = Vec::new();
        for addr in server.local_addrs() {
            let c = TcpStream::connect(addr).await.unwrap();
            let mut greeting = [0u8; 2];
            c.read_exact(&mut greeting).await.unwrap();
            conns.push(c);
        }
        server.close_clients();
        for c in &conns {
            assert_eq!(read_to_eof(c).await.unwrap(), b"");
        }
        until("both lost", || l.borrow().len() == 2).await;

        let streams = tulip::net::ServerOptions::new()
            .start_server(
                "127.0.0.1:0",
                |_r, w: tulip::net::StreamWriter| async move {
                    w.write(b"hi")?;
                    w.drain().await?;
                    // Stay open until the server closes the client.
                    std::future::pending::<io::Result<()>>().await
                },
            )
            .await
            .unwrap();
        let c = TcpStream::connect(streams.local_addrs()[0]).await.unwrap();
        let mut greeting = [0u8; 2];
        c.read_exact(&mut greeting).await.unwrap();
        until("one client", || streams.active_clients() == 1).await;
        streams.close_clients();
        assert_eq!(read_to_eof(&c).await.unwrap(), b"");
        server.close();
        streams.close();
    });
}
