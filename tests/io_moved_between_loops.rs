//! An I/O object made on one loop and moved to a thread running another is driven by the loop that uses
//! it: on the first operation that would block there, its descriptor leaves the old loop's poller and
//! joins the new one's. Each source type (TcpStream, TcpListener, UdpSocket, UnixStream, `Async<T>` on a
//! pipe, a signal stream), with the old loop idle or already dropped, every byte verified.
//!
//! asyncio ties a transport to its loop; moving a socket to another loop means detaching it
//! (`transport.get_extra_info("socket").detach()`) and wrapping the descriptor again there. tulip's
//! objects follow the loop that polls them, so the accept-on-one-loop, serve-on-another pattern needs no
//! detaching.

mod support;

use std::future::Future;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use support::client::random_bytes;
use support::{paused_loop, real_loop};
use tulip::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use tulip::time::timeout;
use tulip::Async;

/// How long loop B's part may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(10);
/// Bytes each stream test sends each way: many `WouldBlock`s on the way.
const LEN: usize = 1 << 20;

/// What happens to loop A once the object has left it.
#[derive(Clone, Copy, Debug)]
enum LoopA {
    /// Kept, idle (not running) while B uses the object.
    Idle,
    /// Dropped (closed) before B uses the object.
    Dropped,
}

/// Makes an object on loop A with `make` (which may also leave it waiting in A's poller), deals with A as
/// `a` says, then runs `use_it` on a fresh loop B in another thread, failing after [`LIMIT`].
fn made_on_a_used_on_b<T, Make, Fut>(
    a: LoopA,
    make: impl FnOnce() -> Make,
    use_it: impl FnOnce(T) -> Fut + Send + 'static,
) where
    T: Send + 'static,
    Make: Future<Output = T>,
    Fut: Future<Output = ()>,
{
    let lp_a = paused_loop();
    let obj = lp_a.block_on(make());
    let keep_a = match a {
        LoopA::Idle => Some(lp_a),
        LoopA::Dropped => {
            drop(lp_a);
            None
        }
    };
    let b = std::thread::spawn(move || {
        real_loop()
            .block_on(timeout(LIMIT, use_it(obj)))
            .unwrap_or_else(|_| panic!("loop B never drove the object (loop A {a:?})"));
    });
    let res = b.join();
    drop(keep_a);
    if let Err(panic) = res {
        std::panic::resume_unwind(panic);
    }
}

/// Leaves `fut` (a read or accept) waiting on the current loop's poller for a moment, then drops it:
/// the source is now registered and armed there.
async fn leave_waiting<F: Future>(fut: F) {
    assert!(
        timeout(Duration::from_millis(5), fut).await.is_err(),
        "nothing should be ready yet"
    );
}

/// On loop B: `ours` (moved in) reads `LEN` bytes that `peer` (made on B) sends only once `ours` is
/// already waiting, then sends them back; both directions checked byte for byte.
async fn echo_through<S, P>(ours: S, peer: P)
where
    S: Stream + 'static,
    P: Stream + 'static,
{
    let data = random_bytes(9, LEN);
    let reader = tulip::spawn(async move {
        let mut got = vec![0u8; LEN];
        ours.read_exact_(&mut got).await;
        ours.write_all_(&got).await;
        got
    });
    // Let the reader block first, so it must register with this loop.
    for _ in 0..4 {
        tulip::yield_now().await;
    }
    peer.write_all_(&data).await;
    let mut back = vec![0u8; LEN];
    peer.read_exact_(&mut back).await;
    assert!(reader.await == data, "bytes changed on the way in");
    assert!(back == data, "bytes changed on the way back");
}

/// The stream operations the tests need, for TCP and Unix streams alike.
trait Stream {
    async fn read_exact_(&self, buf: &mut [u8]);
    async fn write_all_(&self, buf: &[u8]);
}

impl Stream for TcpStream {
    async fn read_exact_(&self, buf: &mut [u8]) {
        self.read_exact(buf).await.expect("tcp read");
    }
    async fn write_all_(&self, buf: &[u8]) {
        self.write_all(buf).await.expect("tcp write");
    }
}

impl Stream for UnixStream {
    async fn read_exact_(&self, buf: &mut [u8]) {
        self.read_exact(buf).await.expect("unix read");
    }
    async fn write_all_(&self, buf: &[u8]) {
        self.write_all(buf).await.expect("unix write");
    }
}

fn tcp_stream_moves(a: LoopA) {
    let (tx, rx) = mpsc::channel();
    made_on_a_used_on_b(
        a,
        || async move {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let ours = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let mut buf = [0u8; 1];
            leave_waiting(ours.read(&mut buf)).await;
            tx.send(listener).unwrap();
            ours
        },
        move |ours| async move {
            let (peer, _) = rx.recv().unwrap().accept().unwrap();
            echo_through(ours, TcpStream::from_std(peer).unwrap()).await;
        },
    );
}

