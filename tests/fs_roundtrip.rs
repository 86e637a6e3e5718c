//! `tulip::fs::File`: write/read round trips around the chunk size, verified by hash; seeks; the
//! `futures_io` traits; errors reported by `flush` and `close`.

mod support;

use std::io::{ErrorKind, SeekFrom};
use std::num::NonZeroUsize;

use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::net::{run, TempDir};
use support::Rng;
use tulip::fs::{self, File, DEFAULT_CHUNK_SIZE};

const K64: usize = 64 * 1024;
const ENOSPC: i32 = 28;
const EISDIR: i32 = 21;

/// FNV-1a over 64-bit little-endian words (the tail byte by byte): quick enough for 50 MiB in a
/// debug build, and any changed, missing or extra byte changes it.
fn hash(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        h = (h ^ u64::from_le_bytes(w.try_into().unwrap())).wrapping_mul(0x0100_0000_01b3);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ data.len() as u64
}

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v.truncate(len);
    v
}

/// aiofiles: `async with aiofiles.open(p, "wb") as f: await f.write(data)`, then
/// `async with aiofiles.open(p, "rb") as f: assert await f.read() == data` — for sizes around the
/// 64 KiB chunk and a large file, written in uneven pieces and read back three ways.
#[test]
fn round_trips_around_the_chunk_size() {
    assert_eq!(DEFAULT_CHUNK_SIZE, K64);
    let dir = TempDir::new();
    for (i, &len) in [0, 1, K64 - 1, K64, K64 + 1, 50 << 20].iter().enumerate() {
        let data = random_bytes(len, i as u64 + 1);
        let want = hash(&data);
        let path = dir.path(&format!("rt-{len}"));
        run(async {
            // Write in uneven pieces so buffer boundaries fall everywhere.
            let mut f = File::create(&path).await.unwrap();
            let mut rng = Rng::new(len as u64 + 7);
            let mut rest = &data[..];
            while !rest.is_empty() {
                let n = (rng.below(3 * K64 as u64) as usize + 1).min(rest.len());
                f.write_all(&rest[..n]).await.unwrap();
                rest = &rest[n..];
            }
            f.close().await.unwrap();
            assert_eq!(fs::metadata(&path).await.unwrap().len(), len as u64);

            // read_to_end.
            let mut all = Vec::new();
            let mut f = File::open(&path).await.unwrap();
            assert_eq!(f.read_to_end(&mut all).await.unwrap(), len);
            assert_eq!(hash(&all), want, "read_to_end of {len} bytes");
            // At end of file: 0, again and again.
            assert_eq!(f.read(&mut [0; 8]).await.unwrap(), 0);
            assert_eq!(f.read_to_end(&mut all).await.unwrap(), 0);
            f.close().await.unwrap();

            // A loop of reads into an odd-sized buffer.
            let mut f = File::open(&path).await.unwrap();
            let mut buf = vec![0; 10_007];
            let mut got = Vec::new();
            loop {
                match f.read(&mut buf).await.unwrap() {
                    0 => break,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
            assert_eq!(hash(&got), want, "read loop over {len} bytes");

            // The one-shot helper.
            assert_eq!(hash(&fs::read(&path).await.unwrap()), want);
        });
    }
}

/// `fs.write` / `fs.read` / `read_to_string` one-shots, and `read_exact` at end of file.
#[test]
fn one_shot_helpers_and_read_exact() {
    let dir = TempDir::new();
    let path = dir.path("text");
    run(async {
        fs::write(&path, "héllo wörld").await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "héllo wörld");
        let mut f = File::open(&path).await.unwrap();
        let mut five = [0; 5];
        f.read_exact(&mut five).await.unwrap();
        assert_eq!(&five, "héll".as_bytes());
        let mut big = [0; 100];
        let err = f.read_exact(&mut big).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);

        fs::write(&path, [0xff, 0xfe]).await.unwrap();
        let err = fs::read_to_string(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let mut s = String::from("kept");
        let err = File::open(&path)
            .await
            .unwrap()
            .read_to_string(&mut s)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "kept");
    });
}

