//! A `start_server` handler that panics (asyncio: `client_connected_cb` raises) ends only its own
//! connection: the panic is reported, the client sees the connection end, the server keeps serving,
//! `active_clients()` forgets the dead connection and `wait_closed()` does not wait for it.
//! Current CPython's `StreamReaderProtocol` does the same: a done-callback on the handler's task calls
//! the exception handler ("Unhandled exception in client_connected_cb") and closes the transport.

mod support;

use std::io;

use support::protocol::{read_to_eof, until};
use tulip::net::{start_server, StreamReader, StreamWriter, TcpStream};

#[test]
fn a_panicking_handler_ends_only_its_connection() {
    let lp = support::real_loop();
    let reports = support::record_exceptions(&lp);
    lp.block_on(async {
        tulip::time::timeout(support::net::TEST_TIMEOUT, async {
            let server = start_server(
                "127.0.0.1:0",
                |mut r: StreamReader, w: StreamWriter| async move {
                    let line = r.readline().await?;
                    if line.starts_with(b"boom") {
                        panic!("handler failed");
                    }
                    w.write(&line)?;
                    w.drain().await?;
                    w.close();
                    io::Result::Ok(())
                },
            )
            .await?;
            let addr = server.local_addrs()[0];
            let bad = TcpStream::connect(addr).await?;
            bad.write_all(b"boom\n").await?;
            let _ = read_to_eof(&bad).await;
            until("the dead connection to be forgotten", || {
                server.active_clients() == 0
            })
            .await;

            let good = TcpStream::connect(addr).await?;
            good.write_all(b"hello\n").await?;
            assert_eq!(read_to_eof(&good).await?, b"hello\n");
            server.close();
            server.wait_closed().await;
            io::Result::Ok(())
        })
        .await
        .expect("the scenario hung")
    })
    .unwrap();
    assert!(
        reports
            .borrow()
            .iter()
            .any(|r| r.panic_message.as_deref() == Some("handler failed")),
        "{:?}",
        reports.borrow()
    );
}
