//! What every example server shares: a graceful stop on SIGINT/SIGTERM, with a second signal during
//! the grace period ending the process at once, and accept-error reports limited to about one a second.
//!
//! asyncio equivalent of the stop:
//!
//! ```python
//! stop = asyncio.Event()
//! for s in (signal.SIGINT, signal.SIGTERM):
//!     loop.add_signal_handler(s, stop.set)
//! await stop.wait()
//! server.close()                                      # stop accepting
//! await asyncio.wait_for(server.wait_closed(), 5)     # let open connections finish
//! ```
//!
//! and, like `asyncio.run` on a second Ctrl-C (which stops waiting and raises `KeyboardInterrupt`), a
//! second SIGINT or SIGTERM while connections drain exits at once with the shell's status for that
//! signal: 130 for SIGINT, 143 for SIGTERM.
//!
//! Servers without a grace period (`echo_threads`, `echo_selector`, `zmq_selector`) keep the default
//! action of both signals: the first one ends them. They share the accept-error reports.
// Each example uses the part it needs.
#![allow(dead_code)]

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tulip::signal::{Signal, SIGINT, SIGTERM};

pub(crate) mod workers;

/// How long open connections may take to finish once a stop is requested.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// How often, at most, a run of failing accepts is reported.
const REPORT_INTERVAL: Duration = Duration::from_secs(1);

/// Listens for SIGINT and SIGTERM from its creation: from then on neither kills the process; the first
/// one requests a graceful stop, a second one during the grace period exits at once.
pub(crate) struct Shutdown {
    name: &'static str,
    int: Signal,
    term: Signal,
}

impl Shutdown {
    /// Starts listening; `name` prefixes the lines it prints.
    ///
    /// # Errors
    ///
    /// When listening could not start (out of descriptors).
    pub(crate) fn listen(name: &'static str) -> io::Result<Shutdown> {
        Ok(Shutdown {
            name,
            int: Signal::new(SIGINT)?,
            term: Signal::new(SIGTERM)?,
        })
    }

    /// Waits for the next SIGINT or SIGTERM and returns which arrived.
    pub(crate) async fn requested(&mut self) -> io::Result<i32> {
        poll_fn(|cx| {
            if let Poll::Ready(r) = self.int.poll_recv(cx) {
                return Poll::Ready(r.map(|()| SIGINT));
            }
            self.term.poll_recv(cx).map(|r| r.map(|()| SIGTERM))
        })
        .await
    }

    /// Runs `drain` (closing connections, waiting for them to end) for at most [`GRACE`]. A second
    /// SIGINT/SIGTERM meanwhile exits the process at once with status 128 + the signal number (130,
    /// 143), as a shell reports a process killed by it.
    pub(crate) async fn drain(mut self, drain: impl Future<Output = ()>) {
        let name = self.name;
        let mut drained = pin!(tulip::time::timeout(GRACE, drain));
        let mut second = pin!(self.requested());
        let outcome = poll_fn(|cx| {
            if let Poll::Ready(r) = drained.as_mut().poll(cx) {
                return Poll::Ready(Ok(r.is_ok()));
            }
            second.as_mut().poll(cx).map(Err)
        })
        .await;
        match outcome {
            Ok(true) => {}
            Ok(false) => eprintln!("{name}: grace period over, closing the remaining connections"),
            Err(Ok(signum)) => {
                eprintln!("{name}: second signal {signum} during the grace period: exiting now");
                std::process::exit(128 + signum);
            }
            Err(Err(e)) => eprintln!("{name}: listening for a second signal failed: {e}"),
        }
    }
}

/// Reports failing accepts (`EMFILE` while out of descriptors, say) at most about once a second, with
/// how many went unreported, as `tulip::net::create_server` does: a server out of descriptors retries
/// every few milliseconds and must not flood its log.
pub(crate) struct AcceptErrors {
    name: &'static str,
    last: Option<Instant>,
    unreported: u64,
}

impl AcceptErrors {
    /// Nothing reported yet; `name` prefixes the lines.
    pub(crate) fn new(name: &'static str) -> AcceptErrors {
        AcceptErrors {
            name,
            last: None,
            unreported: 0,
        }
    }

    /// Records one failed accept, printing it unless one was printed less than a second ago.
    pub(crate) fn report(&mut self, e: &io::Error) {
        let now = Instant::now();
        if self.last.is_some_and(|at| now - at < REPORT_INTERVAL) {
            self.unreported += 1;
            return;
        }
        match self.unreported {
            0 => eprintln!("{}: accept failed: {e}", self.name),
            n => eprintln!(
                "{}: accept failed: {e} ({n} more since the last report)",
                self.name
            ),
        }
        self.last = Some(now);
        self.unreported = 0;
    }
}
