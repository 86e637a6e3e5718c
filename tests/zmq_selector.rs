//! Needs the `zmq` feature (`cargo test --features zmq --test zmq_selector`; libzmq via pkg-config):
//! `examples/zmq_selector.rs` as a process serving a REQ client and TCP clients through one loop, and
//! its `ZmqSelector` in-process: the `Selector` contract, zmq socket readiness, a TCP echo on a
//! custom selector.
#![cfg(feature = "zmq")]

mod support;

// The example's selector, futures and servers, driven in-process (its `main` is unused here).
#[allow(dead_code)]
#[path = "../examples/zmq_selector.rs"]
mod zmq_example;

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use tulip::net::{TcpListener, TcpStream};
use tulip::selector::{Interest, Selector, SelectorEvent};

use support::client::{self, random_bytes};
use support::example::{example_path_with_features, Example};
use support::net::TEST_TIMEOUT;
use support::Signal;
use zmq_example::{reply_to, serve_tcp, serve_zmq, ZmqSelector};

/// How long a zmq client waits for a reply before the test fails.
const ZMQ_TIMEOUT_MS: i32 = 30_000;

/// A blocking REQ socket connected to `endpoint`, with timeouts: a lost reply fails, not hangs.
fn req_socket(ctx: &zmq::Context, endpoint: &str) -> zmq::Socket {
    let req = ctx.socket(zmq::REQ).unwrap();
    req.set_linger(0).unwrap();
    req.set_rcvtimeo(ZMQ_TIMEOUT_MS).unwrap();
    req.set_sndtimeo(ZMQ_TIMEOUT_MS).unwrap();
    req.connect(endpoint).unwrap();
    req
}

/// One REQ/REP round trip: the reply is `echo: ` followed by the request's frames.
fn round_trip(req: &zmq::Socket, frames: &[&[u8]]) {
    req.send_multipart(frames.iter().copied(), 0).unwrap();
    let reply = req.recv_multipart(0).expect("a reply within the timeout");
    let owned: Vec<Vec<u8>> = frames.iter().map(|f| f.to_vec()).collect();
    assert_eq!(reply, vec![reply_to(&owned)]);
}

/// Starts the example on `127.0.0.1:0` and `tcp://127.0.0.1:0`; returns it with its zmq endpoint.
fn start_example() -> (Example, String) {
    let mut cmd = Command::new(example_path_with_features("zmq_selector", "zmq"));
    cmd.args(["127.0.0.1:0", "tcp://127.0.0.1:0"]);
    let server = Example::spawn("zmq_selector", cmd);
    let line = server
        .wait_for_output(|l| l.starts_with("zmq on "), Duration::from_secs(10))
        .expect("a `zmq on <endpoint>` line after `listening on`");
    let endpoint = line["zmq on ".len()..].trim().to_owned();
    (server, endpoint)
}

/// The example process: a REQ client (the zmq crate, blocking) and TCP echo clients at once, through
/// its one loop.
#[test]
fn example_serves_req_rep_and_tcp_echo_at_once() {
    let (mut server, endpoint) = start_example();
    let addr = server.addr();
    thread::scope(|s| {
        let zmq = s.spawn(|| {
            let ctx = zmq::Context::new();
            let req = req_socket(&ctx, &endpoint);
            for i in 0..200u32 {
                round_trip(&req, &[format!("request {i}").as_bytes()]);
            }
            round_trip(&req, &[b"two ", b"frames"]);
        });
        let tcp = s.spawn(|| client::echo_concurrent(addr, 10, 256 * 1024));
        zmq.join().expect("the REQ client failed");
        tcp.join().expect("the TCP clients failed");
    });
    assert!(server.is_running(), "zmq_selector exited");
}

/// A TCP connection left open mid-conversation does not hold up the zmq socket, nor the other way
/// round: each side is served while the other waits.
#[test]
fn example_interleaves_one_tcp_connection_and_one_req_socket() {
    let (mut server, endpoint) = start_example();
    let ctx = zmq::Context::new();
    let req = req_socket(&ctx, &endpoint);
    let mut tcp = client::connect(server.addr()).unwrap();
    for i in 0..20u8 {
        let data = random_bytes(u64::from(i), 1000);
        tcp.write_all(&data).unwrap();
        let mut back = vec![0u8; data.len()];
        tcp.read_exact(&mut back).unwrap();
        assert!(back == data, "echo {i} differs");
        round_trip(&req, &[&[i][..]]);
    }
    assert!(server.is_running(), "zmq_selector exited");
}

