//! The network code survives a selector that injects faults: spurious readiness, `EINTR`, error
//! events and late events, with every byte verified and no error reported to the loop.

mod support;

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Arc;
use std::time::Duration;
use tulip::net::{TcpListener, TcpStream};

use tulip::selector::{
    FaultInjectingSelector, Faults, Interest, PollSelector, Selector, SelectorEvent,
};
use tulip::{ExceptionKind, Loop};

/// Echoes `conns` connections of `size` pseudo-random bytes each through one loop on `lp`, verifies
/// every byte, and returns the exception kinds the loop reported.
fn echo_on(lp: Loop, conns: usize, size: usize) -> Vec<ExceptionKind> {
    let reported = support::record_exceptions(&lp);
    lp.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tulip::spawn(async move {
            for _ in 0..conns {
                let (conn, _) = listener.accept().await.unwrap();
                tulip::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let n = conn.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        conn.write_all(&buf[..n]).await.unwrap();
                    }
                })
                .detach();
            }
        });
        let mut clients = Vec::new();
        for c in 0..conns {
            clients.push(tulip::spawn(async move {
                let conn = TcpStream::connect(addr).await.unwrap();
                let mut rng = support::Rng::new(c as u64 + 1);
                let data: Vec<u8> = (0..size).map(|_| rng.next_u64() as u8).collect();
                // Request/response rounds, so the loop waits in its selector many times.
                let mut got = Vec::with_capacity(size);
                let mut buf = vec![0u8; 8192];
                for chunk in data.chunks(1000) {
                    conn.write_all(chunk).await.unwrap();
                    let want = got.len() + chunk.len();
                    while got.len() < want {
                        let n = conn.read(&mut buf).await.unwrap();
                        assert!(n > 0, "connection {c}: early EOF");
                        got.extend_from_slice(&buf[..n]);
                    }
                }
                conn.shutdown(std::net::Shutdown::Write).unwrap();
                assert_eq!(conn.read(&mut buf).await.unwrap(), 0);
                assert!(got == data, "connection {c}: echoed bytes differ");
            }));
        }
        for c in clients {
            c.await;
        }
        server.await;
    });
    let kinds = reported.borrow().iter().map(|r| r.kind).collect();
    kinds
}

/// Lends a selector to a loop while the test keeps a handle on it to read its fault counts.
struct Lent<S: Selector>(Arc<FaultInjectingSelector<S>>);

impl<S: Selector> Selector for Lent<S> {
    unsafe fn register(&self, fd: RawFd, key: usize, i: Interest) -> io::Result<()> {
        // SAFETY: forwarded contract: the caller keeps `fd` open until `deregister`.
        unsafe { self.0.register(fd, key, i) }
    }
    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, i: Interest) -> io::Result<()> {
        self.0.reregister(fd, key, i)
    }
    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.0.deregister(fd)
    }
    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        self.0.select(events, timeout)
    }
    fn notify(&self) -> io::Result<()> {
        self.0.notify()
    }
}

/// Runs the echo on a loop waiting on `sel`; returns what the loop reported and what was injected.
fn echo_with<S: Selector>(sel: FaultInjectingSelector<S>) -> (Vec<ExceptionKind>, [u64; 4]) {
    let sel = Arc::new(sel);
    let lp = Loop::builder().selector(Lent(sel.clone())).build().unwrap();
    let reported = echo_on(lp, 20, 64 * 1024);
    (reported, sel.injected())
}

#[test]
fn echo_survives_every_fault_on_the_default_selector() {
    let faults = Faults {
        seed: 7,
        spurious: 300,
        interrupted: 300,
        error_events: 300,
        delayed: 300,
    };
    let (reported, injected) = echo_with(FaultInjectingSelector::new(faults).unwrap());
    assert!(reported.is_empty(), "the loop reported {reported:?}");
    assert!(injected.iter().all(|&n| n > 0), "injected {injected:?}");
}

#[test]
fn echo_survives_every_fault_on_the_poll_selector() {
    let sel = FaultInjectingSelector::wrap(PollSelector::new().unwrap(), Faults::default());
    let (reported, injected) = echo_with(sel);
    assert!(reported.is_empty(), "the loop reported {reported:?}");
    assert!(injected.iter().all(|&n| n > 0), "injected {injected:?}");
}

/// `EINTR` from a selector is a wake-up with no events, not a poller failure.
#[test]
fn interrupted_select_is_not_reported_as_a_reactor_error() {
    let faults = Faults {
        seed: 3,
        spurious: 0,
        interrupted: 700,
        error_events: 0,
        delayed: 0,
    };
    let (reported, injected) = echo_with(FaultInjectingSelector::new(faults).unwrap());
    assert!(injected[1] > 0, "no EINTR injected");
    assert!(
        !reported.contains(&ExceptionKind::ReactorError),
        "EINTR was reported: {reported:?}"
    );
}
