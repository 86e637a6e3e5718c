//! A `SubprocessProtocol` method that panics (asyncio: raises) is reported to the loop's exception
//! handler and the subprocess transport goes on: every byte the child writes still arrives, the child is
//! not left blocked on a full pipe, and `process_exited` and `connection_lost` still come. python3's
//! asyncio, the same program (`head -c 1000000 /dev/zero` on `subprocess_exec`, raising in one method):
//!
//! ```text
//! data      ['data', "handler: Exception in callback P.pipe_data_received(1, ..)", 'pipe_lost 2 None',
//!            'pipe_lost 1 None', 'exited', 'lost None bytes=1000000', 'rc 0']
//! pipe_lost ['pipe_lost 2 None', 'handler: Exception in callback P.pipe_connection_lost(2, None)',
//!            'pipe_lost 1 None', 'handler: ...', 'exited', 'lost None bytes=1000000', 'rc 0']
//! exited    ['pipe_lost 2 None', 'pipe_lost 1 None', 'exited', 'handler: Exception in callback
//!            P.process_exited()', 'lost None bytes=1000000', 'rc 0']
//! ```
#![cfg(unix)]

mod support;

use std::io;

use support::protocol::until;
use support::{record_exceptions, Report};
use tulip::process::{SubprocessProtocol, SubprocessTransport};
use tulip::ExceptionKind;

const BYTES: usize = 1_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Where {
    Data,
    PipeLost,
    Exited,
}

struct Faulty {
    at: Where,
    bytes: usize,
    events: Vec<String>,
    done: bool,
    failed_once: bool,
}

impl Faulty {
    fn fail(&mut self, here: Where) {
        if self.at == here && !self.failed_once {
            self.failed_once = true;
            panic!("boom in {here:?}");
        }
    }
}

impl SubprocessProtocol for Faulty {
    fn connection_made(&mut self, _t: SubprocessTransport) {}
    fn pipe_data_received(&mut self, _fd: i32, data: &[u8]) {
        self.bytes += data.len();
        self.fail(Where::Data);
    }
    fn pipe_connection_lost(&mut self, fd: i32, exc: Option<io::Error>) {
        self.events
            .push(format!("pipe_lost {fd} {}", exc.is_some()));
        self.fail(Where::PipeLost);
    }
    fn process_exited(&mut self) {
        self.events.push("exited".into());
        self.fail(Where::Exited);
    }
    fn connection_lost(&mut self, _exc: Option<io::Error>) {
        self.events.push("lost".into());
        self.done = true;
    }
}

fn scenario(at: Where) -> (usize, Vec<String>, Option<i32>, Vec<Report>) {
    let lp = support::real_loop();
    let reports = record_exceptions(&lp);
    let out = lp.block_on(async {
        tulip::time::timeout(support::net::TEST_TIMEOUT, async {
            let (t, p) = tulip::process::subprocess_exec(
                || Faulty {
                    at,
                    bytes: 0,
                    events: Vec::new(),
                    done: false,
                    failed_once: false,
                },
                "sh",
                ["-c", "head -c 1000000 /dev/zero"],
            )
            .unwrap();
            until("connection_lost", || p.borrow().done).await;
            let p = p.borrow();
            (p.bytes, p.events.clone(), t.get_returncode())
        })
        .await
        .expect("the subprocess scenario hung (connection_lost never came)")
    });
    let reports = reports.borrow().clone();
    (out.0, out.1, out.2, reports)
}

fn check(at: Where) {
    let (bytes, events, rc, reports) = scenario(at);
    assert_eq!(bytes, BYTES, "bytes lost; events {events:?}");
    assert_eq!(rc, Some(0));
    assert_eq!(
        events.last().map(String::as_str),
        Some("lost"),
        "{events:?}"
    );
    assert!(events.iter().any(|e| e == "exited"), "{events:?}");
    assert_eq!(
        events.iter().filter(|e| e.starts_with("pipe_lost")).count(),
        3,
        "stdin, stdout and stderr (tulip pipes all three by default); {events:?}"
    );
    let want = format!("boom in {at:?}");
    let got: Vec<_> = reports
        .iter()
        .filter_map(|r| Some((r.kind, r.panic_message.clone()?)))
        .collect();
    assert_eq!(got, [(ExceptionKind::CallbackPanic, want)]);
}

#[test]
fn panic_in_pipe_data_received_is_reported_and_every_byte_still_arrives() {
    check(Where::Data);
}

#[test]
fn panic_in_pipe_connection_lost_is_reported_and_the_transport_finishes() {
    check(Where::PipeLost);
}

#[test]
fn panic_in_process_exited_is_reported_and_connection_lost_follows() {
    check(Where::Exited);
}
