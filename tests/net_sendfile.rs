//! `sock_sendfile` and `sendfile` (asyncio `loop.sock_sendfile` / `loop.sendfile`): the kernel path on
//! a 64 MiB file verified by hash, the read-and-write fallback, file positions, bad input, closing and
//! cancelling in the middle.

mod support;

use std::cell::RefCell;
use std::fs::File;
use std::future::{poll_fn, Future};
use std::io::{self, ErrorKind, Seek, SeekFrom, Write};
use std::net::Shutdown;
use std::path::Path;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use support::net::{run, tcp_pair, TempDir};
use support::protocol::until;
use support::Rng;
use tulip::net::{
    create_connection, sendfile, sock_sendfile, Protocol, SendfileNotAvailableError,
    SendfileOptions, TcpListener, TcpStream, Transport,
};

const BIG: usize = 64 << 20;

/// FNV-1a, 64 bits: the digest both ends compute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Digest(u64);

impl Digest {
    fn new() -> Digest {
        Digest(0xcbf2_9ce4_8422_2325)
    }
    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Writes `len` pseudo-random bytes to `path` and returns their digest.
fn make_file(path: &Path, len: usize, seed: u64) -> Digest {
    let mut rng = Rng::new(seed);
    let mut f = File::create(path).unwrap();
    let mut digest = Digest::new();
    let mut chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        for word in chunk[..n].chunks_mut(8) {
            let r = rng.next_u64().to_le_bytes();
            word.copy_from_slice(&r[..word.len()]);
        }
        digest.update(&chunk[..n]);
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    digest
}

/// Reads `stream` to EOF: the byte count and digest.
async fn digest_to_eof(stream: TcpStream) -> (usize, Digest) {
    let mut digest = Digest::new();
    let mut total = 0;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            return (total, digest);
        }
        digest.update(&buf[..n]);
        total += n;
    }
}

/// Reads exactly `n` bytes.
async fn read_n(stream: &TcpStream, n: usize) -> Vec<u8> {
    let mut got = vec![0u8; n];
    stream.read_exact(&mut got).await.unwrap();
    got
}

/// Records whether (and how) the connection was lost.
#[derive(Clone, Default)]
struct Watch(Rc<RefCell<Option<Option<ErrorKind>>>>);
impl Protocol for Watch {
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        *self.0.borrow_mut() = Some(exc.map(|e| e.kind()));
    }
}

/// A transport connected to a plain socket accepted here: `(transport, watch, peer)`.
async fn transport_pair() -> (Transport, Watch, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let watch = Watch::default();
    let w = watch.clone();
    let (transport, _) = create_connection(move || w, listener.local_addr().unwrap())
        .await
        .unwrap();
    let (peer, _) = listener.accept().await.unwrap();
    (transport, watch, peer)
}

/// `await loop.sock_sendfile(sock, f)` on a 64 MiB file: every byte arrives (same length and hash),
/// the result is the size and the file's position ends at the end.
#[test]
fn sock_sendfile_sends_64_mib_verified_by_hash() {
    let dir = TempDir::new();
    let path = dir.path("big");
    let want = make_file(&path, BIG, 1);
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let reader = tulip::spawn(digest_to_eof(server));
        let mut file = File::open(&path).unwrap();
        let sent = sock_sendfile(&client, &mut file, 0, None).await.unwrap();
        assert_eq!(sent, BIG as u64);
        assert_eq!(file.stream_position().unwrap(), BIG as u64);
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(reader.await, (BIG, want));
    });
}

/// `transport.write(header)` then `await loop.sendfile(transport, f)`: the buffered header goes first,
/// then the 64 MiB file, verified by hash; the transport works as before afterwards.
#[test]
fn transport_sendfile_sends_buffered_data_then_64_mib() {
    let dir = TempDir::new();
    let path = dir.path("big");
    let file_digest = make_file(&path, BIG, 2);
    run(async {
        let (transport, watch, peer) = transport_pair().await;
        // More than the socket takes at once, so some of it waits in the write buffer.
        let header = vec![7u8; 8 << 20];
        transport.write(&header).unwrap();
        assert!(transport.get_write_buffer_size() > 0);
        let mut want = Digest::new();
        want.update(&header);
        let reader = tulip::spawn(digest_to_eof(peer));
        let mut file = File::open(&path).unwrap();
        let sent = sendfile(&transport, &mut file, 0, None).await.unwrap();
        assert_eq!(sent, BIG as u64);
        assert_eq!(transport.get_write_buffer_size(), 0);
        assert!(transport.is_reading(), "reading resumes after sendfile");
        transport.write(b"trailer").unwrap();
        transport.close();
        // The digest of header + file + trailer, from the file's own bytes.
        let bytes = std::fs::read(&path).unwrap();
        let mut check = Digest::new();
        check.update(&bytes);
        assert_eq!(check, file_digest);
        want.update(&bytes);
        want.update(b"trailer");
        assert_eq!(reader.await, (header.len() + BIG + 7, want));
        until("connection_lost", || watch.0.borrow().is_some()).await;
        assert_eq!(*watch.0.borrow(), Some(None));
    });
}

