//! Needs `--features tls,rcgen`: a TLS client that does not read while the server writes: the server's
//! `drain()` waits (the encrypted stream applies the socket's backpressure instead of taking every byte
//! into memory), and once the client reads, every byte arrives and `drain()` returns.
#![cfg(all(feature = "tls", feature = "rcgen"))]

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::tls::Pki;
use tulip::tls::{open_connection, start_server};

/// Far more than the socket buffers on both ends hold.
const SIZE: usize = 64 << 20;

/// ```python
/// writer.write(b"\x07" * (64 << 20))
/// await asyncio.wait_for(writer.drain(), 3600)   # TimeoutError: the client reads nothing
/// # ... the client reads it all; the next drain() returns
/// ```
#[tulip::test(start_paused = true)]
async fn drain_waits_for_a_client_that_does_not_read() {
    let pki = Pki::new();
    let waited: Rc<RefCell<Vec<&'static str>>> = Rc::new(RefCell::new(Vec::new()));
    let w2 = waited.clone();
    let server = start_server("127.0.0.1:0", pki.server(), move |_r, w| {
        let waited = w2.clone();
        async move {
            w.write(&vec![7u8; SIZE])?;
            match tulip::time::timeout(Duration::from_secs(3600), w.drain()).await {
                Err(_) => waited.borrow_mut().push("drain waited"),
                Ok(r) => {
                    r?;
                    waited.borrow_mut().push("drain returned at once");
                }
            }
            w.drain().await?;
            waited.borrow_mut().push("drained");
            w.close();
            w.wait_closed().await
        }
    })
    .await
    .unwrap();
    let (mut reader, _w) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    tulip::time::sleep(Duration::from_secs(7200)).await;
    assert_eq!(*waited.borrow(), ["drain waited"]);
    let got = reader.read_to_end().await.unwrap();
    assert_eq!(got.len(), SIZE);
    assert!(got.iter().all(|&b| b == 7));
    assert_eq!(*waited.borrow(), ["drain waited", "drained"]);
    server.close();
}