/// Runs `future` on a fresh loop waiting on `selector`, failing the test after [`TEST_TIMEOUT`].
#[track_caller]
fn run_on<F: Future>(selector: &ZmqSelector, future: F) -> F::Output {
    let lp = tulip::Loop::builder()
        .debug(false)
        .selector(selector.clone())
        .build()
        .expect("a loop");
    lp.block_on(async move { tulip::time::timeout(TEST_TIMEOUT, future).await })
        .unwrap_or_else(|_| panic!("test did not finish within {TEST_TIMEOUT:?}"))
}

/// A custom `Selector` (the example's, on `zmq_poll`) drives a TCP echo round trip: 1 MiB each way,
/// enough to fill the socket buffers so both read and write readiness go through it.
#[test]
fn custom_selector_drives_tcp_echo_round_trip() {
    let selector = ZmqSelector::new().unwrap();
    let data = random_bytes(11, 1 << 20);
    let echoed = run_on(&selector, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let _server = tulip::spawn(serve_tcp(listener));
        let conn = TcpStream::connect(addr).await?;
        let writer = {
            let (conn, data) = (conn.clone(), data.clone());
            tulip::spawn(async move {
                conn.write_all(&data).await?;
                conn.shutdown(std::net::Shutdown::Write)
            })
        };
        let mut echoed = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = conn.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            echoed.extend_from_slice(&buf[..n]);
        }
        writer.await?;
        io::Result::Ok(echoed)
    })
    .unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echoed bytes differ");
}

/// In one process: a REP socket owned by the selector and a TCP echo on the same loop, with the REQ
/// client on another thread. The client's last act wakes the loop from that thread (`notify`).
#[test]
fn rep_socket_and_tcp_echo_share_one_loop_in_process() {
    let selector = ZmqSelector::new().unwrap();
    let ctx = zmq::Context::new();
    let rep = ctx.socket(zmq::REP).unwrap();
    rep.set_linger(0).unwrap();
    rep.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = rep.get_last_endpoint().unwrap().unwrap();
    let rep = selector.add_socket(rep);

    let done = Signal::new();
    let client = {
        let (ctx, done) = (ctx.clone(), done.clone());
        thread::spawn(move || {
            let req = req_socket(&ctx, &endpoint);
            for i in 0..50u32 {
                round_trip(&req, &[b"in-process ", i.to_string().as_bytes()]);
            }
            done.notify();
        })
    };
    run_on(&selector, async {
        let _zmq = tulip::spawn(serve_zmq(selector.clone(), rep));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _tcp = tulip::spawn(serve_tcp(listener));
        let conn = TcpStream::connect(addr).await.unwrap();
        for i in 0..50u8 {
            conn.write_all(&[i; 100]).await.unwrap();
            let mut back = [0u8; 100];
            conn.read_exact(&mut back).await.unwrap();
            assert_eq!(back, [i; 100]);
        }
        done.wait().await;
    });
    client.join().expect("the REQ client failed");
}

/// Counts its wakes.
#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `select` with a short timeout, returning its events.
fn select(sel: &ZmqSelector, timeout: Duration) -> Vec<SelectorEvent> {
    let mut events = Vec::new();
    sel.select(&mut events, Some(timeout)).unwrap();
    events
}

/// `select` until an event arrives (at most 10 s), returning the events.
fn select_some(sel: &ZmqSelector) -> Vec<SelectorEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = select(sel, Duration::from_millis(100));
        if !events.is_empty() || Instant::now() > deadline {
            return events;
        }
    }
}