#[test]
fn tcp_stream_from_an_idle_loop_is_driven_by_the_new_one() {
    tcp_stream_moves(LoopA::Idle);
}

#[test]
fn tcp_stream_from_a_dropped_loop_is_driven_by_the_new_one() {
    tcp_stream_moves(LoopA::Dropped);
}

fn unix_stream_moves(a: LoopA) {
    made_on_a_used_on_b(
        a,
        || async {
            let (ours, peer) = UnixStream::pair().unwrap();
            let mut buf = [0u8; 1];
            leave_waiting(ours.read(&mut buf)).await;
            leave_waiting(peer.read(&mut buf)).await;
            (ours, peer)
        },
        |(ours, peer)| echo_through(ours, peer),
    );
}

#[test]
fn unix_stream_from_an_idle_loop_is_driven_by_the_new_one() {
    unix_stream_moves(LoopA::Idle);
}

#[test]
fn unix_stream_from_a_dropped_loop_is_driven_by_the_new_one() {
    unix_stream_moves(LoopA::Dropped);
}

fn tcp_listener_moves(a: LoopA) {
    made_on_a_used_on_b(
        a,
        || async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            leave_waiting(listener.accept()).await;
            listener
        },
        |listener| async move {
            let addr = listener.local_addr().unwrap();
            let accepted = tulip::spawn(async move {
                let mut conns = Vec::new();
                for _ in 0..3 {
                    conns.push(listener.accept().await.expect("accept").0);
                }
                conns
            });
            for _ in 0..4 {
                tulip::yield_now().await;
            }
            let mut clients = Vec::new();
            for _ in 0..3 {
                clients.push(TcpStream::connect(addr).await.unwrap());
            }
            let conns = accepted.await;
            for (i, (server, client)) in conns.iter().zip(&clients).enumerate() {
                let msg = random_bytes(i as u64, 4096);
                client.write_all(&msg).await.unwrap();
                let mut got = vec![0u8; msg.len()];
                server.read_exact(&mut got).await.unwrap();
                assert_eq!(got, msg);
            }
        },
    );
}

#[test]
fn tcp_listener_from_an_idle_loop_accepts_on_the_new_one() {
    tcp_listener_moves(LoopA::Idle);
}

#[test]
fn tcp_listener_from_a_dropped_loop_accepts_on_the_new_one() {
    tcp_listener_moves(LoopA::Dropped);
}

fn udp_socket_moves(a: LoopA) {
    made_on_a_used_on_b(
        a,
        || async {
            let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0u8; 16];
            leave_waiting(sock.recv_from(&mut buf)).await;
            sock
        },
        |sock| async move {
            let addr = sock.local_addr().unwrap();
            let sent: Vec<Vec<u8>> = (0..64)
                .map(|i| random_bytes(i, 1 + 37 * i as usize))
                .collect();
            let expect = sent.clone();
            let receiver = tulip::spawn(async move {
                let mut buf = vec![0u8; 4096];
                for want in expect {
                    let (n, _) = sock.recv_from(&mut buf).await.expect("recv");
                    assert_eq!(&buf[..n], &want[..]);
                }
            });
            for _ in 0..4 {
                tulip::yield_now().await;
            }
            let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for d in &sent {
                peer.send_to(d, addr).await.unwrap();
                // One datagram at a time: the receiver waits again before the next arrives.
                tulip::yield_now().await;
            }
            receiver.await;
        },
    );
}

#[test]
fn udp_socket_from_an_idle_loop_is_driven_by_the_new_one() {
    udp_socket_moves(LoopA::Idle);
}

#[test]
fn udp_socket_from_a_dropped_loop_is_driven_by_the_new_one() {
    udp_socket_moves(LoopA::Dropped);
}

