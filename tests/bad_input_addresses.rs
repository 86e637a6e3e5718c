//! Bad addresses given to the public API: a clear `io::Error` (never a panic, never a hang), and the
//! socket or loop still usable afterwards.

use std::io::ErrorKind;
use std::time::Duration;

use tulip::net::{
    create_connection, open_connection, start_server, Protocol, StreamReader, StreamWriter,
    TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};

#[derive(Debug)]
struct Nothing;
impl Protocol for Nothing {}

/// Each of these is refused with an error, quickly (a bounded wait, so a hang fails the test).
fn refused<T: std::fmt::Debug>(
    what: &str,
    fut: impl std::future::Future<Output = std::io::Result<T>>,
) {
    let res = tulip::run(async { tulip::time::timeout(Duration::from_secs(20), fut).await });
    match res {
        Ok(Err(e)) => eprintln!("{what}: {e} ({:?})", e.kind()),
        Ok(Ok(v)) => panic!("{what}: accepted: {v:?}"),
        Err(_) => panic!("{what}: no answer within 20 s"),
    }
}

#[test]
fn malformed_and_out_of_range_addresses_are_errors() {
    for addr in [
        "",
        "nonsense",
        "127.0.0.1",
        "127.0.0.1:99999",
        "256.0.0.1:80",
        "127.0.0.1:-1",
        "[::1:80",
        ":80",
    ] {
        refused(&format!("bind {addr:?}"), TcpListener::bind(addr));
        refused(&format!("connect {addr:?}"), TcpStream::connect(addr));
        refused(&format!("udp bind {addr:?}"), UdpSocket::bind(addr));
        refused(&format!("open_connection {addr:?}"), async {
            open_connection(addr).await.map(|_| ())
        });
        refused(&format!("start_server {addr:?}"), async {
            start_server(addr, |_r: StreamReader, _w: StreamWriter| async {
                std::io::Result::Ok(())
            })
            .await
            .map(|_| ())
        });
        refused(&format!("create_connection {addr:?}"), async {
            create_connection(|| Nothing, addr).await.map(|_| ())
        });
    }
}

#[test]
fn connecting_to_a_closed_port_is_connection_refused() {
    tulip::run(async {
        // A port that was just free: bind, read the port, close.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let err = create_connection(|| Nothing, addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // Port 0 is no destination.
        assert!(TcpStream::connect("127.0.0.1:0").await.is_err());
    });
}

#[test]
fn binding_an_address_in_use_is_addr_in_use() {
    tulip::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let err = tulip::net::TcpListener::bind_with(addr, 128, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        // The first listener still works.
        let _c = TcpStream::connect(addr).await.unwrap();
        l.accept().await.unwrap();
    });
}

/// A datagram to an address of the other family is an error; the socket still works.
#[test]
fn udp_send_to_the_wrong_address_family_is_an_error() {
    tulip::run(async {
        let v4 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert!(v4
            .send_to(b"x", "[::1]:9".parse::<std::net::SocketAddr>().unwrap())
            .await
            .is_err());
        let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        v4.send_to(b"ok", peer.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 4];
        let (n, _) = peer.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ok");
        // Port 0 is no destination either.
        assert!(v4
            .send_to(b"x", "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap())
            .await
            .is_err());
    });
}

#[test]
fn bad_unix_socket_paths_are_errors() {
    let long = std::env::temp_dir().join("x".repeat(200));
    let missing_dir = std::env::temp_dir().join("tulip-no-such-dir").join("sock");
    tulip::run(async {
        assert!(UnixListener::bind(&long).is_err());
        assert!(UnixListener::bind(&missing_dir).is_err());
        assert!(UnixDatagram::bind(&long).is_err());
        let err = UnixStream::connect(&missing_dir).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(UnixStream::connect(&long).await.is_err());
        let d = UnixDatagram::unbound().unwrap();
        assert!(d.send_to(b"x", &missing_dir).await.is_err());
    });
}

/// Writing to a connection the peer has closed is an error (`BrokenPipe` / `ConnectionReset`), never a
/// SIGPIPE that kills the process.
#[test]
fn writing_after_the_peer_closed_is_an_error() {
    tulip::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        drop(s);
        let chunk = vec![0u8; 64 * 1024];
        let mut failed = None;
        for _ in 0..1000 {
            if let Err(e) = c.write_all(&chunk).await {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("writes to a closed peer kept succeeding");
        assert!(
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{e:?}"
        );
        // Writing after our own shutdown is an error too.
        let c2 = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        c2.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(c2.write_all(b"late").await.is_err());
    });
}
