//! `Transport::with_socket` (asyncio `get_extra_info("socket")`): socket options of a live connection.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::until;
use tulip::net::{create_connection, create_server, Protocol, Transport};

struct Nothing;
impl Protocol for Nothing {}

/// Records whether the connection was lost.
struct Watch(Rc<RefCell<bool>>);
impl Protocol for Watch {
    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        *self.0.borrow_mut() = true;
    }
}

/// `transport.get_extra_info("socket").setsockopt(...)` / `getsockopt(...)`: an option set through the
/// socket reads back, and the address agrees with `sockname`.
#[test]
fn socket_options_set_through_the_transport_read_back() {
    support::real_loop().block_on(async {
        let server = create_server(|| Nothing, "127.0.0.1:0").await.unwrap();
        let (transport, _) = create_connection(|| Nothing, server.local_addrs()[0])
            .await
            .unwrap();
        assert_eq!(transport.with_socket(|s| s.nodelay().unwrap()), Some(true));
        transport
            .with_socket(|s| s.set_keepalive(true).unwrap())
            .unwrap();
        assert_eq!(
            transport.with_socket(|s| s.keepalive().unwrap()),
            Some(true)
        );
        let local = transport
            .with_socket(|s| s.local_addr().unwrap().as_socket().unwrap())
            .unwrap();
        assert_eq!(local, transport.local_addr().unwrap());
        transport.close();
        server.close();
    });
}

/// The closure may call the transport (no state is borrowed while it runs).
#[test]
fn the_closure_may_use_the_transport() {
    support::real_loop().block_on(async {
        let server = create_server(|| Nothing, "127.0.0.1:0").await.unwrap();
        let (transport, _) = create_connection(|| Nothing, server.local_addrs()[0])
            .await
            .unwrap();
        let t: Transport = transport.clone();
        let size = transport.with_socket(move |_s| {
            t.write(b"x").unwrap();
            t.get_write_buffer_size()
        });
        assert_eq!(size, Some(0));
        transport.close();
        server.close();
    });
}

/// Once the connection has ended the socket is closed, and `with_socket` says so with `None`.
#[test]
fn no_socket_after_the_connection_ended() {
    let lost = Rc::new(RefCell::new(false));
    let l = lost.clone();
    support::real_loop().block_on(async move {
        let server = create_server(|| Nothing, "127.0.0.1:0").await.unwrap();
        let (transport, _) = create_connection(move || Watch(l.clone()), server.local_addrs()[0])
            .await
            .unwrap();
        transport.close();
        until("connection_lost", || *lost.borrow()).await;
        tulip::yield_now().await;
        assert!(transport.with_socket(|_| ()).is_none());
        server.close();
    });
}

/// `transport.get_extra_info("socket").fileno()`: the raw descriptor, read through the borrowed
/// socket, is an open socket of this process while the connection lives.
#[test]
fn raw_descriptor_is_the_connections_socket() {
    use std::os::fd::AsRawFd;
    support::real_loop().block_on(async {
        let server = create_server(|| Nothing, "127.0.0.1:0").await.unwrap();
        let (transport, _) = create_connection(|| Nothing, server.local_addrs()[0])
            .await
            .unwrap();
        let fd = transport.with_socket(|s| s.as_raw_fd()).unwrap();
        assert!(fd > 2);
        if let Ok(link) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
            assert!(link.to_string_lossy().starts_with("socket:"), "{link:?}");
        }
        transport.close();
        server.close();
    });
}
