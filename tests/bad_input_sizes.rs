//! Sizes at the edges (zero, huge) given to the public API: a clear error or a correct empty answer,
//! never a panic, an abort or lost data.

mod support;

use std::io::ErrorKind;

use tulip::net::{open_connection, TcpListener, UdpSocket};

/// A server that sends `data`, then EOF, to its first connection; returns its address.
async fn serve_once(data: &'static [u8]) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tulip::spawn(async move {
        let (c, _) = listener.accept().await.unwrap();
        c.write_all(data).await.unwrap();
    })
    .detach();
    addr
}

/// asyncio's `readexactly(n)` accumulates what arrives; asking for more than will ever come is an
/// `IncompleteReadError` with the bytes that did, not an attempt to allocate `n` bytes up front.
#[test]
fn readexactly_huge_is_incomplete_with_the_partial_bytes() {
    tulip::run(async {
        for n in [usize::MAX, usize::MAX / 2, 1 << 40] {
            let (mut reader, _w) = open_connection(serve_once(b"abc").await).await.unwrap();
            let err = reader.readexactly(n).await.unwrap_err();
            assert!(err.is_incomplete(), "readexactly({n}): {err}");
            assert_eq!(err.partial(), Some(&b"abc"[..]));
        }
    });
}

#[test]
fn read_zero_and_huge() {
    tulip::run(async {
        let (mut reader, _w) = open_connection(serve_once(b"abc").await).await.unwrap();
        assert_eq!(reader.read(0).await.unwrap(), b"");
        assert_eq!(reader.read(usize::MAX).await.unwrap(), b"abc");
        assert_eq!(reader.read(usize::MAX).await.unwrap(), b"");
        assert_eq!(reader.readexactly(0).await.unwrap(), b"");
    });
}

#[test]
fn readuntil_with_an_empty_separator_is_invalid_input() {
    tulip::run(async {
        let (mut reader, _w) = open_connection(serve_once(b"a;b").await).await.unwrap();
        let err = reader.readuntil(b"").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        // Nothing was consumed.
        assert_eq!(reader.readuntil(b";").await.unwrap(), b"a;");
    });
}

/// A datagram larger than UDP allows is refused with the OS error (`EMSGSIZE`); the socket stays usable.
#[test]
fn oversized_datagram_is_an_error_and_the_socket_still_works() {
    tulip::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = b.local_addr().unwrap();
        let big = vec![7u8; 70_000];
        assert!(a.send_to(&big, to).await.is_err());
        a.send_to(b"ok", to).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ok");
        // An empty datagram is a datagram.
        a.send_to(b"", to).await.unwrap();
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(n, 0);
    });
}

/// Zero-length reads and writes on a stream complete at once with 0.
#[test]
fn zero_length_stream_operations() {
    tulip::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tulip::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(client.write(b"").await.unwrap(), 0);
        let mut empty = [0u8; 0];
        assert_eq!(server.read(&mut empty).await.unwrap(), 0);
        assert_eq!(server.peek(&mut empty).await.unwrap(), 0);
        let mut none: [std::io::IoSliceMut<'_>; 0] = [];
        assert_eq!(
            futures_lite::AsyncReadExt::read_vectored(&mut &server, &mut none)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            futures_lite::AsyncReadExt::read(&mut &server, &mut empty)
                .await
                .unwrap(),
            0
        );
        client.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        server.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"x");

        let (a, b) = tulip::net::UnixStream::pair().unwrap();
        assert_eq!(a.read(&mut empty).await.unwrap(), 0);
        b.write_all(b"y").await.unwrap();
        a.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"y");
    });
}

/// `set_write_buffer_limits` with `low > high` is refused (asyncio: `ValueError`).
#[test]
fn write_buffer_limits_low_above_high_is_invalid_input() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use tulip::net::{create_connection, Protocol, Transport};

    struct P(Rc<RefCell<Option<Transport>>>);
    impl Protocol for P {
        fn connection_made(&mut self, t: Transport) {
            *self.0.borrow_mut() = Some(t);
        }
    }
    tulip::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let slot = Rc::new(RefCell::new(None));
        let s = slot.clone();
        let _conn = create_connection(move || P(s.clone()), addr).await.unwrap();
        let t = slot.borrow().clone().unwrap();
        let err = t.set_write_buffer_limits(Some(10), Some(20)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        t.set_write_buffer_limits(Some(usize::MAX), Some(0))
            .unwrap();
        t.set_write_buffer_limits(Some(0), None).unwrap();
        t.close();
    });
}

