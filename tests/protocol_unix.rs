//! The Protocol API over Unix sockets: `create_unix_server` / `create_unix_connection`, and
//! `connect_accepted_socket` with a Unix stream. The same lifecycle as over TCP: `connection_made`,
//! `data_received`, `eof_received`, `connection_lost` exactly once.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use tulip::net::{
    connect_accepted_socket, create_unix_connection, create_unix_server, Transport, UnixStream,
};

use support::net::{run, TempDir};
use support::protocol::{assert_lost, data_of, merged, until, Event, Log, Recorder};

/// ```python
/// class Echo(asyncio.Protocol):
///     def connection_made(self, t): self.t = t
///     def data_received(self, data): self.t.write(data)
/// server = await loop.create_unix_server(Echo, path)
/// transport, proto = await loop.create_unix_connection(Recorder, path)
/// ```
#[test]
fn unix_server_and_connection_echo_and_end_cleanly() {
    let dir = TempDir::new();
    let path = dir.path("echo.sock");
    run(async {
        let server_log: Log = Rc::new(RefCell::new(Vec::new()));
        let mut make = Recorder::factory(&server_log);
        let server = create_unix_server(
            move || Recorder {
                on_data: |t, d| t.write(d).unwrap(),
                ..make()
            },
            &path,
        )
        .await?;
        let client_log: Log = Rc::new(RefCell::new(Vec::new()));
        let (transport, _protocol) =
            create_unix_connection(Recorder::factory(&client_log), &path).await?;
        assert_eq!(
            transport.unix_peer_addr()?.as_pathname(),
            Some(path.as_path())
        );
        assert!(transport.peer_addr().is_err());
        assert!(transport.can_write_eof());
        let big: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        transport.write(&big)?;
        until("the echo", || data_of(&client_log).len() == big.len()).await;
        assert_eq!(data_of(&client_log), big);
        // Half-close: the server's recorder gets EOF and (not keeping open) closes; we get EOF too.
        transport.write_eof()?;
        assert_lost(&client_log, None).await;
        assert_lost(&server_log, None).await;
        assert_eq!(
            merged(&client_log),
            vec![
                Event::Made,
                Event::Data(big.clone()),
                Event::Eof,
                Event::Lost(None)
            ]
        );
        assert_eq!(
            merged(&server_log),
            vec![Event::Made, Event::Data(big), Event::Eof, Event::Lost(None)]
        );
        server.close();
        server.wait_closed().await;
        assert!(!path.exists());
        io::Result::Ok(())
    })
    .unwrap();
}

/// `server.close_clients()` reaches Unix-socket protocols too.
#[test]
fn close_clients_closes_unix_transports() {
    let dir = TempDir::new();
    let path = dir.path("clients.sock");
    run(async {
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let server = create_unix_server(Recorder::factory(&log), &path).await?;
        let client = UnixStream::connect(&path).await?;
        until("the connection", || server.active_clients() == 1).await;
        server.close_clients();
        assert_lost(&log, None).await;
        assert_eq!(client.read(&mut [0u8; 8]).await?, 0);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// a, b = socket.socketpair()
/// transport, proto = await loop.connect_accepted_socket(Recorder, a)
/// ```
#[test]
fn connect_accepted_socket_takes_a_unix_stream() {
    run(async {
        let (a, b) = UnixStream::pair()?;
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let (transport, _p): (Transport, _) = connect_accepted_socket(Recorder::factory(&log), a)?;
        assert!(transport.unix_local_addr()?.is_unnamed());
        assert!(transport.stream::<UnixStream>().is_some());
        b.write_all(b"ping").await?;
        transport.write(b"pong")?;
        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"pong");
        drop(b);
        assert_lost(&log, None).await;
        assert_eq!(
            merged(&log),
            vec![
                Event::Made,
                Event::Data(b"ping".to_vec()),
                Event::Eof,
                Event::Lost(None)
            ]
        );
        io::Result::Ok(())
    })
    .unwrap();
}