/// `sock_sendfile(sock, f, offset, count)`: exactly that range, position `offset + count`; a count
/// past the end sends what there is.
#[test]
fn offset_and_count_select_the_range() {
    let dir = TempDir::new();
    let path = dir.path("small");
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let mut file = File::open(&path).unwrap();
        assert_eq!(
            sock_sendfile(&client, &mut file, 1000, Some(5000))
                .await
                .unwrap(),
            5000
        );
        assert_eq!(file.stream_position().unwrap(), 6000);
        assert_eq!(read_n(&server, 5000).await, &data[1000..6000]);
        // More than is left: stops at the end.
        assert_eq!(
            sock_sendfile(&client, &mut file, 9000, Some(5000))
                .await
                .unwrap(),
            1000
        );
        assert_eq!(file.stream_position().unwrap(), 10_000);
        assert_eq!(read_n(&server, 1000).await, &data[9000..]);
    });
}

/// asyncio's fallback: a pipe is not a regular file, so it is read and written (the data arrives,
/// verified by hash); with `fallback=False` it is `SendfileNotAvailableError`.
#[test]
fn pipe_takes_the_fallback_path() {
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut file = File::from(r);

        let err = SendfileOptions::new()
            .fallback(false)
            .sock_sendfile(&client, &mut file, 0, None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert_eq!(
            SendfileNotAvailableError::of(&err).unwrap().reason(),
            "not a regular file"
        );

        // An offset on a pipe: the seek fails, as asyncio's `file.seek(offset)` does.
        let err = sock_sendfile(&client, &mut file, 5, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.raw_os_error(),
            Some(rustix::io::Errno::SPIPE.raw_os_error())
        );

        let len = 3 << 20;
        let writer = std::thread::spawn(move || {
            let mut w = File::from(w);
            let mut rng = Rng::new(3);
            let mut digest = Digest::new();
            let mut left = len;
            while left > 0 {
                let chunk: Vec<u8> = (0..left.min(65536)).map(|_| rng.next_u64() as u8).collect();
                digest.update(&chunk);
                w.write_all(&chunk).unwrap();
                left -= chunk.len();
            }
            digest
        });
        let reader = tulip::spawn(digest_to_eof(server));
        let sent = sock_sendfile(&client, &mut file, 0, None).await.unwrap();
        assert_eq!(sent, len as u64);
        client.shutdown(Shutdown::Write).unwrap();
        let want = writer.join().unwrap();
        assert_eq!(reader.await, (len, want));
    });
}

/// A character device (`/dev/zero`) never ends: `count` bounds the fallback, through a transport too.
#[test]
fn character_device_with_count_takes_the_fallback_path() {
    run(async {
        let (transport, _watch, peer) = transport_pair().await;
        let mut zero = File::open("/dev/zero").unwrap();
        let sent = sendfile(&transport, &mut zero, 0, Some(600_000))
            .await
            .unwrap();
        assert_eq!(sent, 600_000);
        transport.close();
        let (n, got) = digest_to_eof(peer).await;
        let mut want = Digest::new();
        want.update(&vec![0u8; 600_000]);
        assert_eq!((n, got), (600_000, want));
    });
}

