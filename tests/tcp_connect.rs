//! `TcpStream::connect`: error kinds, string addresses, trying each address in turn.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;

use support::net::run;
use tulip::net::{TcpListener, TcpStream};

/// An address on 127.0.0.1 that nothing listens on.
fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// asyncio: `open_connection` to a closed port raises `ConnectionRefusedError`, as soon as the
/// peer's reset arrives.
#[test]
fn refused_is_connection_refused() {
    run(async {
        let err = TcpStream::connect(closed_port()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    });
}

/// Many refused connects in a row: each fails with the right kind and leaves nothing registered
/// that would disturb the next.
#[test]
fn repeated_refusals_stay_prompt_and_right() {
    run(async {
        let addr = closed_port();
        for _ in 0..50 {
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
    });
}

/// `"host:port"` strings and `(ip, port)` pairs are accepted; literal addresses need no DNS.
#[test]
fn connects_to_strings_and_pairs() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let s = TcpStream::connect(addr.to_string()).await.unwrap();
        assert_eq!(s.peer_addr().unwrap(), addr);
        let s = TcpStream::connect(("127.0.0.1", addr.port()))
            .await
            .unwrap();
        assert_eq!(s.peer_addr().unwrap(), addr);
        let s = TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, addr.port()))
            .await
            .unwrap();
        assert_eq!(s.peer_addr().unwrap(), addr);
    });
}

/// asyncio's `create_connection` tries every address `getaddrinfo` returned, in order, and raises
/// only when all fail.
#[test]
fn tries_each_address_in_turn() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = listener.local_addr().unwrap();
        let addrs = vec![closed_port(), closed_port(), good];
        let s = TcpStream::connect(addrs).await.unwrap();
        assert_eq!(s.peer_addr().unwrap(), good);
    });
}

/// When every address fails, the error is the last address's.
#[test]
fn all_addresses_refused_gives_the_last_error() {
    run(async {
        let err = TcpStream::connect(vec![closed_port(), closed_port()])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

/// An empty address list is `InvalidInput`, not a hang.
#[test]
fn no_address_is_invalid_input() {
    run(async {
        let err = TcpStream::connect(Vec::<SocketAddr>::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    });
}
