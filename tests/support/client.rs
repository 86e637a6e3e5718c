//! A blocking echo client on std threads, independent of tulip, to check any echo server byte for byte.
//!
//! ```text
//! echo_concurrent(addr, 200, 256 * 1024);   // 200 connections at once, 256 KiB each, verified
//! echo_one(addr, 64 * 1024, 7).unwrap();    // one connection, seed 7
//! half_close(addr, 42, 100 * 1024);          // write all, EOF, read the whole echo, then EOF
//! reset_mid_echo(addr);                      // read part of an echo, then reset (RST)
//! fill_then_reset(addr, 32 << 20);           // write until the server stops taking bytes, then reset
//! ```
//!
//! Each connection writes `len` pseudo-random bytes (seeded per connection, so every connection sends
//! different data) from a writer thread, then shuts down its write side; the reader regenerates the
//! same sequence and compares every byte it receives, then expects EOF. So every connection also checks
//! half-close: the server must echo everything after the client's EOF, then close.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use super::Rng;

/// How long a client read or write may block before the connection counts as stuck.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes per write call and per comparison chunk.
const CHUNK: usize = 16 * 1024;
/// Stack for the client threads (they hold a chunk each on the heap).
const STACK_SIZE: usize = 128 * 1024;

/// Fills `buf` with the next bytes of `rng`'s stream.
pub(crate) fn fill(rng: &mut Rng, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let x = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&x[..chunk.len()]);
    }
}

/// `len` pseudo-random bytes from `seed`.
pub(crate) fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    fill(&mut Rng::new(seed), &mut v);
    v
}

/// Connects with the client timeouts set.
pub(crate) fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(s)
}

/// Writes `len` bytes of stream `seed` and shuts down writing; `CHUNK` bytes per call (the stream is
/// regenerated chunk by chunk, so `len` may be large).
fn write_stream(mut s: &TcpStream, seed: u64, len: usize) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; CHUNK];
    let mut left = len;
    while left > 0 {
        let n = left.min(CHUNK);
        fill(&mut rng, &mut buf[..n]);
        s.write_all(&buf[..n])?;
        left -= n;
    }
    s.shutdown(Shutdown::Write)
}

/// Reads `len` bytes, checks them against stream `seed`, then expects EOF.
fn verify_stream(mut s: &TcpStream, seed: u64, len: usize) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut expected = vec![0u8; CHUNK];
    let mut got = vec![0u8; CHUNK];
    let mut pos = 0;
    while pos < len {
        let want = (len - pos).min(CHUNK);
        fill(&mut rng, &mut expected[..want]);
        let mut have = 0;
        while have < want {
            match s.read(&mut got[have..want]) {
                Ok(0) => return Err(format!("EOF after {} of {len} bytes", pos + have)),
                Ok(n) => have += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read error after {} bytes: {e}", pos + have)),
            }
        }
        if let Some(i) = (0..want).find(|&i| got[i] != expected[i]) {
            return Err(format!(
                "byte {} differs: got {:#04x}, expected {:#04x}",
                pos + i,
                got[i],
                expected[i]
            ));
        }
        pos += want;
    }
    match s.read(&mut got) {
        Ok(0) => Ok(()),
        Ok(n) => Err(format!("{n} bytes more than the {len} sent")),
        Err(e) => Err(format!("expected EOF after {len} bytes, got error: {e}")),
    }
}

/// One echo exchange on a connected stream: a writer thread sends `len` bytes of stream `seed` then
/// shuts down writing, while this thread verifies the echo and the EOF after it.
pub(crate) fn echo_on(s: &TcpStream, seed: u64, len: usize) -> Result<(), String> {
    thread::scope(|scope| {
        let writer = thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || write_stream(s, seed, len))
            .map_err(|e| format!("cannot start a writer thread: {e}"))?;
        let read = verify_stream(s, seed, len);
        let wrote = writer.join().expect("writer thread panicked");
        read?;
        wrote.map_err(|e| format!("write error: {e}"))
    })
}

/// Connects to `addr` and runs one verified echo exchange of `len` bytes.
pub(crate) fn echo_one(addr: SocketAddr, len: usize, seed: u64) -> Result<(), String> {
    let s = connect(addr).map_err(|e| format!("connect: {e}"))?;
    echo_on(&s, seed, len)
}

/// `conns` connections to `addr` at once (all connect, then all transfer), each echoing `len`
/// pseudo-random bytes verified byte for byte, then EOF.
///
/// # Panics
///
/// When any connection fails, listing the first failures.
#[track_caller]
pub(crate) fn echo_concurrent(addr: SocketAddr, conns: usize, len: usize) {
    let barrier = Barrier::new(conns);
    let results: Vec<Result<(), String>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..conns)
            .map(|i| {
                let barrier = &barrier;
                thread::Builder::new()
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, move || {
                        let conn = connect(addr);
                        barrier.wait();
                        let s = conn.map_err(|e| format!("connect: {e}"))?;
                        echo_on(&s, 1000 + i as u64, len)
                    })
                    .expect("starting a client thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread panicked"))
            .collect()
    });
    let failures: Vec<String> = results
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| r.err().map(|e| format!("connection {i}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {conns} connections to {addr} failed, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Writes `len` pseudo-random bytes (from `seed`) on one connection, shuts its write side down, then
/// reads to EOF and checks the echo is every byte, in order.
pub(crate) fn half_close(addr: SocketAddr, seed: u64, len: usize) {
    let mut s = connect(addr).unwrap();
    let data = random_bytes(seed, len);
    s.write_all(&data).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    s.read_to_end(&mut echoed).unwrap(); // returns at EOF
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echoed bytes differ");
}

/// Sets SO_LINGER to 0 and drops the stream: the kernel sends RST instead of FIN.
pub(crate) fn reset(s: TcpStream) {
    socket2::SockRef::from(&s)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(s);
}

/// Sends 128 KiB, reads the first KiB of the echo, then resets: the server is mid-echo.
pub(crate) fn reset_mid_echo(addr: SocketAddr) {
    let mut s = connect(addr).unwrap();
    s.write_all(&random_bytes(3, 128 * 1024)).unwrap();
    let mut some = [0u8; 1024];
    s.read_exact(&mut some).unwrap();
    reset(s);
}

/// Writes without reading until the server stops taking bytes (20 rounds in a row that could write
/// nothing) or `limit` bytes went out, then resets: the server has unsent bytes when the RST comes.
/// Returns how much was written.
pub(crate) fn fill_then_reset(addr: SocketAddr, limit: usize) -> usize {
    let s = connect(addr).unwrap();
    s.set_nonblocking(true).unwrap();
    let chunk = random_bytes(7, 64 * 1024);
    let (mut total, mut stalls) = (0usize, 0);
    while stalls < 20 && total < limit {
        match (&s).write(&chunk) {
            Ok(n) => {
                total += n;
                stalls = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                stalls += 1;
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("client write failed: {e}"),
        }
    }
    reset(s);
    total
}

/// After the resets: a few single connections and 20 concurrent ones are echoed in full.
pub(crate) fn still_echoes(addr: SocketAddr) {
    for seed in 0..3 {
        echo_one(addr, 64 * 1024, seed).unwrap();
    }
    echo_concurrent(addr, 20, 64 * 1024);
}