/// asyncio's `_check_sendfile_params` and the checks around it: `count=0`, an offset no file can
/// have, a blocking socket, a socket shut down for writing, a file not open for reading. Nothing is
/// sent and the file position does not move.
#[test]
fn bad_input_is_refused_with_clear_errors() {
    let dir = TempDir::new();
    let path = dir.path("f");
    std::fs::write(&path, b"0123456789").unwrap();
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let mut file = File::open(&path).unwrap();
        file.seek(SeekFrom::Start(3)).unwrap();

        let e = sock_sendfile(&client, &mut file, 0, Some(0))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        // Python's offset=-1: here an offset past i64::MAX.
        let e = sock_sendfile(&client, &mut file, u64::MAX, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = sock_sendfile(&client, &mut file, 1 << 63, Some(1))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        // A huge offset that is still a valid file offset: past the end, nothing to send.
        assert_eq!(
            sock_sendfile(&client, &mut file, i64::MAX as u64, None)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            sock_sendfile(&client, &mut file, 10, None).await.unwrap(),
            0
        );

        client.get_ref().set_nonblocking(false).unwrap();
        let e = sock_sendfile(&client, &mut file, 0, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        client.get_ref().set_nonblocking(true).unwrap();

        let write_only = File::options().append(true).open(&path).unwrap();
        let mut write_only = write_only;
        let e = sock_sendfile(&client, &mut write_only, 0, None)
            .await
            .unwrap_err();
        assert_eq!(
            e.raw_os_error(),
            Some(rustix::io::Errno::BADF.raw_os_error())
        );

        assert_eq!(file.stream_position().unwrap(), 3);

        client.shutdown(Shutdown::Write).unwrap();
        let e = sock_sendfile(&client, &mut file, 0, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
        assert_eq!(file.stream_position().unwrap(), 3);
        // Nothing of all that reached the peer.
        let mut buf = [0u8; 1];
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    });
}

/// `loop.sendfile` on a closing transport (asyncio: `RuntimeError("Transport is closing")`), after
/// `write_eof`, and on a transport whose peer has gone (the error ends the connection).
#[test]
fn transport_sendfile_refuses_closed_transports() {
    let dir = TempDir::new();
    let path = dir.path("f");
    std::fs::write(&path, vec![1u8; 1 << 20]).unwrap();
    run(async {
        let mut file = File::open(&path).unwrap();

        let (transport, _watch, _peer) = transport_pair().await;
        transport.close();
        let e = sendfile(&transport, &mut file, 0, None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotConnected);

        let (transport, _watch, _peer) = transport_pair().await;
        transport.write_eof().unwrap();
        let e = sendfile(&transport, &mut file, 0, None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
        transport.close();

        let (transport, watch, peer) = transport_pair().await;
        // The peer resets the connection: SO_LINGER 0, then close.
        socket2::SockRef::from(peer.get_ref())
            .set_linger(Some(std::time::Duration::ZERO))
            .unwrap();
        drop(peer);
        let mut sent_ok = None;
        // The reset may arrive after the first bytes; send until the error shows.
        for _ in 0..100 {
            match sendfile(&transport, &mut file, 0, None).await {
                Ok(_) => tulip::yield_now().await,
                Err(e) => {
                    sent_ok = Some(e.kind());
                    break;
                }
            }
        }
        let kind = sent_ok.expect("sendfile to a reset peer fails");
        assert!(
            matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{kind:?}"
        );
        until("connection_lost", || watch.0.borrow().is_some()).await;
        assert!(matches!(*watch.0.borrow(), Some(Some(_))));
        assert!(transport.is_closing());
    });
}

/// While `sendfile` runs, `write` is refused (asyncio: "unable to write; sendfile is in progress")
/// and so is a second `sendfile`; `close()` ends the transfer with `NotConnected`, the position says
/// how much went out, and `connection_lost(None)` follows.
#[test]
fn close_during_sendfile_ends_it() {
    let dir = TempDir::new();
    let path = dir.path("big");
    make_file(&path, BIG, 4);
    run(async {
        let (transport, watch, peer) = transport_pair().await;
        let t = transport.clone();
        let task = tulip::spawn(async move {
            let mut file = File::open(&path).unwrap();
            let r = sendfile(&t, &mut file, 0, None).await;
            (r, file.stream_position().unwrap(), file)
        });
        // The peer does not read: the transfer stalls once the socket buffers are full.
        tulip::yield_now().await;
        tulip::yield_now().await;
        assert!(!task.is_finished());
        assert_eq!(
            transport.write(b"x").unwrap_err().kind(),
            ErrorKind::ResourceBusy
        );
        let mut other = File::open("/dev/zero").unwrap();
        assert_eq!(
            sendfile(&transport, &mut other, 0, Some(1))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::ResourceBusy
        );
        assert!(!transport.is_reading());
        transport.close();
        let (r, pos, _file) = task.await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::NotConnected);
        assert!(pos > 0 && pos < BIG as u64, "position {pos}");
        until("connection_lost", || watch.0.borrow().is_some()).await;
        assert_eq!(*watch.0.borrow(), Some(None));
        // Exactly `pos` bytes went out.
        let (n, _) = digest_to_eof(peer).await;
        assert_eq!(n as u64, pos);
    });
}

/// Dropping the `sendfile` future (a cancelled task) leaves the file position at what was sent, the
/// peer gets exactly those bytes, and the transport takes writes and reads again.
#[test]
fn cancelled_sendfile_leaves_position_at_bytes_sent() {
    let dir = TempDir::new();
    let path = dir.path("big");
    make_file(&path, BIG, 5);
    let bytes = std::fs::read(&path).unwrap();
    run(async {
        let (transport, watch, peer) = transport_pair().await;
        let mut file = File::open(&path).unwrap();
        {
            let mut fut = pin!(sendfile(&transport, &mut file, 0, None));
            // One poll sends what the socket takes, then waits for the peer.
            let first = poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).map(|r| r.unwrap()))).await;
            assert_eq!(first, Poll::Pending);
        }
        let pos = file.stream_position().unwrap() as usize;
        assert!(pos > 0 && pos < BIG, "position {pos}");
        assert!(transport.is_reading());
        transport.write(b"after").unwrap();
        transport.close();
        let got = support::protocol::read_to_eof(&peer).await.unwrap();
        assert_eq!(got.len(), pos + 5);
        assert!(got[..pos] == bytes[..pos], "the bytes sent are the file's");
        assert_eq!(&got[pos..], b"after");
        until("connection_lost", || watch.0.borrow().is_some()).await;
    });
}

