//! A `DatagramProtocol` method that panics (asyncio: raises) is reported to the loop's exception handler
//! and the endpoint goes on, as asyncio's. python3's asyncio, the same program (an endpoint raising on
//! the datagram `b"bad"`):
//!
//! ```text
//! ["dgram b'bad'", 'handler: Exception in callback _SelectorDatagramTransport._read_ready()',
//!  "dgram b'good'", 'closing False', 'lost None']
//! ```
//!
//! Before the fix the panic unwound the endpoint's task: the endpoint stopped reading, never called
//! `connection_lost`, and `close()` after it did nothing, so its owner waited forever.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use support::protocol::until;
use support::{record_exceptions, Report};
use tulip::net::{create_datagram_endpoint, DatagramProtocol, DatagramTransport, UdpSocket};
use tulip::ExceptionKind;

#[derive(Default)]
struct Log {
    datagrams: Vec<Vec<u8>>,
    errors: usize,
    lost: usize,
}

/// Panics on the datagram "bad", in `error_received`, and (if `fail_lost`) in `connection_lost`.
struct Faulty {
    log: Rc<RefCell<Log>>,
    fail_lost: bool,
}

impl DatagramProtocol for Faulty {
    fn connection_made(&mut self, _t: DatagramTransport) {}
    fn datagram_received(&mut self, data: &[u8], _addr: SocketAddr) {
        self.log.borrow_mut().datagrams.push(data.to_vec());
        if data == b"bad" {
            panic!("boom in datagram_received");
        }
    }
    fn error_received(&mut self, _exc: io::Error) {
        self.log.borrow_mut().errors += 1;
        panic!("boom in error_received");
    }
    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.log.borrow_mut().lost += 1;
        if self.fail_lost {
            panic!("boom in connection_lost");
        }
    }
}

fn panics_reported(reports: &[Report]) -> Vec<(ExceptionKind, String)> {
    reports
        .iter()
        .filter_map(|r| Some((r.kind, r.panic_message.clone()?)))
        .collect()
}

/// Runs `body` against an endpoint with a [`Faulty`] protocol; returns the log and the reports.
fn scenario<F, Fut>(fail_lost: bool, body: F) -> (Rc<RefCell<Log>>, Vec<Report>)
where
    F: FnOnce(DatagramTransport, Rc<RefCell<Log>>) -> Fut,
    Fut: std::future::Future<Output = io::Result<()>>,
{
    let lp = support::real_loop();
    let reports = record_exceptions(&lp);
    let log = Rc::new(RefCell::new(Log::default()));
    let l = log.clone();
    lp.block_on(async {
        tulip::time::timeout(support::net::TEST_TIMEOUT, async {
            let (endpoint, _) = create_datagram_endpoint(
                move || Faulty {
                    log: l.clone(),
                    fail_lost,
                },
                "127.0.0.1:0".parse().ok(),
                None,
            )
            .await?;
            body(endpoint, log.clone()).await
        })
        .await
        .expect("the scenario hung")
    })
    .unwrap();
    // The loop is still usable.
    assert_eq!(lp.block_on(async { tulip::spawn(async { 1 }).await }), 1);
    let reports = reports.borrow().clone();
    (log, reports)
}

#[test]
fn panic_in_datagram_received_is_reported_and_the_endpoint_goes_on() {
    let (log, reports) = scenario(false, |endpoint, log| async move {
        let client = UdpSocket::bind("127.0.0.1:0").await?;
        let to = endpoint.local_addr()?;
        client.send_to(b"bad", to).await?;
        client.send_to(b"good", to).await?;
        until("both datagrams", || log.borrow().datagrams.len() == 2).await;
        assert!(!endpoint.is_closing());
        endpoint.close();
        until("connection_lost", || log.borrow().lost == 1).await;
        Ok(())
    });
    assert_eq!(log.borrow().datagrams, [b"bad".to_vec(), b"good".to_vec()]);
    assert_eq!(
        panics_reported(&reports),
        [(
            ExceptionKind::CallbackPanic,
            "boom in datagram_received".to_owned()
        )]
    );
}

/// A connected endpoint: the ICMP "port unreachable" surely reaches `error_received`, which panics.
#[test]
fn panic_in_error_received_of_a_connected_endpoint_is_reported() {
    let lp = support::real_loop();
    let reports = record_exceptions(&lp);
    let log = Rc::new(RefCell::new(Log::default()));
    let l = log.clone();
    lp.block_on(async {
        tulip::time::timeout(support::net::TEST_TIMEOUT, async {
            let closed = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?;
            let (endpoint, _) = create_datagram_endpoint(
                move || Faulty {
                    log: l.clone(),
                    fail_lost: false,
                },
                None,
                Some(closed),
            )
            .await?;
            endpoint.sendto(b"x", None)?;
            until("error_received", || log.borrow().errors >= 1).await;
            assert!(!endpoint.is_closing());
            endpoint.sendto(b"y", None)?;
            until("a second error_received", || log.borrow().errors >= 2).await;
            endpoint.close();
            until("connection_lost", || log.borrow().lost == 1).await;
            io::Result::Ok(())
        })
        .await
        .expect("the scenario hung")
    })
    .unwrap();
    let reported = panics_reported(&reports.borrow());
    assert!(
        reported.len() >= 2
            && reported
                .iter()
                .all(|(k, m)| *k == ExceptionKind::CallbackPanic && m == "boom in error_received"),
        "{reported:?}"
    );
}

#[test]
fn panic_in_connection_lost_is_reported_once() {
    let (log, reports) = scenario(true, |endpoint, log| async move {
        endpoint.close();
        until("connection_lost", || log.borrow().lost == 1).await;
        support::yield_many(5).await;
        Ok(())
    });
    assert_eq!(log.borrow().lost, 1);
    assert_eq!(
        panics_reported(&reports),
        [(
            ExceptionKind::CallbackPanic,
            "boom in connection_lost".to_owned()
        )]
    );
}
