//! A `Selector` written here, plugged into a loop with `Builder::selector`, drives a TCP echo round
//! trip; the built-in `PollSelector` does the same.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tulip::net::{TcpListener, TcpStream};
use tulip::selector::{Interest, PollSelector, Selector, SelectorEvent};

/// Wraps the poll(2) selector and counts every call, so the test sees the loop really used it.
struct Counting {
    inner: PollSelector,
    calls: Arc<AtomicUsize>,
}

impl Selector for Counting {
    unsafe fn register(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded contract: the reactor keeps `fd` open until `deregister`.
        unsafe { self.inner.register(fd, key, interest) }
    }
    fn reregister(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.reregister(fd, key, interest)
    }
    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.inner.deregister(fd)
    }
    fn select(&self, events: &mut Vec<SelectorEvent>, timeout: Option<Duration>) -> io::Result<()> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.select(events, timeout)
    }
    fn notify(&self) -> io::Result<()> {
        self.inner.notify()
    }
}

async fn echo_round_trip(bytes: usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tulip::spawn(async move {
        let (conn, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = conn.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            conn.write_all(&buf[..n]).await.unwrap();
        }
    });
    let client = TcpStream::connect(addr).await.unwrap();
    let data: Vec<u8> = (0..bytes).map(|i| (i * 7 % 251) as u8).collect();
    let writer = {
        let client = client.clone();
        let data = data.clone();
        tulip::spawn(async move {
            client.write_all(&data).await.unwrap();
            client.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    let mut back = vec![0u8; bytes];
    client.read_exact(&mut back).await.unwrap();
    assert!(back == data, "echoed bytes differ");
    writer.await;
    server.await;
}

/// asyncio: `asyncio.SelectorEventLoop(MySelector())` runs the same code as the default loop.
#[test]
fn custom_selector_drives_tcp_echo() {
    let calls = Arc::new(AtomicUsize::new(0));
    let sel = Counting {
        inner: PollSelector::new().unwrap(),
        calls: calls.clone(),
    };
    let lp = tulip::Loop::builder().selector(sel).build().unwrap();
    lp.block_on(echo_round_trip(4 * 1024 * 1024));
    assert!(
        calls.load(Ordering::Relaxed) > 0,
        "the custom selector was used"
    );
}

/// asyncio: `asyncio.SelectorEventLoop(selectors.PollSelector())`.
#[test]
fn poll_selector_drives_tcp_echo() {
    let lp = tulip::Loop::builder()
        .selector(PollSelector::new().unwrap())
        .build()
        .unwrap();
    lp.block_on(echo_round_trip(1024 * 1024));
}

/// A thread-safe wake-up through a custom selector: an event set from another thread wakes a loop
/// blocked in `select` with no timer pending (only `notify` can end that wait).
#[test]
fn custom_selector_is_woken_from_another_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let sel = Counting {
        inner: PollSelector::new().unwrap(),
        calls,
    };
    let lp = tulip::Loop::builder().selector(sel).build().unwrap();
    let event = Arc::new(tulip::sync::Event::new());
    let e2 = event.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        e2.set();
    });
    lp.block_on(async move { event.wait().await });
    t.join().unwrap();
}