/// Collects what the transport's protocol receives.
#[derive(Clone, Default)]
struct Collect(Rc<RefCell<Vec<u8>>>);
impl Protocol for Collect {
    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().extend_from_slice(data);
    }
}

/// ```python
/// await loop.sendfile(transport, f, offset=os.path.getsize(path))   # 0: nothing left to send
/// await loop.sendfile(transport, f, offset=10, count=10**9)         # the rest of the file
/// ```
/// An offset at the end of the file sends nothing, and a count beyond the end sends up to the end;
/// after each, the transport reads and writes as before.
#[test]
fn offset_at_eof_and_count_past_the_end_leave_the_transport_working() {
    let dir = TempDir::new();
    let path = dir.path("small");
    let bytes: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let got = Collect::default();
        let g = got.clone();
        let (transport, _) = create_connection(move || g, listener.local_addr().unwrap())
            .await
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(
            sendfile(&transport, &mut file, 1000, None).await.unwrap(),
            0
        );
        assert_eq!(
            sendfile(&transport, &mut file, 5000, Some(3))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            sendfile(&transport, &mut file, 10, Some(1 << 40))
                .await
                .unwrap(),
            990
        );
        assert_eq!(file.stream_position().unwrap(), 1000);
        transport.write(b"tail").unwrap();
        assert!(transport.is_reading());
        assert_eq!(read_n(&peer, 994).await, [&bytes[10..], b"tail"].concat());
        // Reading was resumed after each transfer.
        peer.write_all(b"back").await.unwrap();
        until("data_received", || got.0.borrow().as_slice() == b"back").await;
        transport.close();
    });
}

/// A slow peer (tiny reads with pauses) and low write-buffer limits: `sendfile` waits for room over
/// and over and every byte arrives in order, followed by what was written after it.
#[test]
fn sendfile_to_a_slow_peer_delivers_every_byte() {
    let dir = TempDir::new();
    let path = dir.path("mid");
    let len = 2 << 20;
    let digest = make_file(&path, len, 9);
    run(async {
        let (transport, _watch, peer) = transport_pair().await;
        transport
            .set_write_buffer_limits(Some(1024), Some(256))
            .unwrap();
        transport.write(b"head").unwrap();
        let t = transport.clone();
        let sender = tulip::spawn(async move {
            let mut file = File::open(&path).unwrap();
            let n = sendfile(&t, &mut file, 0, None).await.unwrap();
            t.write(b"tail").unwrap();
            t.close();
            n
        });
        let mut head = [0u8; 4];
        peer.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"head");
        let mut digest_got = Digest::new();
        let mut total = 0;
        let mut buf = [0u8; 4096];
        let mut rng = Rng::new(3);
        while total < len {
            let want = (1 + rng.below(4096) as usize).min(len - total);
            let n = peer.read(&mut buf[..want]).await.unwrap();
            assert!(n > 0, "EOF before the file's end");
            digest_got.update(&buf[..n]);
            total += n;
            if rng.below(8) == 0 {
                tulip::yield_now().await;
            }
        }
        assert_eq!(digest_got, digest);
        assert_eq!(sender.await, len as u64);
        let mut tail = Vec::new();
        loop {
            let n = peer.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
        }
        assert_eq!(tail, b"tail");
    });
}

