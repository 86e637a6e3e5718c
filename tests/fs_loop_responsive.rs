//! The loop keeps ticking while a 256 MiB file is read through `tulip::fs`: a behaviour check (the
//! reads happen on the blocking pool), not a speed test.

mod support;

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use support::net::TempDir;
use support::real_loop;
use tulip::fs::File;
use tulip::time::interval;

const SIZE: usize = 256 << 20;
/// Generous: a loop that read on its own thread would stall for the whole read instead.
const BOUND: Duration = Duration::from_millis(250);

fn write_big_file(path: &Path) {
    let block: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..SIZE / block.len() {
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
}

/// What [`read_while_ticking`] saw.
#[derive(Debug)]
struct Seen {
    bytes: u64,
    /// How long the read took.
    took: Duration,
    /// The longest gap between two ticks of the 1 ms interval.
    worst: Duration,
    ticks: u64,
}

impl Seen {
    /// The loop kept ticking: no gap near the bound, and (so that a read done on the loop thread,
    /// which on a fast machine may take less than the bound, still fails) no single stall as long as
    /// half the read.
    #[track_caller]
    fn assert_responsive(&self, what: &str) {
        eprintln!("{what}: {self:?}");
        assert_eq!(self.bytes, SIZE as u64, "{what}: bytes read");
        assert!(self.ticks > 0, "{what}: the ticker ticked");
        assert!(self.worst < BOUND, "{what}: {self:?}");
        assert!(
            self.worst < self.took / 2,
            "{what}: one stall of half the read: {self:?}"
        );
    }
}

/// Reads the file with `read` while a 1 ms interval ticks.
fn read_while_ticking<F, Fut>(path: &Path, read: F) -> Seen
where
    F: FnOnce(File) -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    real_loop().block_on(async {
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let ticks = Rc::new(Cell::new(0u64));
        let done = Rc::new(Cell::new(false));
        let ticker = tulip::spawn({
            let (worst, ticks, done) = (worst.clone(), ticks.clone(), done.clone());
            async move {
                let mut every = interval(Duration::from_millis(1));
                every.tick().await;
                let mut last = Instant::now();
                while !done.get() {
                    every.tick().await;
                    let now = Instant::now();
                    worst.set(worst.get().max(now - last));
                    ticks.set(ticks.get() + 1);
                    last = now;
                }
            }
        });
        tulip::yield_now().await; // the ticker is running before the read starts
        let file = File::open(path).await.unwrap();
        let start = Instant::now();
        let bytes = read(file).await;
        let took = start.elapsed();
        done.set(true);
        ticker.await;
        Seen {
            bytes,
            took,
            worst: worst.get(),
            ticks: ticks.get(),
        }
    })
}

/// asyncio's chunked reader recipe keeps the loop free because each `f.read(65536)` runs in the
/// executor; `File::read_to_end` and a `File::read` loop do the same, so a 1 ms timer never waits
/// anywhere near 250 ms.
#[test]
fn timer_keeps_firing_during_a_256_mib_read() {
    let dir = TempDir::new();
    let path = dir.path("big");
    write_big_file(&path);

    read_while_ticking(&path, |mut f| async move {
        let mut all = Vec::new();
        let n = f.read_to_end(&mut all).await.unwrap() as u64;
        // Freeing 256 MiB takes milliseconds too: on the pool.
        tulip::spawn_blocking(move || drop(all)).await;
        n
    })
    .assert_responsive("read_to_end");

    read_while_ticking(&path, |mut f| async move {
        let mut buf = vec![0; 64 * 1024];
        let mut n = 0;
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => break n,
                k => n += k as u64,
            }
        }
    })
    .assert_responsive("read loop");
}
