//! A `Protocol` method that panics (asyncio: raises) ends at most its own connection, never the loop or
//! the server, and is reported to the loop's exception handler. Compared with python3's asyncio (the
//! same program, `create_server` + `open_connection`, a protocol raising in one method):
//!
//! ```text
//! made ['made', 'handler: Exception in callback P.connection_made(..)', "data b'hi'", 'eof', 'lost None', ..]
//! data ['made', "data b'hi'", 'handler: Fatal error: protocol.data_received() call failed.', 'lost RuntimeError', ..]
//! eof  ['made', "data b'hi'", 'eof', 'handler: Fatal error: protocol.eof_received() call failed.', 'lost RuntimeError', ..]
//! lost ['made', "data b'hi'", 'eof', 'lost None', 'handler: Exception in callback ..._call_connection_lost(None)', ..]
//! ```
//!
//! In every case the peer sees the connection end, the transport a protocol kept says `is_closing()`,
//! and the server accepts the next connection. After a failing `data_received` or `eof_received`,
//! asyncio still calls `connection_lost(exc)` (its `_fatal_error`), so a protocol that registered itself
//! somewhere in `connection_made` can unregister.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::{read_to_eof, until};
use support::{record_exceptions, Report};
use tulip::net::{create_server, Protocol, TcpStream, Transport};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Where {
    Made,
    Data,
    Eof,
    Lost,
}

type Log = Rc<RefCell<Vec<String>>>;

struct Faulty {
    at: Where,
    log: Log,
    kept: Rc<RefCell<Vec<Transport>>>,
}

impl Faulty {
    fn fail(&self, here: Where) {
        if self.at == here {
            panic!("boom in {here:?}");
        }
    }
}

impl Protocol for Faulty {
    fn connection_made(&mut self, transport: Transport) {
        self.kept.borrow_mut().push(transport);
        self.log.borrow_mut().push("made".into());
        self.fail(Where::Made);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.log
            .borrow_mut()
            .push(format!("data {}", String::from_utf8_lossy(data)));
        self.fail(Where::Data);
    }

    fn eof_received(&mut self) -> bool {
        self.log.borrow_mut().push("eof".into());
        self.fail(Where::Eof);
        false
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.log.borrow_mut().push(format!(
            "lost {}",
            if exc.is_some() { "err" } else { "none" }
        ));
        self.fail(Where::Lost);
    }
}

/// What happened: the protocol's log, the handler's reports, and the state of the kept transport.
struct Seen {
    log: Vec<String>,
    reports: Vec<Report>,
    closing: bool,
    late_write: io::Result<()>,
}

/// Runs one connection (write "hi", half-close, read to EOF) against a server whose protocol fails
/// at `at`, then a second connection that must be served too.
fn scenario(at: Where) -> Seen {
    let lp = support::real_loop();
    let reports = record_exceptions(&lp);
    let log: Log = Rc::default();
    let kept: Rc<RefCell<Vec<Transport>>> = Rc::default();
    let (l, k) = (log.clone(), kept.clone());
    let (closing, late_write) = lp
        .block_on(async move {
            tulip::time::timeout(support::net::TEST_TIMEOUT, async move {
                let (l2, k2) = (l.clone(), k.clone());
                let server = create_server(
                    move || Faulty {
                        at,
                        log: l2.clone(),
                        kept: k2.clone(),
                    },
                    "127.0.0.1:0",
                )
                .await?;
                let client = TcpStream::connect(server.local_addrs()[0]).await?;
                client.write_all(b"hi").await?;
                let data_seen = || l.borrow().iter().any(|e| e.starts_with("data"));
                // A protocol that failed in `connection_made` may never see the data.
                if at != Where::Made {
                    until("data_received", data_seen).await;
                }
                // The server may have reset the connection already (it closed with unread data).
                let _ = client.shutdown(std::net::Shutdown::Write);
                // The peer sees the connection end (EOF, or a reset).
                let _ = read_to_eof(&client).await;
                let t = k.borrow()[0].clone();
                until("the transport to close", || t.is_closing()).await;
                let late_write = t.write(b"late");

                // The server lives on: a second connection is accepted (its protocol fails the same way).
                let again = TcpStream::connect(server.local_addrs()[0]).await?;
                let _ = again.write_all(b"again").await;
                let _ = again.shutdown(std::net::Shutdown::Write);
                let _ = read_to_eof(&again).await;
                until("the second connection", || k.borrow().len() == 2).await;
                server.close();
                io::Result::Ok((t.is_closing(), late_write))
            })
            .await
            .expect("the scenario hung")
        })
        .unwrap();
    // Let the loop finish what the connections left (connection_lost, reports).
    lp.block_on(support::yield_many(5));
    let seen = Seen {
        log: log.borrow().clone(),
        reports: reports.borrow().clone(),
        closing,
        late_write,
    };
    seen
}

fn first_connection(log: &[String]) -> Vec<String> {
    // The second connection's events start at its "made".
    let second = log
        .iter()
        .enumerate()
        .filter(|(_, e)| *e == "made")
        .nth(1)
        .map_or(log.len(), |(i, _)| i);
    log[..second].to_vec()
}

fn reported(seen: &Seen, at: Where) -> bool {
    let want = format!("boom in {at:?}");
    seen.reports
        .iter()
        .any(|r| r.panic_message.as_deref() == Some(want.as_str()))
}

fn common_checks(seen: &Seen, at: Where) {
    assert!(reported(seen, at), "not reported: {:?}", seen.reports);
    assert!(seen.closing, "the kept transport is not closing");
    assert!(
        seen.late_write.is_err(),
        "a write on the dead connection's transport was accepted (data silently lost)"
    );
}

#[test]
fn panic_in_connection_made_ends_only_that_connection() {
    let seen = scenario(Where::Made);
    common_checks(&seen, Where::Made);
}

#[test]
fn panic_in_connection_lost_is_reported_and_the_server_lives_on() {
    let seen = scenario(Where::Lost);
    common_checks(&seen, Where::Lost);
    assert_eq!(
        first_connection(&seen.log),
        ["made", "data hi", "eof", "lost none"]
    );
}

#[test]
fn panic_in_data_received_ends_only_that_connection() {
    let seen = scenario(Where::Data);
    common_checks(&seen, Where::Data);
}

#[test]
fn panic_in_eof_received_ends_only_that_connection() {
    let seen = scenario(Where::Eof);
    common_checks(&seen, Where::Eof);
}

#[test]
fn panic_in_data_received_still_calls_connection_lost_with_an_error() {
    let seen = scenario(Where::Data);
    assert_eq!(first_connection(&seen.log), ["made", "data hi", "lost err"]);
}

#[test]
fn panic_in_eof_received_still_calls_connection_lost_with_an_error() {
    let seen = scenario(Where::Eof);
    assert_eq!(
        first_connection(&seen.log),
        ["made", "data hi", "eof", "lost err"]
    );
}

/// asyncio goes on with the connection after a failing `connection_made` (the exception is only
/// logged: `data_received`, `eof_received` and `connection_lost(None)` follow), and so does tulip.
#[test]
fn panic_in_connection_made_is_reported_and_the_connection_goes_on() {
    let seen = scenario(Where::Made);
    assert_eq!(
        first_connection(&seen.log),
        ["made", "data hi", "eof", "lost none"]
    );
}