/// Python: `f.seek(off, whence); f.read(n)` — from the start, the end and the current position,
/// after a partial read (the read-ahead must not shift the cursor) and around writes.
#[test]
fn seek_then_read() {
    let dir = TempDir::new();
    let path = dir.path("seek");
    let data = random_bytes(300_000, 42);
    std::fs::write(&path, &data).unwrap();
    run(async {
        let mut f = File::options()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut buf = [0; 100];
        assert_eq!(f.seek(SeekFrom::Start(150_000)).await.unwrap(), 150_000);
        f.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf[..], data[150_000..150_100]);
        // The read took a whole chunk ahead; the cursor is still right after the 100 bytes.
        assert_eq!(f.seek(SeekFrom::Current(0)).await.unwrap(), 150_100);
        assert_eq!(f.seek(SeekFrom::Current(-50)).await.unwrap(), 150_050);
        f.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf[..], data[150_050..150_150]);
        assert_eq!(
            f.seek(SeekFrom::End(-10)).await.unwrap(),
            data.len() as u64 - 10
        );
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).await.unwrap();
        assert_eq!(tail, data[data.len() - 10..]);
        let err = f.seek(SeekFrom::Current(-1_000_000)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);

        // Write in the middle, read it back, check the cursor.
        f.seek(SeekFrom::Start(10)).await.unwrap();
        f.write_all(b"PATCH").await.unwrap();
        assert_eq!(f.seek(SeekFrom::Current(0)).await.unwrap(), 15);
        f.seek(SeekFrom::Start(8)).await.unwrap();
        let mut nine = [0; 9];
        f.read_exact(&mut nine).await.unwrap();
        assert_eq!(&nine[2..7], b"PATCH");
        assert_eq!(nine[..2], data[8..10]);
        assert_eq!(nine[7..], data[15..17]);

        // set_len, metadata, sync.
        f.set_len(1000).await.unwrap();
        assert_eq!(f.metadata().await.unwrap().len(), 1000);
        f.sync_all().await.unwrap();
        f.sync_data().await.unwrap();
        f.close().await.unwrap();
    });
}

/// The `futures_io` traits, driven by `futures-lite`'s extension methods and `io::copy`.
#[test]
fn futures_io_traits() {
    let dir = TempDir::new();
    let (a, b) = (dir.path("a"), dir.path("b"));
    let data = random_bytes(3 * K64 + 123, 9);
    run(async {
        let mut f = File::create(&a)
            .await
            .unwrap()
            .with_chunk_size(NonZeroUsize::new(4096).unwrap());
        AsyncWriteExt::write_all(&mut f, &data).await.unwrap();
        AsyncWriteExt::flush(&mut f).await.unwrap();
        AsyncWriteExt::close(&mut f).await.unwrap();
        // Closed: further writes fail, closing again is fine.
        let err = AsyncWriteExt::write_all(&mut f, b"late").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        AsyncWriteExt::close(&mut f).await.unwrap();

        let src = File::open(&a).await.unwrap();
        let mut dst = File::create(&b).await.unwrap();
        let n = futures_lite::io::copy(src, &mut dst).await.unwrap();
        assert_eq!(n, data.len() as u64);
        dst.close().await.unwrap();

        let mut f = File::open(&b).await.unwrap();
        let pos = AsyncSeekExt::seek(&mut f, SeekFrom::Start(K64 as u64))
            .await
            .unwrap();
        assert_eq!(pos, K64 as u64);
        let mut rest = Vec::new();
        AsyncReadExt::read_to_end(&mut f, &mut rest).await.unwrap();
        assert_eq!(hash(&rest), hash(&data[K64..]));
        let pos = AsyncSeekExt::seek(&mut f, SeekFrom::End(-3)).await.unwrap();
        assert_eq!(pos, data.len() as u64 - 3);
        let mut three = [0; 3];
        AsyncReadExt::read_exact(&mut f, &mut three).await.unwrap();
        assert_eq!(three, data[data.len() - 3..]);
    });
}

