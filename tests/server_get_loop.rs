//! `Server::get_loop` (asyncio `Server.get_loop()`): the server's own loop while it lives, `None` once
//! it is gone; the server does not keep it alive.

use tulip::net::{create_server, start_server, Protocol, StreamReader, StreamWriter};
use tulip::Loop;

struct Nothing;
impl Protocol for Nothing {}

/// `server.get_loop() is asyncio.get_running_loop()`: the same loop (scheduling through it runs on
/// it), for `create_server` and `start_server` alike.
#[test]
fn get_loop_is_the_loop_the_server_runs_on() {
    let lp = Loop::builder().debug(false).build().unwrap();
    lp.block_on(async {
        let server = create_server(|| Nothing, "127.0.0.1:0").await.unwrap();
        let got = server.get_loop().expect("the loop lives");
        assert!(got.is_running());
        let (tx, rx) = std::sync::mpsc::channel();
        got.call_soon(move || tx.send(7).unwrap());
        tulip::yield_now().await;
        assert_eq!(rx.try_recv(), Ok(7));
        server.close();

        let server = start_server("127.0.0.1:0", |_r: StreamReader, _w: StreamWriter| async {})
            .await
            .unwrap();
        assert!(server.get_loop().unwrap().is_running());
        server.close();
    });
}

/// A server kept after its loop was closed returns the closed loop (as asyncio does) while a `Loop`
/// still owns it; once the last owner is dropped the server does not keep the loop alive:
/// `get_loop()` is `None`.
#[test]
fn get_loop_is_none_once_the_loop_is_dropped() {
    let lp = Loop::builder().debug(false).build().unwrap();
    let server = lp
        .block_on(create_server(|| Nothing, "127.0.0.1:0"))
        .unwrap();
    // Still owned: the loop is there between runs, not running, not closed.
    let again = server.get_loop().unwrap();
    assert!(!again.is_running());
    assert!(!again.is_closed());
    drop(again);
    lp.close();
    assert!(server.get_loop().unwrap().is_closed());
    drop(lp);
    assert!(server.get_loop().is_none());
    server.close();
}
