//! Linux only: Unix servers on abstract socket names (a leading NUL byte: no file in the file
//! system). `start_unix_server` / `create_unix_server` bind them as `UnixListener::bind` does, serve,
//! and after `close()` the name is free again; there is no file to remove before or after.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use support::net::run;
use support::protocol::{data_of, until, Log, Recorder};
use tulip::net::{create_unix_server, open_unix_connection, start_unix_server};

/// A name no other test (or process) uses.
fn abstract_name(tag: &str) -> String {
    format!("\0tulip-test-{tag}-{}", std::process::id())
}

/// ```python
/// name = "\0tulip-test"
/// server = await asyncio.start_unix_server(echo_line, name)   # asyncio skips the stale-file check
/// r, w = await asyncio.open_unix_connection(name)             # for a name starting with NUL
/// w.write(b"hi\n"); await r.readline() == b"hi\n"
/// server.close(); await server.wait_closed()
/// server = await asyncio.start_unix_server(echo_line, name)   # the name is free again
/// ```
#[test]
fn start_unix_server_serves_an_abstract_name_and_frees_it_on_close() {
    let name = abstract_name("streams");
    run(async {
        for _ in 0..2 {
            let server = start_unix_server(&name, |mut r, w| async move {
                let line = r.readline().await?;
                w.write(&line)?;
                w.close();
                w.wait_closed().await
            })
            .await
            .unwrap();
            let (mut r, w) = open_unix_connection(&name).await.unwrap();
            w.write(b"hi\n").unwrap();
            assert_eq!(r.readline().await.unwrap(), b"hi\n");
            server.close();
            server.wait_closed().await;
        }
    });
}

/// The Protocol form: `loop.create_unix_server(factory, name)` on an abstract name.
#[test]
fn create_unix_server_serves_an_abstract_name() {
    let name = abstract_name("protocol");
    run(async {
        let log: Log = Rc::new(RefCell::new(Vec::new()));
        let server = create_unix_server(Recorder::factory(&log), &name)
            .await
            .unwrap();
        let (r, w) = open_unix_connection(&name).await.unwrap();
        w.write(b"x").unwrap();
        until("data_received", || data_of(&log) == b"x").await;
        // The server's connection ends when the client closes; then `wait_closed` returns.
        w.close();
        drop(r);
        server.close();
        server.wait_closed().await;
    });
}