/// A write that fails in the background (`/dev/full`: ENOSPC) is reported by `flush`, and by
/// `close` when nothing reported it before; a read error by the read.
#[test]
fn errors_reach_flush_close_and_read() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here; skipping");
        return;
    }
    run(async {
        let mut full = File::options();
        full.write(true);
        let open_full = || full.open("/dev/full");
        let mut f = open_full().await.unwrap();
        f.write_all(b"buffered").await.unwrap(); // only buffered: no error yet
        assert_eq!(f.flush().await.unwrap_err().raw_os_error(), Some(ENOSPC));
        f.flush().await.unwrap(); // reported once
        f.close().await.unwrap();

        let mut f = open_full().await.unwrap();
        f.write_all(b"x").await.unwrap();
        assert_eq!(f.close().await.unwrap_err().raw_os_error(), Some(ENOSPC));

        // A full chunk goes out in the background; its error comes with the next write.
        let mut f = open_full()
            .await
            .unwrap()
            .with_chunk_size(NonZeroUsize::new(16).unwrap());
        f.write_all(&[0; 16]).await.unwrap();
        let err = f.write_all(&[0; 16]).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(ENOSPC));
        drop(f); // the buffered write fails on the pool, silently

        // Reading a directory: EISDIR from the read, not from open.
        let mut d = File::open(std::env::temp_dir()).await.unwrap();
        let err = d.read(&mut [0; 8]).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(EISDIR), "{err}");
        d.close().await.unwrap();
    });
}

/// A named pipe opened as a `File`: a read returns what the writer sent so far, without waiting for
/// a whole chunk or for end of file.
#[test]
fn pipe_reads_return_what_is_there() {
    let dir = TempDir::new();
    let fifo = dir.path("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !matches!(made, Ok(s) if s.success()) {
        eprintln!("mkfifo unavailable ({made:?}); skipping");
        return;
    }
    let (done, wait_done) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || {
            use std::io::Write;
            let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            w.write_all(b"hello").unwrap();
            // Stay open (no end of file) until the reader has its bytes.
            let _ = wait_done.recv_timeout(std::time::Duration::from_secs(20));
        }
    });
    run(async {
        let mut f = File::open(&fifo).await.unwrap();
        let mut buf = [0; 64];
        let n = f.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        done.send(()).unwrap();
        assert_eq!(
            f.read(&mut buf).await.unwrap(),
            0,
            "end of file once the writer closes"
        );
    });
    writer.join().unwrap();
}

/// `create_new` refuses an existing file; `append` writes at the end whatever the cursor.
#[test]
fn open_options() {
    let dir = TempDir::new();
    let path = dir.path("opts");
    run(async {
        let mut f = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await
            .unwrap();
        f.write_all(b"one,").await.unwrap();
        f.close().await.unwrap();
        let again = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .await;
        assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).await.unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");

        let mut f = File::options()
            .read(true)
            .append(true)
            .chunk_size(2)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(f.chunk_size(), 2);
        let mut first = [0; 3];
        f.read_exact(&mut first).await.unwrap();
        f.write_all(b"two").await.unwrap();
        f.close().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"one,two");

        let err = File::open(dir.path("missing")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

/// `into_std` hands back the descriptor with its cursor where the async file's was.
#[test]
fn from_std_and_into_std() {
    use std::io::Read;
    let dir = TempDir::new();
    let path = dir.path("std");
    std::fs::write(&path, b"0123456789").unwrap();
    run(async {
        let mut f = File::from_std(std::fs::File::open(&path).unwrap());
        let mut three = [0; 3];
        f.read_exact(&mut three).await.unwrap();
        let mut rest = String::new();
        f.into_std()
            .await
            .unwrap()
            .read_to_string(&mut rest)
            .unwrap();
        assert_eq!(rest, "3456789");
    });
}
