//! `StreamReader`: `read`, `read_to_end`, `readline`, `readuntil`, `readexactly` (partial data on
//! early EOF), the buffer limit (`LimitOverrunError` with nothing lost), `at_eof`, cancel safety.

mod support;

use std::io;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use tulip::net::{open_connection, StreamReader, TcpListener};

use support::net::run;

/// Serves one connection: sends each piece (pausing between them so they arrive as separate reads),
/// then closes.
async fn peer_sending(pieces: Vec<Vec<u8>>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tulip::spawn(async move {
        let (conn, _) = listener.accept().await.unwrap();
        for p in pieces {
            conn.write_all(&p).await.unwrap();
            tulip::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .detach();
    Ok(addr)
}

async fn reader_for(pieces: &[&[u8]]) -> io::Result<StreamReader> {
    let addr = peer_sending(pieces.iter().map(|p| p.to_vec()).collect()).await?;
    let (reader, writer) = open_connection(addr).await?;
    drop(writer);
    Ok(reader)
}

/// ```python
/// # peer sends b"one\ntw", b"o\nthree" and closes
/// await r.readline() == b"one\n"; await r.readline() == b"two\n"
/// await r.readline() == b"three"          # EOF: the rest, without "\n"
/// await r.readline() == b""; r.at_eof()
/// ```
#[test]
fn readline_across_chunks_and_at_eof() {
    run(async {
        let mut r = reader_for(&[b"one\ntw", b"o\nthree"]).await?;
        assert_eq!(r.readline().await?, b"one\n");
        assert!(!r.at_eof());
        assert_eq!(r.readline().await?, b"two\n");
        assert_eq!(r.readline().await?, b"three");
        assert!(r.at_eof());
        assert_eq!(r.readline().await?, b"");
        assert_eq!(r.read(10).await?, b"");
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// # the separator b"\r\n\r\n" arrives split over three reads
/// await r.readuntil(b"\r\n\r\n") == b"HEADERS\r\n\r\n"
/// with pytest.raises(asyncio.IncompleteReadError) as e:
///     await r.readuntil(b"\r\n\r\n")
/// e.value.partial == b"body"; e.value.expected is None
/// ```
#[test]
fn readuntil_multibyte_separator_split_across_reads() {
    run(async {
        let mut r = reader_for(&[b"HEADERS\r", b"\n\r", b"\nbody"]).await?;
        assert_eq!(r.readuntil(b"\r\n\r\n").await?, b"HEADERS\r\n\r\n");
        let err = r.readuntil(b"\r\n\r\n").await.unwrap_err();
        assert!(err.is_incomplete());
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let inc = err.into_incomplete().unwrap();
        assert_eq!(inc.partial(), b"body");
        assert_eq!(inc.expected(), None);
        assert!(r.at_eof(), "the partial data was handed over in the error");
        let empty = r.readuntil(b"").await.unwrap_err();
        assert_eq!(empty.kind(), io::ErrorKind::InvalidInput);
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// await r.readexactly(3) == b"abc"
/// with pytest.raises(asyncio.IncompleteReadError) as e:
///     await r.readexactly(10)               # only 4 bytes left before EOF
/// e.value.partial == b"defg"; e.value.expected == 10
/// str(e.value) == "4 bytes read on a total of 10 expected bytes"
/// ```
#[test]
fn readexactly_returns_the_partial_bytes_on_early_eof() {
    run(async {
        let mut r = reader_for(&[b"ab", b"cd", b"efg"]).await?;
        assert_eq!(r.readexactly(0).await?, b"");
        assert_eq!(r.readexactly(3).await?, b"abc");
        let err = r.readexactly(10).await.unwrap_err();
        assert_eq!(err.partial(), Some(&b"defg"[..]));
        assert_eq!(
            err.to_string(),
            "4 bytes read on a total of 10 expected bytes"
        );
        let io_err: io::Error = err.into();
        assert_eq!(io_err.kind(), io::ErrorKind::UnexpectedEof);
        let inner = io_err
            .get_ref()
            .and_then(|e| e.downcast_ref::<tulip::net::IncompleteReadError>())
            .expect("the typed error is kept inside the io::Error");
        assert_eq!(
            (inner.partial(), inner.expected()),
            (&b"defg"[..], Some(10))
        );
        assert!(r.at_eof());
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// r = StreamReader(limit=8)                # a line longer than the limit
/// with pytest.raises(asyncio.LimitOverrunError) as e:
///     await r.readuntil(b"\n")
/// # asyncio keeps the data for readuntil; e.value.consumed bytes can be read without the separator
/// ```
///
/// Unlike asyncio's `readline`, which discards the data and raises `ValueError`, ours keeps it too.
#[test]
fn limit_overrun_loses_nothing() {
    run(async {
        let line: Vec<u8> = (b'a'..=b'z').chain(std::iter::once(b'\n')).collect();
        let mut pieces = vec![
            b"short\n".to_vec(),
            line[..10].to_vec(),
            line[10..].to_vec(),
        ];
        pieces.push(b"tail\n".to_vec());
        let addr = peer_sending(pieces).await?;
        let (r, _w) = open_connection(addr).await?;
        let mut r = r.with_limit(NonZeroUsize::new(8).unwrap());
        assert_eq!(r.limit(), 8);
        assert_eq!(r.readline().await?, b"short\n");

        let err = r.readline().await.unwrap_err();
        assert!(err.is_limit_overrun(), "{err}");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let consumed = err.consumed().unwrap();
        assert!(consumed > 8 && consumed < line.len(), "consumed {consumed}");
        // The same error from readuntil: nothing was taken.
        let again = r.readuntil(b"\n").await.unwrap_err();
        assert!(again.is_limit_overrun());
        // asyncio's idiom: take `consumed` bytes and look again. Every byte is still there.
        let mut got = r.readexactly(consumed).await?;
        loop {
            match r.readline().await {
                Ok(rest) => {
                    got.extend(rest);
                    break;
                }
                Err(e) if e.is_limit_overrun() => {
                    got.extend(r.readexactly(e.consumed().unwrap()).await?);
                }
                Err(e) => return Err(e.into()),
            }
        }
        assert_eq!(got, line);
        assert_eq!(r.readline().await?, b"tail\n");
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// # all of b"0123456789\n" buffered, limit 4: the separator is found, beyond the limit
/// e.value.consumed == 10
/// ```
#[test]
fn limit_overrun_with_separator_found_reports_its_offset() {
    run(async {
        let addr = peer_sending(vec![b"0123456789\n".to_vec()]).await?;
        let (r, _w) = open_connection(addr).await?;
        let mut r = r.with_limit(NonZeroUsize::new(4).unwrap());
        // Make sure everything is buffered first.
        tulip::time::sleep(Duration::from_millis(10)).await;
        let first = r.readexactly(1).await?;
        assert_eq!(first, b"0");
        let err = r.readuntil(b"\n").await.unwrap_err();
        let lim = err.as_limit_overrun().copied().unwrap();
        assert!(lim.is_separator_found());
        assert_eq!(lim.consumed(), 9);
        assert_eq!(r.readexactly(lim.consumed() + 1).await?, b"123456789\n");
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// await r.read(4) == b"abcd"          # at most n; what is buffered first
/// await r.read(0) == b""
/// await r.read() == b"efghij"          # read(-1): until EOF
/// ```
#[test]
fn read_n_and_read_to_end() {
    run(async {
        let mut r = reader_for(&[b"abcdef", b"ghij"]).await?;
        assert_eq!(r.read(0).await?, b"");
        assert_eq!(r.read(4).await?, b"abcd");
        assert_eq!(r.read_to_end().await?, b"efghij");
        assert!(r.at_eof());
        assert_eq!(r.read_to_end().await?, b"");
        io::Result::Ok(())
    })
    .unwrap();
}

/// `read(65536)` of chunks large and small, as they arrive: every byte comes back in order, and no
/// returned vector holds more than twice its length in capacity (a large read is handed out in the
/// vector the socket read into, a small one copied out at its size).
///
/// ```python
/// # peer sends 50 000 bytes, 10 bytes, 40 000 bytes (separately) and closes
/// got = b""
/// while chunk := await r.read(65536): got += chunk
/// ```
#[test]
fn read_n_of_large_and_small_chunks_keeps_every_byte_and_little_slack() {
    run(async {
        let pieces: Vec<Vec<u8>> = [50_000usize, 10, 40_000]
            .iter()
            .enumerate()
            .map(|(k, &n)| (0..n).map(|i| (i * 13 + k * 101) as u8).collect())
            .collect();
        let want: Vec<u8> = pieces.concat();
        let addr = peer_sending(pieces).await?;
        let (mut r, _w) = open_connection(addr).await?;
        let mut got = Vec::new();
        loop {
            let chunk = r.read(65536).await?;
            if chunk.is_empty() {
                break;
            }
            assert!(
                chunk.capacity() <= 2 * chunk.len(),
                "a {}-byte read holds {} bytes of capacity",
                chunk.len(),
                chunk.capacity()
            );
            got.extend_from_slice(&chunk);
        }
        assert!(got == want, "{} bytes back of {}", got.len(), want.len());
        io::Result::Ok(())
    })
    .unwrap();
}

/// Reads sized from the reader's last read (a small buffer of twice that size, handed out whole): a
/// message that outgrows the guess, one that shrinks below half of it, one far larger, a `read(n)`
/// asking for less than arrived, and a piece larger than `n` (its front handed out, the rest
/// buffered) each keep every byte, in order, with at most twice the length in capacity.
///
/// ```python
/// # peer sends 64, 64, 100, 200, 5, 3000, 20 000, 7, 64, 100 000 bytes (separately) and closes
/// await r.read(65536)    # each piece, as it arrives
/// await r.read(10)       # for the 3000-byte piece: 10 bytes, the rest from the buffer
/// ```
#[test]
fn read_n_of_changing_small_sizes_keeps_every_byte_and_little_slack() {
    run(async {
        let sizes = [64usize, 64, 100, 200, 5, 3000, 20_000, 7, 64, 100_000];
        let pieces: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(k, &n)| (0..n).map(|i| (i * 7 + k * 31) as u8).collect())
            .collect();
        let want: Vec<u8> = pieces.concat();
        let addr = peer_sending(pieces).await?;
        let (mut r, _w) = open_connection(addr).await?;
        let mut got = Vec::new();
        let mut reads = 0;
        loop {
            // The sixth read asks for less than its piece brings.
            let n = if reads == 5 { 10 } else { 65536 };
            let chunk = r.read(n).await?;
            reads += 1;
            if chunk.is_empty() {
                break;
            }
            assert!(chunk.len() <= n, "read({n}) gave {} bytes", chunk.len());
            assert!(
                chunk.capacity() <= 2 * chunk.len(),
                "a {}-byte read holds {} bytes of capacity",
                chunk.len(),
                chunk.capacity()
            );
            got.extend_from_slice(&chunk);
        }
        assert!(got == want, "{} bytes back of {}", got.len(), want.len());
        io::Result::Ok(())
    })
    .unwrap();
}

/// A large `readexactly` (several reads) is verified byte for byte.
#[test]
fn readexactly_large() {
    run(async {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let addr = peer_sending(vec![data.clone()]).await?;
        let (mut r, _w) = open_connection(addr).await?;
        let a = r.readexactly(1_000_000).await?;
        let b = r.readexactly(2_000_000).await?;
        assert!(a == data[..1_000_000] && b == data[1_000_000..]);
        assert!(r.readexactly(1).await.unwrap_err().is_incomplete());
        io::Result::Ok(())
    })
    .unwrap();
}

/// Cancelling a read keeps what it had read: a `readexactly` dropped by a timeout, then retried,
/// returns every byte.
///
/// ```python
/// with contextlib.suppress(TimeoutError):
///     await asyncio.wait_for(r.readexactly(6), 0.005)  # only "abc" came so far
/// await r.readexactly(6) == b"abcdef"
/// ```
#[test]
fn cancelled_reads_lose_nothing() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (mut r, _w) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        peer.write_all(b"abc").await?;
        let t = tulip::time::timeout(Duration::from_millis(20), r.readexactly(6)).await;
        assert!(t.is_err(), "only half the bytes were sent");
        let t = tulip::time::timeout(Duration::from_millis(5), r.readline()).await;
        assert!(t.is_err());
        peer.write_all(b"def\n").await?;
        assert_eq!(r.readexactly(6).await?, b"abcdef");
        assert_eq!(r.readline().await?, b"\n");
        io::Result::Ok(())
    })
    .unwrap();
}
