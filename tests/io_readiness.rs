//! Readiness kept in the source: a stream read (or write) that comes up short waits for the next event
//! instead of issuing a syscall that returns `WouldBlock`; reports consumed by `readable()` are looked
//! at again before waiting; a hang-up after the last bytes is never lost; reads into uninitialised
//! memory. Run on every selector by `scripts/test.sh` (`TULIP_SELECTOR=poll`, `fault`).

use std::cell::Cell;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::task::Poll;
use std::time::Duration;

use tulip::Async;

/// A Unix stream socket that counts the reads made on it and how many of them found nothing.
struct Counted {
    sock: UnixStream,
    reads: Cell<usize>,
    would_block: Cell<usize>,
}

impl Counted {
    fn new(sock: UnixStream) -> Self {
        Counted {
            sock,
            reads: Cell::new(0),
            would_block: Cell::new(0),
        }
    }
}

impl AsFd for Counted {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl Read for &Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.set(self.reads.get() + 1);
        let r = (&self.sock).read(buf);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.would_block.set(self.would_block.get() + 1);
        }
        r
    }
}

/// A safety net against a hang (a lost wake-up would otherwise block the test run forever); not a
/// measure of speed.
const HANG: Duration = Duration::from_secs(20);

/// ```python
/// n = await loop.sock_recv_into(sock, buf)   # fewer bytes than asked: the socket is drained
/// ```
/// After a short read the next read waits for the peer's next write: no `read(2)` that returns
/// `EAGAIN` on the way, request after request.
#[test]
fn short_read_waits_for_the_next_event_without_a_failed_read() {
    tulip::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(Counted::new(a)).unwrap();
        let b = Async::new(b).unwrap();
        let mut buf = [0u8; 64];
        for round in 0..50u8 {
            let msg = [round; 3];
            let reader = async {
                let len = buf.len();
                let n = poll_fn(|cx| a.poll_read_len_with(cx, len, |mut s| s.read(&mut buf))).await;
                n.unwrap()
            };
            let writer = async {
                tulip::yield_now().await;
                b.write_with(|mut s| s.write(&msg)).await.unwrap();
            };
            let (n, ()) = tulip::time::timeout(HANG, async { futures_join(reader, writer).await })
                .await
                .expect("read lost its wake-up");
            assert_eq!(n, 3);
            assert_eq!(&buf[..3], &msg);
        }
        let reads = a.get_ref().reads.get();
        let would_block = a.get_ref().would_block.get();
        // The first read of all finds nothing (the source is registered lazily, on that WouldBlock);
        // after that every read is the one that returns data. The fault-injecting selector's
        // spurious events may add failed reads, so the bound is checked on the real pollers only.
        if std::env::var("TULIP_SELECTOR").as_deref() != Ok("fault") {
            assert_eq!(would_block, 1, "{reads} reads, {would_block} found nothing");
            assert_eq!(reads, 51);
        }
    });
}

/// Polls two futures together on the current task until both finish.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

/// ```python
/// loop.add_reader(fd, on_readable)   # the callback reads only part of what is queued
/// ```
/// `readable()` followed by a read of part of the data: the next `readable()` still completes (the
/// rest is there), although no new data arrives to trigger an edge.
#[test]
fn readable_again_after_a_partial_read_of_the_data() {
    tulip::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        (&b).write_all(&[7u8; 100]).unwrap();
        let mut total = 0;
        while total < 100 {
            tulip::time::timeout(HANG, a.readable())
                .await
                .expect("readable() lost the data still queued")
                .unwrap();
            let mut buf = [0u8; 10];
            let mut s: &UnixStream = a.get_ref();
            total += s.read(&mut buf).unwrap();
        }
        assert_eq!(total, 100);
    });
}

/// A peer that writes its last bytes and closes: the read that returns them comes up short, and the
/// next read still sees the end of the stream instead of waiting for an event that already came.
#[test]
fn end_of_stream_after_a_short_read_is_not_lost() {
    tulip::run(async {
        for _ in 0..20 {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let b = Async::new(b).unwrap();
            let closer = tulip::spawn(async move {
                tulip::yield_now().await;
                b.write_with(|mut s| s.write(b"last")).await.unwrap();
                drop(b);
            });
            let mut got = Vec::new();
            tulip::time::timeout(HANG, async {
                loop {
                    let mut buf = [0u8; 64];
                    let len = buf.len();
                    let n = poll_fn(|cx| a.poll_read_len_with(cx, len, |mut s| s.read(&mut buf)))
                        .await
                        .unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            })
            .await
            .expect("end of stream lost");
            assert_eq!(got, b"last");
            closer.await;
        }
    });
}

/// A short write (the send buffer filled up) waits for room; everything arrives in order.
#[test]
fn short_writes_wait_for_room_and_lose_nothing() {
    tulip::run(async {
        let (a, b) = tulip::net::UnixStream::pair().unwrap();
        let data: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
        let expect = data.clone();
        let writer = tulip::spawn(async move {
            a.write_all(&data).await.unwrap();
        });
        let mut got = Vec::with_capacity(expect.len());
        let mut buf = vec![0u8; 64 << 10];
        tulip::time::timeout(HANG, async {
            while got.len() < expect.len() {
                let n = b.read(&mut buf).await.unwrap();
                assert!(n > 0);
                got.extend_from_slice(&buf[..n]);
            }
        })
        .await
        .expect("a write or a read lost its wake-up");
        assert!(got == expect);
        writer.await;
    });
}

/// ```python
/// n = await loop.sock_recv_into(sock, buf)
/// ```
/// `Async::read_uninit` fills the front of a buffer nobody zeroed.
#[test]
fn read_into_uninitialised_memory() {
    tulip::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        let b = Async::new(b).unwrap();
        let writer = tulip::spawn(async move {
            tulip::yield_now().await;
            b.write_with(|mut s| s.write(b"uninit")).await.unwrap();
            b
        });
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        let n = tulip::time::timeout(HANG, a.read_uninit(buf.spare_capacity_mut()))
            .await
            .expect("read lost its wake-up")
            .unwrap();
        // SAFETY: `read_uninit` initialised the first `n` bytes of the spare capacity.
        unsafe { buf.set_len(n) };
        assert_eq!(buf, b"uninit");
        let _b = writer.await;
        let mut empty: [MaybeUninit<u8>; 0] = [];
        assert_eq!(a.read_uninit(&mut empty).await.unwrap(), 0);
    });
}