/// The descriptor half of the `Selector` contract (the module docs of `tulip::selector`): oneshot
/// interest, level semantics at arm time, a hang-up reported as readable and writable, register /
/// deregister errors.
///
/// Python's `selectors` differ on the first point: `select()` keeps reporting a ready descriptor until
/// it is read (level-triggered, no re-arm); tulip's reactor re-arms explicitly.
#[test]
fn selector_contract_for_descriptors() {
    let sel = ZmqSelector::new().unwrap();
    let (a, mut b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    let fd = a.as_raw_fd();
    // SAFETY: `a` stays open until it is deregistered at the end of the test.
    unsafe { sel.register(fd, 7, Interest::READABLE) }.unwrap();
    // SAFETY: as above (the call fails before storing anything).
    let again = unsafe { sel.register(fd, 8, Interest::READABLE) };
    assert_eq!(again.unwrap_err().kind(), io::ErrorKind::AlreadyExists);

    assert_eq!(select(&sel, Duration::from_millis(10)), vec![]);
    b.write_all(b"x").unwrap();
    let ev = select_some(&sel);
    assert_eq!(
        ev,
        vec![SelectorEvent {
            key: 7,
            readable: true,
            writable: false
        }]
    );
    // Oneshot: reported once, then silent although the byte is still unread.
    assert_eq!(select(&sel, Duration::from_millis(10)), vec![]);
    // Level at arm time: re-arming a descriptor that is ready reports it on the next select.
    sel.reregister(a.as_fd(), 9, Interest::READABLE).unwrap();
    assert_eq!(select(&sel, Duration::ZERO).first().map(|e| e.key), Some(9));

    // A hang-up is reported as both readable and writable, whatever was asked.
    drop(b);
    sel.reregister(a.as_fd(), 10, Interest::READABLE).unwrap();
    let ev = select_some(&sel);
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0].key == 10 && ev[0].readable && ev[0].writable,
        "{ev:?}"
    );

    sel.deregister(a.as_fd()).unwrap();
    let gone = sel.deregister(a.as_fd());
    assert_eq!(gone.unwrap_err().kind(), io::ErrorKind::NotFound);
    let unknown = sel.reregister(a.as_fd(), 1, Interest::READABLE);
    assert_eq!(unknown.unwrap_err().kind(), io::ErrorKind::NotFound);
}

/// `notify` makes the next `select` return at once, and wakes one blocked with no timeout on another
/// thread.
///
/// **asyncio:** `loop.call_soon_threadsafe` writing to the loop's self-pipe.
#[test]
fn notify_wakes_select_from_another_thread() {
    let sel = ZmqSelector::new().unwrap();
    sel.notify().unwrap();
    let mut events = Vec::new();
    sel.select(&mut events, None).unwrap();
    assert!(events.is_empty());

    // Keep notifying until the blocked select has returned: no assumption on when it starts waiting.
    let returned = Arc::new(AtomicBool::new(false));
    let notifier = {
        let (sel, returned) = (sel.clone(), returned.clone());
        thread::spawn(move || {
            while !returned.load(Ordering::SeqCst) {
                sel.notify().unwrap();
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    sel.select(&mut events, None).unwrap();
    returned.store(true, Ordering::SeqCst);
    notifier.join().unwrap();
    assert!(events.is_empty());
}

/// zmq sockets follow the same rules through `watch`: the waker runs once when the socket reports
/// (oneshot), and watching a socket that is already readable reports it on the next select (level).
#[test]
fn watch_is_oneshot_and_level_triggered_for_zmq_sockets() {
    let sel = ZmqSelector::new().unwrap();
    let ctx = zmq::Context::new();
    let (a, b) = (
        ctx.socket(zmq::PAIR).unwrap(),
        ctx.socket(zmq::PAIR).unwrap(),
    );
    a.bind("inproc://watch").unwrap();
    b.connect("inproc://watch").unwrap();
    let a = sel.add_socket(a);
    let count = Arc::new(CountWaker::default());
    let waker = Waker::from(count.clone());
    let wakes = || count.0.load(Ordering::SeqCst);

    sel.watch(a, Interest::READABLE, &waker).unwrap();
    assert_eq!(select(&sel, Duration::from_millis(10)), vec![]);
    assert_eq!(wakes(), 0);

    b.send("hello", 0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while wakes() == 0 && Instant::now() < deadline {
        select(&sel, Duration::from_millis(100));
    }
    assert_eq!(wakes(), 1);
    // Oneshot: no second wake while unwatched, though the message is still queued.
    select(&sel, Duration::from_millis(10));
    assert_eq!(wakes(), 1);
    // Level: watching again reports at once.
    sel.watch(a, Interest::READABLE, &waker).unwrap();
    select(&sel, Duration::ZERO);
    assert_eq!(wakes(), 2);

    let msg = sel.with_socket(a, |s| s.recv_bytes(zmq::DONTWAIT)).unwrap();
    assert_eq!(msg.unwrap(), b"hello");
}
