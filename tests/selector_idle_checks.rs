//! While work keeps coming, the loop looks at I/O every 61 handles (tokio's `event_interval`) with a
//! zero-timeout poller wait, so a busy loop never starves its sockets; with no I/O source at all that
//! wait could bring nothing and is skipped. A counting `Selector` shows both.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tulip::net::TcpListener;
use tulip::selector::{Interest, PollSelector, Selector, SelectorEvent};

/// The poll(2) selector, counting zero-timeout waits.
struct CountingZeroWaits {
    inner: PollSelector,
    zero_waits: Arc<AtomicUsize>,
}

impl Selector for CountingZeroWaits {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        // SAFETY: forwarded contract: the reactor keeps `fd` open until `deregister`.
        unsafe { self.inner.register(fd, key, interest) }
    }
    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.inner.reregister(fd, key, interest)
    }
    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.inner.deregister(fd)
    }
    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        if timeout == Some(Duration::ZERO) {
            self.zero_waits.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.select(events, timeout)
    }
    fn notify(&self) -> io::Result<()> {
        self.inner.notify()
    }
}

fn counting_loop() -> (tulip::Loop, Arc<AtomicUsize>) {
    let zero_waits = Arc::new(AtomicUsize::new(0));
    let sel = CountingZeroWaits {
        inner: PollSelector::new().unwrap(),
        zero_waits: zero_waits.clone(),
    };
    (
        tulip::Loop::builder().selector(sel).build().unwrap(),
        zero_waits,
    )
}

/// 6 100 yields: 100 times the interval.
async fn busy() {
    for _ in 0..6_100 {
        tulip::yield_now().await;
    }
}

#[test]
fn a_busy_loop_without_io_sources_makes_no_periodic_poller_wait() {
    let (lp, zero_waits) = counting_loop();
    lp.block_on(busy());
    assert_eq!(zero_waits.load(Ordering::Relaxed), 0);
}

#[test]
fn a_busy_loop_with_an_io_source_looks_at_io_every_61_handles() {
    let (lp, zero_waits) = counting_loop();
    lp.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // An accept nobody answers: the listener joins the poller and waits there.
        let accept = tulip::spawn(async move {
            let _ = listener.accept().await;
        });
        tulip::yield_now().await;
        busy().await;
        accept.cancel().await;
    });
    let n = zero_waits.load(Ordering::Relaxed);
    assert!(
        (90..=110).contains(&n),
        "{n} zero-timeout waits for 6 100 handles"
    );
}
