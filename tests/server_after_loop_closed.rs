//! A `Server` kept after its loop was closed and dropped: every method answers (asyncio's value or a
//! clear error), none panics or hangs.

use std::io;

use tulip::net::{create_server, Protocol, TcpStream};
use tulip::Loop;

struct Nothing;
impl Protocol for Nothing {}

fn server_outliving_its_loop() -> tulip::net::Server {
    let lp = Loop::builder().debug(false).build().unwrap();
    let server = lp
        .block_on(create_server(|| Nothing, "127.0.0.1:0"))
        .unwrap();
    lp.close();
    drop(lp);
    server
}

/// ```python
/// srv = loop.run_until_complete(loop.create_server(P, "127.0.0.1", 0))
/// loop.close()
/// srv.is_serving(), len(srv.sockets)      # True, 1: closing the loop does not close the server
/// srv.close()                             # fine
/// srv.is_serving(), len(srv.sockets)      # False, 0
/// ```
#[test]
fn a_server_outliving_its_loop_answers_and_closes() {
    let server = server_outliving_its_loop();
    assert!(server.get_loop().is_none());
    assert!(server.is_serving());
    assert_eq!(server.local_addrs().len(), 1);
    assert_eq!(server.active_clients(), 0);
    server.close_clients();
    server.abort_clients();
    server.close();
    assert!(!server.is_serving());
    server.close();
    // `wait_closed` from another loop: done at once (asyncio: returns).
    Loop::new().unwrap().block_on(server.wait_closed());
}

/// ```python
/// loop2.run_until_complete(srv.serve_forever())
/// # RuntimeError: ... attached to a different loop   (the server's loop is closed)
/// ```
/// tulip: an error at once instead of waiting for accepts that no loop will ever make.
#[test]
fn serve_forever_on_a_server_whose_loop_is_gone_is_an_error() {
    let server = server_outliving_its_loop();
    let res = Loop::new().unwrap().block_on(server.serve_forever());
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::NotConnected);
}

/// A server made on one loop, `serve_forever` awaited on another running loop: an error (asyncio: a
/// future attached to a different loop), not a hang.
#[test]
fn serve_forever_from_another_loop_is_an_error() {
    let lp = Loop::builder().debug(false).build().unwrap();
    let server = lp
        .block_on(create_server(|| Nothing, "127.0.0.1:0"))
        .unwrap();
    let res = Loop::new().unwrap().block_on(server.serve_forever());
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::NotConnected);
    // The server itself still works on its own loop.
    let addr = server.local_addrs()[0];
    lp.block_on(async {
        let _c = TcpStream::connect(addr).await.unwrap();
        server.close();
    });
}
