//! A `Protocol` whose `pause_writing` / `resume_writing` panics (asyncio: raises) is reported to the
//! loop's exception handler and the transport goes on: the `write` that crossed the mark returns `Ok`,
//! nothing is closed or aborted, every byte reaches the peer and `connection_lost` gets `None`.
//! asyncio's `_FlowControlMixin._maybe_pause_protocol` / `_maybe_resume_protocol` catch the exception
//! and call the exception handler with 'protocol.pause_writing() failed' /
//! 'protocol.resume_writing() failed' (`scripts/asyncio_ref/protocol_flow_control_raises.py`):
//!
//! ```text
//! stream ['pause_writing', 'handler: protocol.pause_writing() failed', 'write returned, closing=False',
//!         'resume_writing', 'handler: protocol.resume_writing() failed', 'drained, closing=False',
//!         'lost None', 'server got all: True']
//! ```
//!
//! Before the fix, a `pause_writing` called from `Transport::write` unwound into the writer, and one
//! called by the connection's task (after a protocol method's own write) aborted the connection with
//! `connection_lost(Err)`, as if `data_received` had panicked.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::protocol::{read_to_eof, until};
use support::{record_exceptions, Report};
use tulip::net::{create_connection, Protocol, TcpListener, Transport};
use tulip::ExceptionKind;

/// More than loopback's socket buffers take, so the transport has to buffer most of it.
const BIG: usize = 16 * 1024 * 1024;
const HIGH: usize = 16 * 1024;

type Log = Rc<RefCell<Vec<String>>>;

/// Panics in `pause_writing` and `resume_writing`; writes `BIG` bytes in `connection_made` when
/// `write_in_made`.
struct Raising {
    log: Log,
    write_in_made: bool,
}

impl Protocol for Raising {
    fn connection_made(&mut self, transport: Transport) {
        transport
            .set_write_buffer_limits(Some(HIGH), Some(0))
            .unwrap();
        if self.write_in_made {
            // The crossing is told after this method returns, by the connection's task.
            transport.write(&vec![7u8; BIG]).unwrap();
            self.log.borrow_mut().push("wrote in made".into());
        }
    }

    fn pause_writing(&mut self) {
        self.log.borrow_mut().push("pause_writing".into());
        panic!("boom in pause_writing");
    }

    fn resume_writing(&mut self) {
        self.log.borrow_mut().push("resume_writing".into());
        panic!("boom in resume_writing");
    }

    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.log.borrow_mut().push(format!(
            "lost {}",
            if exc.is_some() { "err" } else { "none" }
        ));
    }
}

/// The `(message, panic text)` of every `CallbackPanic` report.
fn flow_reports(reports: &[Report]) -> Vec<(String, String)> {
    reports
        .iter()
        .filter(|r| r.kind == ExceptionKind::CallbackPanic)
        .map(|r| {
            (
                r.message.clone(),
                r.panic_message.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Connects a `Raising` protocol to a peer that reads nothing until the big write is buffered, then
/// reads to EOF. Returns the protocol's log, the reports and how many bytes the peer got.
fn scenario(write_in_made: bool) -> (Vec<String>, Vec<Report>, usize) {
    let lp = support::real_loop();
    let reports = record_exceptions(&lp);
    let log: Log = Rc::default();
    let l = log.clone();
    let got = lp
        .block_on(async move {
            tulip::time::timeout(support::net::TEST_TIMEOUT, async move {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let l2 = l.clone();
                let (t, _p) = create_connection(
                    move || Raising {
                        log: l2,
                        write_in_made,
                    },
                    listener.local_addr()?,
                )
                .await?;
                let (peer, _) = listener.accept().await?;
                if !write_in_made {
                    // `pause_writing` runs inside this `write` and panics.
                    t.write(&vec![7u8; BIG])?;
                    l.borrow_mut().push("write returned".into());
                }
                until("pause_writing", || {
                    l.borrow().iter().any(|e| e == "pause_writing")
                })
                .await;
                assert!(
                    t.get_write_buffer_size() > HIGH,
                    "the write was not buffered above the mark"
                );
                assert!(
                    !t.is_closing(),
                    "the transport closed after pause_writing panicked"
                );
                let reader = tulip::spawn(async move { read_to_eof(&peer).await });
                until("the buffer to drain", || t.get_write_buffer_size() == 0).await;
                assert!(
                    !t.is_closing(),
                    "the transport closed after resume_writing panicked"
                );
                t.write(b"more")?;
                t.close();
                let got = reader.await?;
                assert!(got.iter().all(|&b| b == 7 || b"more".contains(&b)));
                io::Result::Ok(got.len())
            })
            .await
            .expect("the scenario hung")
        })
        .unwrap();
    lp.block_on(support::yield_many(5));
    let log = log.borrow().clone();
    let reports = reports.borrow().clone();
    (log, reports, got)
}

fn check(log: &[String], reports: &[Report], got: usize) {
    assert_eq!(got, BIG + 4, "the peer did not get every byte");
    assert_eq!(
        flow_reports(reports),
        [
            (
                "protocol.pause_writing() failed".to_owned(),
                "boom in pause_writing".to_owned()
            ),
            (
                "protocol.resume_writing() failed".to_owned(),
                "boom in resume_writing".to_owned()
            ),
        ]
    );
    assert_eq!(log.last().map(String::as_str), Some("lost none"), "{log:?}");
}

/// `pause_writing` called from inside `Transport::write` (from a task, not a protocol method):
///
/// ```python
/// t.set_write_buffer_limits(high=16 * 1024, low=0)
/// t.write(b"x" * (4 << 20))   # pause_writing() raises inside write(): reported, write returns
/// # ... the peer reads: resume_writing() raises: reported; t.is_closing() is False
/// t.write(b"more"); t.close() # the peer gets every byte, connection_lost(None)
/// ```
#[test]
fn panic_in_pause_writing_called_from_write_is_reported_and_write_returns() {
    let (log, reports, got) = scenario(false);
    assert_eq!(
        log[..3],
        ["pause_writing", "write returned", "resume_writing"],
        "{log:?}"
    );
    check(&log, &reports, got);
}

/// A protocol method's own `write` crosses the mark: the connection's task tells `pause_writing` after
/// the method returns, and a panic there is reported like one inside `write`, not treated as a fatal
/// protocol error.
#[test]
fn panic_in_pause_writing_told_by_the_connection_task_keeps_the_connection() {
    let (log, reports, got) = scenario(true);
    assert_eq!(
        log[..3],
        ["wrote in made", "pause_writing", "resume_writing"],
        "{log:?}"
    );
    check(&log, &reports, got);
}