/// `asyncio.Queue(maxsize=0)` (any `maxsize <= 0`) is unbounded, for every queue kind
/// (`scripts/asyncio_ref/bad_sizes.py`):
///
/// ```text
/// Queue(maxsize=0): maxsize=0 full=False qsize=10000
/// PriorityQueue(maxsize=0): maxsize=0 full=False qsize=10000
/// LifoQueue(maxsize=0): maxsize=0 full=False qsize=10000
/// ```
///
/// tulip's `bounded(0)` gives the same unbounded queue (it panicked before).
#[test]
fn queue_bounded_zero_is_unbounded_as_in_asyncio() {
    use tulip::sync::{LifoQueue, PriorityQueue, Queue};
    let q = Queue::bounded(0);
    let p = PriorityQueue::bounded(0);
    let l = LifoQueue::bounded(0);
    assert_eq!((q.maxsize(), p.maxsize(), l.maxsize()), (None, None, None));
    for i in 0..10_000u32 {
        q.put_nowait(i).unwrap();
        p.put_nowait(i).unwrap();
        l.put_nowait(i).unwrap();
    }
    assert!(!q.full() && !p.full() && !l.full());
    assert_eq!((q.qsize(), p.qsize(), l.qsize()), (10_000, 10_000, 10_000));
}

/// `asyncio.StreamReader(limit=0)` raises `ValueError('Limit cannot be <= 0')`; tulip's
/// `set_limit(0)` is `InvalidInput` and leaves the reader as it was: its limit and its buffered bytes.
/// (`with_limit` takes a `NonZeroUsize`, so a 0 there cannot be written; it panicked before.)
#[test]
fn stream_reader_limit_zero_is_invalid_input_and_the_reader_is_kept() {
    tulip::run(async {
        let (mut reader, _w) = open_connection(serve_once(b"one\ntwo\n").await)
            .await
            .unwrap();
        assert_eq!(reader.readexactly(1).await.unwrap(), b"o");
        let err = reader.set_limit(0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(reader.limit(), 64 * 1024);
        assert_eq!(reader.readline().await.unwrap(), b"ne\n");
        reader.set_limit(2).unwrap();
        assert_eq!(reader.limit(), 2);
        assert!(reader.readline().await.unwrap_err().is_limit_overrun());
        let reader = reader.with_limit(std::num::NonZeroUsize::new(8).unwrap());
        assert_eq!(reader.limit(), 8);
    });
}

/// A file chunk size of 0 (one pool job would move nothing, forever): `File::set_chunk_size(0)` is
/// `InvalidInput` and leaves the file as it was; `OpenOptions::chunk_size(0)` makes `open` fail with
/// `InvalidInput` before anything is opened or created, as std's `OpenOptions::open` does for an
/// invalid combination of flags. (asyncio has no chunk size: `f.read(0)` reads nothing. Both panicked
/// before; `with_chunk_size` takes a `NonZeroUsize`.)
#[test]
fn file_chunk_size_zero_is_invalid_input_and_the_file_is_kept() {
    let dir = support::net::TempDir::new();
    let (kept, refused) = (dir.path("kept"), dir.path("refused"));
    tulip::run(async {
        let mut f = tulip::fs::File::create(&kept).await.unwrap();
        let chunk = f.chunk_size();
        let err = f.set_chunk_size(0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(f.chunk_size(), chunk);
        f.write_all(b"still works").await.unwrap();
        f.set_chunk_size(16).unwrap();
        assert_eq!(f.chunk_size(), 16);
        f.close().await.unwrap();
        assert_eq!(tulip::fs::read(&kept).await.unwrap(), b"still works");

        let err = tulip::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .chunk_size(0)
            .open(&refused)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(!refused.exists(), "the file was created");
    });
}
