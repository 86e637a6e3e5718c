//! The loop keeps running while a `tulip::fs` read waits: the reads happen on the blocking pool, not
//! on the loop thread. A behaviour check that does not depend on timing: the file is a named pipe
//! whose writer (a plain thread) stops halfway and goes on only once a task on the loop has answered
//! it, which that task can do only if the loop runs while the read waits for the second half.
//!
//! asyncio's chunked reader recipe (`while chunk := await loop.run_in_executor(None, f.read, 65536)`)
//! keeps the loop free the same way: each read runs in the executor.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use support::net::{TempDir, TEST_TIMEOUT};
use support::real_loop;
use tulip::fs::File;

/// More than a pipe holds (64 KiB on Linux), so each half is read while the writer is still writing.
const SIZE: usize = 4 << 20;

fn pattern() -> Vec<u8> {
    (0..SIZE as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("running mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// What [`read_fifo_while_the_loop_answers`] saw.
#[derive(Debug)]
struct Seen {
    bytes: Vec<u8>,
    /// The loop answered the writer while the read was waiting for the second half.
    answered: bool,
}

/// Reads a named pipe with `read` while a thread writes `pattern()` into it: the first half, then,
/// once a task on the loop has answered, the second. Without an answer the writer goes on after
/// `TEST_TIMEOUT` (so a read that blocks the loop thread fails the test instead of hanging it).
fn read_fifo_while_the_loop_answers<F, Fut>(dir: &TempDir, name: &str, read: F) -> Seen
where
    F: FnOnce(File) -> Fut + 'static,
    Fut: std::future::Future<Output = Vec<u8>> + 'static,
{
    let path: PathBuf = dir.path(name);
    make_fifo(&path);
    let halfway = Arc::new(AtomicBool::new(false));
    let (answer, answered) = mpsc::channel::<()>();
    let writer = std::thread::spawn({
        let (path, halfway) = (path.clone(), halfway.clone());
        move || {
            let data = pattern();
            // Opening the write end waits for the reader's open (on the pool).
            let mut fifo = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            fifo.write_all(&data[..SIZE / 2]).unwrap();
            halfway.store(true, Ordering::SeqCst);
            let answered = answered.recv_timeout(TEST_TIMEOUT).is_ok();
            fifo.write_all(&data[SIZE / 2..]).unwrap();
            answered
        }
    });
    let bytes = real_loop().block_on(async move {
        let reader = tulip::spawn(async move {
            let file = File::open(&path).await.unwrap();
            read(file).await
        });
        // Runs only while the loop does: answers the writer once it has written half.
        let answerer = tulip::spawn(async move {
            while !halfway.load(Ordering::SeqCst) {
                tulip::time::sleep(Duration::from_millis(1)).await;
            }
            let _ = answer.send(());
        });
        let bytes = reader.await;
        answerer.await;
        bytes
    });
    let answered = writer.join().unwrap();
    Seen { bytes, answered }
}

impl Seen {
    #[track_caller]
    fn assert_responsive(&self, what: &str) {
        assert!(
            self.answered,
            "{what}: the loop did not run while the read waited for the second half"
        );
        assert_eq!(self.bytes.len(), SIZE, "{what}: bytes read");
        assert!(self.bytes == pattern(), "{what}: the bytes differ");
    }
}

/// `File::read_to_end` (one call for the whole file) leaves the loop free while it waits.
#[test]
fn the_loop_runs_while_read_to_end_waits() {
    let dir = TempDir::new();
    read_fifo_while_the_loop_answers(&dir, "read_to_end", |mut f| async move {
        let mut all = Vec::new();
        f.read_to_end(&mut all).await.unwrap();
        all
    })
    .assert_responsive("read_to_end");
}

/// A `File::read` loop (64 KiB at a time) leaves the loop free while each read waits.
#[test]
fn the_loop_runs_while_a_read_loop_waits() {
    let dir = TempDir::new();
    read_fifo_while_the_loop_answers(&dir, "read_loop", |mut f| async move {
        let (mut got, mut buf) = (Vec::new(), vec![0; 64 * 1024]);
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => break got,
                k => got.extend_from_slice(&buf[..k]),
            }
        }
    })
    .assert_responsive("read loop");
}