/// The peer reads part of the file and then closes (FIN, then RST for the unread data): a
/// `sock_sendfile` waiting for room fails with an error instead of waiting forever.
#[test]
fn sock_sendfile_fails_when_the_peer_closes_mid_transfer() {
    let dir = TempDir::new();
    let path = dir.path("big");
    make_file(&path, BIG, 8);
    run(async {
        let (_l, client, server) = tcp_pair().await;
        let reader = tulip::spawn(async move {
            let _ = read_n(&client, 1 << 20).await;
            drop(client);
        });
        let mut file = File::open(&path).unwrap();
        let r = sock_sendfile(&server, &mut file, 0, None).await;
        reader.await;
        let kind = r.expect_err("the whole file went to a closed peer").kind();
        assert!(
            matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{kind:?}"
        );
        let pos = file.stream_position().unwrap();
        assert!(pos >= 1 << 20 && pos < BIG as u64, "position {pos}");
    });
}

/// `loop.sock_sendfile(unix_sock, f)`: a Unix stream socket takes the kernel path too (the fallback is
/// off, so a refusal would fail), every byte arrives and the position ends at the end.
#[test]
fn unix_sock_sendfile_takes_the_kernel_path() {
    let dir = TempDir::new();
    let path = dir.path("file");
    let len = 4 << 20;
    let want = make_file(&path, len, 7);
    run(async {
        let (a, b) = tulip::net::UnixStream::pair().unwrap();
        let reader = tulip::spawn(async move {
            let mut digest = Digest::new();
            let mut total = 0;
            let mut buf = vec![0u8; 256 * 1024];
            while total < len {
                let n = b.read(&mut buf).await.unwrap();
                assert!(n > 0, "EOF after {total} bytes");
                digest.update(&buf[..n]);
                total += n;
            }
            digest
        });
        let mut file = File::open(&path).unwrap();
        let sent = SendfileOptions::new()
            .fallback(false)
            .sock_sendfile(&a, &mut file, 0, None)
            .await
            .unwrap();
        assert_eq!(sent, len as u64);
        assert_eq!(file.stream_position().unwrap(), len as u64);
        assert_eq!(reader.await, want);
    });
}

/// `loop.sendfile(transport, f)` on a transport over a Unix socket: the kernel path (fallback off),
/// after what `write` buffered.
#[test]
fn unix_transport_sendfile_takes_the_kernel_path() {
    let dir = TempDir::new();
    let path = dir.path("file");
    let len = 1 << 20;
    let want = make_file(&path, len, 8);
    let sock = dir.path("sock");
    run(async {
        let listener = tulip::net::UnixListener::bind(&sock).unwrap();
        let watch = Watch::default();
        let w = watch.clone();
        let (transport, _) = tulip::net::create_unix_connection(move || w, &sock)
            .await
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        let reader = tulip::spawn(async move {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = peer.read(&mut buf).await.unwrap();
                if n == 0 {
                    return got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        transport.write(b"head").unwrap();
        let mut file = File::open(&path).unwrap();
        let sent = SendfileOptions::new()
            .fallback(false)
            .sendfile(&transport, &mut file, 0, None)
            .await
            .unwrap();
        assert_eq!(sent, len as u64);
        transport.close();
        let got = reader.await;
        assert_eq!(&got[..4], b"head");
        let mut digest = Digest::new();
        digest.update(&got[4..]);
        assert_eq!((got.len() - 4, digest), (len, want));
        until("connection_lost", || watch.0.borrow().is_some()).await;
        assert_eq!(*watch.0.borrow(), Some(None));
    });
}