/// A pipe read end wrapped in `Async<File>`: any descriptor, not only tulip's socket types.
fn async_pipe_moves(a: LoopA) {
    made_on_a_used_on_b(
        a,
        || async {
            let (r, w) = rustix::pipe::pipe().unwrap();
            let r = Async::new(std::fs::File::from(r)).unwrap();
            let mut buf = [0u8; 1];
            leave_waiting(r.read_with(|mut f| f.read(&mut buf))).await;
            (r, std::fs::File::from(w))
        },
        |(r, w)| async move {
            let data = random_bytes(5, 256 * 1024);
            let expect = data.clone();
            let reader = tulip::spawn(async move {
                let mut got = Vec::with_capacity(LEN);
                let mut buf = vec![0u8; 8192];
                loop {
                    let n = r.read_with(|mut f| f.read(&mut buf)).await.unwrap();
                    if n == 0 {
                        return got;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            });
            // Let the reader find the pipe empty first, so it must register with this loop.
            for _ in 0..4 {
                tulip::yield_now().await;
            }
            // The writer is a plain thread with a blocking pipe: only loop B can wake the reader.
            let writer = std::thread::spawn(move || {
                let mut w = w;
                w.write_all(&data).unwrap();
            });
            let got = reader.await;
            writer.join().unwrap();
            assert!(got == expect, "bytes changed in the pipe");
        },
    );
}

#[test]
fn async_pipe_from_an_idle_loop_is_driven_by_the_new_one() {
    async_pipe_moves(LoopA::Idle);
}

#[test]
fn async_pipe_from_a_dropped_loop_is_driven_by_the_new_one() {
    async_pipe_moves(LoopA::Dropped);
}

/// A signal stream first polled on loop A (so its pipe joined A's reactor), then moved: deliveries wake
/// its owner on loop B.
#[test]
fn signal_stream_from_a_dropped_loop_is_driven_by_the_new_one() {
    use tulip::signal::{Signal, SIGUSR2};
    made_on_a_used_on_b(
        LoopA::Dropped,
        || async {
            let mut sig = Signal::new(SIGUSR2).unwrap();
            leave_waiting(sig.recv()).await;
            sig
        },
        |mut sig| async move {
            for _ in 0..3 {
                let waiter = tulip::spawn(async move {
                    sig.recv().await.expect("signal");
                    sig
                });
                for _ in 0..4 {
                    tulip::yield_now().await;
                }
                tulip::signal::raise(SIGUSR2).unwrap();
                sig = waiter.await;
            }
        },
    );
}

/// The accept-on-one-loop, serve-on-another pattern: loop A accepts, hands each connection to a worker
/// thread running loop B (through B's `Handle`), and B serves it; every byte of every connection comes
/// back, and B goes on serving after A is gone.
#[test]
fn accept_on_one_loop_serve_on_another() {
    const CONNS: usize = 8;
    let (handle_tx, handle_rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let lp = real_loop();
        handle_tx.send(lp.handle()).unwrap();
        lp.run_forever();
    });
    let b = handle_rx.recv().unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let lp_a = real_loop();
    let clients = lp_a.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..CONNS as u64)
            .map(|seed| {
                std::thread::spawn(move || support::client::echo_one(addr, 256 * 1024, seed))
            })
            .collect();
        for _ in 0..CONNS {
            let (conn, _) = listener.accept().await.unwrap();
            let done = done_tx.clone();
            // Served on B: the connection's reads and writes block there, so it moves to B's poller.
            b.spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let res = async {
                    loop {
                        let n = conn.read(&mut buf).await?;
                        if n == 0 {
                            return std::io::Result::Ok(());
                        }
                        conn.write_all(&buf[..n]).await?;
                    }
                }
                .await;
                drop(conn);
                done.send(res.map_err(|e| e.to_string())).unwrap();
            })
            .detach();
        }
        clients
    });
    // A is gone; B serves on.
    drop(lp_a);
    for c in clients {
        assert_eq!(c.join().unwrap(), Ok(()));
    }
    for _ in 0..CONNS {
        assert_eq!(done_rx.recv_timeout(LIMIT), Ok(Ok(())));
    }
    b.call_soon_threadsafe(|| tulip::get_running_loop().stop());
    worker.join().unwrap();
}

/// A socket whose readiness was reported on loop A (an event delivered, the data not read yet) and
/// that moves to loop B with the loop A gone: B's `readable()` returns for the report, the queued data
/// is read there, and the next read waits for B's own events, every later message arriving.
#[test]
fn socket_moved_with_readiness_set_reads_on_the_new_loop() {
    let (a, b) = real_loop().block_on(async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        // A read that would block registers `a` with A's poller.
        let mut buf = [0u8; 8];
        let first = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(a.poll_read_with(cx, |mut s| s.read(&mut buf)))
        })
        .await;
        assert!(first.is_pending());
        b.write_with(|mut s| s.write(b"one")).await.unwrap();
        // Let A's poller deliver the event: readiness is now set, the data unread.
        for _ in 0..3 {
            tulip::yield_now().await;
        }
        (a, b)
    });
    std::thread::spawn(move || {
        real_loop().block_on(async move {
            timeout(LIMIT, async {
                a.readable().await.unwrap();
                let mut buf = [0u8; 8];
                let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                assert_eq!(&buf[..n], b"one");
                for msg in [&b"two"[..], b"three", b"four"] {
                    let reader = async {
                        let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                        buf[..n].to_vec()
                    };
                    let writer = async {
                        tulip::yield_now().await;
                        b.write_with(|mut s| s.write(msg)).await.unwrap();
                    };
                    let (got, ()) = futures_lite::future::zip(reader, writer).await;
                    assert_eq!(got, msg);
                }
            })
            .await
            .expect("the moved socket lost a wake-up on the new loop");
        })
    })
    .join()
    .unwrap();
}
