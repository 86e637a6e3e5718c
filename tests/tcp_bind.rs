//! `TcpListener::bind` / `bind_with`: port 0, address in use, `SO_REUSEADDR`, `SO_REUSEPORT`.

mod support;

use std::io::ErrorKind;

use support::net::run;
use tulip::net::{TcpListener, TcpStream, DEFAULT_BACKLOG};

/// Port 0 gives each listener its own free port.
#[test]
fn port_zero_picks_distinct_ports() {
    run(async {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (a, b) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_ne!(a.port(), 0);
        assert_ne!(a.port(), b.port());
    });
}

/// asyncio: `create_server` on a port another socket listens on raises `OSError(EADDRINUSE)`, even
/// with `SO_REUSEADDR`.
#[test]
fn address_in_use_is_addr_in_use() {
    run(async {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let err = TcpListener::bind(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        let err = TcpListener::bind_with(addr, DEFAULT_BACKLOG, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    });
}

/// asyncio sets `SO_REUSEADDR` on listening sockets so a restarted server can bind its port while
/// connections of the previous one sit in `TIME_WAIT`.
#[test]
fn rebinding_a_port_with_time_wait_connections_works() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // The server side closes first, so its end of the connection goes to TIME_WAIT.
        drop(server);
        let mut buf = [0u8; 1];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        drop(client);
        drop(listener);
        let again = TcpListener::bind(addr).await.unwrap();
        assert_eq!(again.local_addr().unwrap(), addr);
    });
}

/// `create_server(..., reuse_port=True)`: several listeners share one port and each accepts.
#[test]
fn reuse_port_lets_listeners_share_a_port() {
    run(async {
        let first = TcpListener::bind_with("127.0.0.1:0".parse().unwrap(), 64, true).unwrap();
        let addr = first.local_addr().unwrap();
        let second = TcpListener::bind_with(addr, 64, true).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        let mut clients = Vec::new();
        for _ in 0..8 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        // Every connection lands on one of the two listeners (which one is the kernel's choice).
        let mut accepted = 0;
        while accepted < clients.len() {
            for l in [&first, &second] {
                let wait = std::time::Duration::from_millis(10);
                if let Ok(conn) = tulip::time::timeout(wait, l.accept()).await {
                    conn.unwrap();
                    accepted += 1;
                }
            }
        }
    });
}

/// `from_std` / `into_std` move a listener in and out of the loop.
#[test]
fn std_listener_round_trip() {
    run(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let _c = TcpStream::connect(addr).await.unwrap();
        listener.accept().await.unwrap();
        let back = listener.into_std().unwrap();
        assert_eq!(back.local_addr().unwrap(), addr);
    });
}
