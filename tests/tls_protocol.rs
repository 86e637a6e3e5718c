//! Needs `--features tls,rcgen`: the Protocol layer over TLS (`tulip::tls::create_connection` /
//! `create_server`), and what a TLS connection tells about itself (`get_extra_info("peercert")`,
//! `("cipher")`) through the streams' writer and the transport.
#![cfg(all(feature = "tls", feature = "rcgen"))]

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::{assert_lost, data_of, merged, until, Event, Log, Recorder};
use support::tls::Pki;
use tulip::net::{StreamReader, TcpStream};
use tulip::tls::rustls::ProtocolVersion;
use tulip::tls::{create_connection, create_server, open_connection, start_server, TlsSocket};

/// ```python
/// server = await loop.create_server(Echo, host, port, ssl=server_ctx)
/// transport, proto = await loop.create_connection(Recorder, host, port, ssl=client_ctx,
///                                                 server_hostname="localhost")
/// transport.get_extra_info("peercert"); transport.get_extra_info("cipher")
/// transport.close()   # close_notify: the server's protocol sees EOF, then connection_lost(None)
/// ```
#[tulip::test]
async fn protocols_echo_over_tls_and_close_cleanly() {
    let pki = Pki::new();
    let server_log: Log = Rc::new(RefCell::new(Vec::new()));
    let mut make = Recorder::factory(&server_log);
    let server = create_server(
        move || Recorder {
            on_data: |t, d| t.write(d).unwrap(),
            ..make()
        },
        "127.0.0.1:0",
        pki.server(),
    )
    .await
    .unwrap();
    let client_log: Log = Rc::new(RefCell::new(Vec::new()));
    let (transport, _p) = create_connection(
        Recorder::factory(&client_log),
        server.local_addrs()[0],
        pki.client(),
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(transport.peer_addr().unwrap(), server.local_addrs()[0]);
    assert!(!transport.can_write_eof());
    assert_eq!(
        transport.write_eof().unwrap_err().kind(),
        io::ErrorKind::Unsupported
    );
    let tls: TlsSocket = transport.stream().unwrap();
    assert_eq!(tls.peercert().as_deref(), Some(pki.server_cert().as_ref()));
    assert!(tls.cipher().is_some());
    assert_eq!(tls.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert!(transport.with_socket(|_| ()).is_none()); // not a plain socket

    let big: Vec<u8> = (0..500_000u32).map(|i| (i % 251) as u8).collect();
    transport.write(&big).unwrap();
    until("the echo", || data_of(&client_log).len() == big.len()).await;
    assert_eq!(data_of(&client_log), big);

    transport.close();
    assert_lost(&client_log, None).await;
    assert_lost(&server_log, None).await;
    assert_eq!(
        merged(&server_log),
        vec![Event::Made, Event::Data(big), Event::Eof, Event::Lost(None)]
    );
    server.close();
    server.wait_closed().await;
}

/// A client that is not TLS: the handshake fails, only that connection is dropped, the server keeps
/// serving.
#[tulip::test]
async fn a_plain_client_does_not_stop_a_tls_protocol_server() {
    let pki = Pki::new();
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let server = create_server(Recorder::factory(&log), "127.0.0.1:0", pki.server())
        .await
        .unwrap();
    let plain = TcpStream::connect(server.local_addrs()[0]).await.unwrap();
    plain.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    // The server answers with an alert or just closes; either way the connection ends.
    while plain.read(&mut buf).await.unwrap_or(0) > 0 {}
    assert!(
        log.borrow().is_empty(),
        "a protocol ran for a failed handshake"
    );
    let (transport, _p) = create_connection(
        Recorder::factory(&Rc::new(RefCell::new(Vec::new()))),
        server.local_addrs()[0],
        pki.client(),
        "localhost",
    )
    .await
    .unwrap();
    until("connection_made", || {
        log.borrow().first() == Some(&Event::Made)
    })
    .await;
    transport.close();
    server.close();
}

/// The streams' writer reaches the TLS details too, and a server that asks for a client certificate
/// sees it: `writer.get_extra_info("peercert")` on both ends.
#[tulip::test]
async fn streams_see_the_peer_certificate_both_ways() {
    let pki = Pki::new();
    let seen: Rc<RefCell<Option<usize>>> = Rc::new(RefCell::new(None));
    let s = seen.clone();
    let server = start_server(
        "127.0.0.1:0",
        pki.server_requiring_client_cert(),
        move |mut reader: StreamReader<TlsSocket>, writer| {
            *s.borrow_mut() = writer.get_ref().peercert().map(|c| c.len());
            async move {
                let line = reader.readline().await?;
                writer.write(&line)?;
                writer.close();
                writer.wait_closed().await
            }
        },
    )
    .await
    .unwrap();
    let (mut reader, writer) =
        open_connection(server.local_addrs()[0], pki.client_with_cert(), "localhost")
            .await
            .unwrap();
    assert_eq!(
        writer.get_ref().peercert().as_deref(),
        Some(pki.server_cert().as_ref())
    );
    assert_eq!(writer.peer_addr().unwrap(), server.local_addrs()[0]);
    writer.write(b"who am I\n").unwrap();
    assert_eq!(reader.readline().await.unwrap(), b"who am I\n");
    assert!(seen.borrow().is_some_and(|len| len > 0));
    server.close();
    server.wait_closed().await;
}

/// `Server.close_clients()` reaches TLS stream connections: the client's reader sees the end.
#[tulip::test]
async fn close_clients_ends_tls_stream_connections() {
    let pki = Pki::new();
    let started = Rc::new(RefCell::new(false));
    let s = started.clone();
    let server = start_server("127.0.0.1:0", pki.server(), move |mut reader, _writer| {
        *s.borrow_mut() = true;
        async move { reader.read_to_end().await.map(drop) }
    })
    .await
    .unwrap();
    let (mut reader, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    writer.write(b"hello").unwrap();
    writer.drain().await.unwrap();
    // Past the handshake (before it, close_clients shuts the plain socket: no close_notify).
    until("the handler", || *started.borrow()).await;
    server.close_clients();
    assert_eq!(reader.read_to_end().await.unwrap(), b"");
    server.close();
    server.wait_closed().await;
}

/// ```python
/// transport, proto = await loop.create_connection(Recorder, host, port)   # plain
/// transport.write(b"STARTTLS\n")                                           # the server says GO
/// tls_transport = await loop.start_tls(transport, proto, client_ctx, server_hostname="localhost")
/// tls_transport.write(b"secret")                                          # same protocol, now over TLS
/// ```
#[tulip::test]
async fn start_tls_upgrades_a_running_transport() {
    use tulip::tls::{start_tls_server, upgrade_transport_client};
    let pki = Pki::new();
    let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server();
    let server = tulip::spawn(async move {
        let (sock, _) = listener.accept().await?;
        let mut word = [0u8; 9];
        sock.read_exact(&mut word).await?;
        assert_eq!(&word, b"STARTTLS\n");
        sock.write_all(b"GO\n").await?;
        let tls = start_tls_server(sock, config).await?;
        let sock = TlsSocket::new(tls.into());
        let mut r = StreamReader::new(sock.clone());
        let w = tulip::net::StreamWriter::new(sock);
        let got = r.readexactly(6).await.map_err(io::Error::from)?;
        w.write(&got)?;
        w.close();
        w.wait_closed().await
    });
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let (plain, _p) = tulip::net::create_connection(Recorder::factory(&log), addr)
        .await
        .unwrap();
    plain.write(b"STARTTLS\n").unwrap();
    until("GO", || data_of(&log) == b"GO\n").await;
    let tls = upgrade_transport_client(&plain, pki.client(), "localhost")
        .await
        .unwrap();
    assert!(plain.is_closing());
    assert_eq!(
        plain.write(b"x").unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
    assert!(tls.stream::<TlsSocket>().unwrap().peercert().is_some());
    tls.write(b"secret").unwrap();
    assert_lost(&log, None).await;
    // One protocol throughout: made once, the plain reply, the TLS echo, the end.
    assert_eq!(
        merged(&log),
        vec![
            Event::Made,
            Event::Data(b"GO\nsecret".to_vec()),
            Event::Eof,
            Event::Lost(None)
        ]
    );
    server.await.unwrap();
}
