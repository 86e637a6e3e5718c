//! Reads a large file while a ticker task ticks every 10 ms, and reports how late the ticker got: the
//! loop stays responsive because `tulip::fs` reads on the blocking pool, chunk by chunk.
//!
//! asyncio equivalent (the chunked reader recipe, plus the ticker):
//!
//! ```python
//! async def ticker(worst):
//!     loop = asyncio.get_running_loop()
//!     due = loop.time()
//!     while True:
//!         await asyncio.sleep(max(0, due - loop.time()))
//!         worst[0] = max(worst[0], loop.time() - due)
//!         due += 0.010
//!
//! async def main(path):
//!     loop = asyncio.get_running_loop()
//!     worst = [0.0]
//!     t = asyncio.create_task(ticker(worst))
//!     with open(path, "rb") as f:
//!         while chunk := await loop.run_in_executor(None, f.read, 65536):
//!             ...
//!     t.cancel()
//! ```
//!
//! Usage: `cargo run --release --example file_reader -- [--create SIZE_MIB] [--blocking] [--stream]
//! [--chunk KIB] PATH`
//!
//! - `--create SIZE_MIB` first writes a file of that size, filled with pseudo-random bytes.
//! - default: `File::read_to_end` (the file streams through the pool, several chunks per job).
//! - `--stream`: a loop of `File::read` into a 64 KiB buffer (one chunk per job, read ahead).
//! - `--blocking`: the naive `std::fs::read` on the loop thread, for contrast: the ticker stalls.
//! - `--chunk KIB`: the file's chunk size (default 64).
//!
//! It also times a plain `std::fs::read` of the same file outside the loop, for comparison. The file
//! is left in place (the page cache then holds it: these are cached-read figures).

use std::cell::Cell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tulip::fs::File;
use tulip::time::interval;

const TICK: Duration = Duration::from_millis(10);
const MIB: f64 = 1024.0 * 1024.0;

#[derive(Debug, Default)]
struct Args {
    path: PathBuf,
    create_mib: Option<u64>,
    blocking: bool,
    stream: bool,
    chunk_kib: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut path = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--create" => {
                let v = it.next().ok_or("--create needs a size in MiB")?;
                args.create_mib = Some(v.parse().map_err(|_| format!("bad size {v:?}"))?);
            }
            "--chunk" => {
                let v = it.next().ok_or("--chunk needs a size in KiB")?;
                let kib: usize = v.parse().map_err(|_| format!("bad chunk size {v:?}"))?;
                if kib == 0 {
                    return Err("--chunk must be at least 1".into());
                }
                args.chunk_kib = Some(kib);
            }
            "--blocking" => args.blocking = true,
            "--stream" => args.stream = true,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            p => path = Some(PathBuf::from(p)),
        }
    }
    args.path = path.ok_or("missing PATH")?;
    Ok(args)
}

/// Writes `mib` MiB of xorshift64* output to `path`.
fn create(path: &Path, mib: u64) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for word in block.chunks_exact_mut(8) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            word.copy_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        out.write_all(&block)?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

fn mib_per_s(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / MIB / took.as_secs_f64()
}

/// What the reader task reports.
struct Outcome {
    bytes: u64,
    took: Duration,
}

async fn read_tulip(args: &Args) -> io::Result<Outcome> {
    let mut f = File::open(&args.path).await?;
    if let Some(kib) = args.chunk_kib {
        f.set_chunk_size(kib * 1024)?;
    }
    let start = Instant::now();
    let bytes = if args.stream {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            match f.read(&mut buf).await? {
                0 => break total,
                n => total += n as u64,
            }
        }
    } else {
        let mut all = Vec::new();
        let n = f.read_to_end(&mut all).await? as u64;
        // Freeing 256 MiB (munmap of every page) takes ~20 ms: that too belongs on the pool.
        tulip::spawn_blocking(move || drop(all)).await;
        n
    };
    let took = start.elapsed();
    f.close().await?;
    Ok(Outcome { bytes, took })
}

fn read_blocking(args: &Args) -> io::Result<Outcome> {
    let start = Instant::now();
    // The naive way: a blocking read on the loop thread. Nothing else runs until it returns.
    let data = std::fs::read(&args.path)?;
    Ok(Outcome {
        bytes: data.len() as u64,
        took: start.elapsed(),
    })
}

fn run(args: &Args) -> io::Result<()> {
    if let Some(mib) = args.create_mib {
        let t = Instant::now();
        create(&args.path, mib)?;
        println!(
            "created {} ({mib} MiB) in {:.2?}",
            args.path.display(),
            t.elapsed()
        );
    }

    // The reference: a plain std::fs::read, outside any loop (twice; the second is the warm figure).
    let mut std_rate = 0.0;
    for _ in 0..2 {
        let t = Instant::now();
        let n = std::fs::read(&args.path)?.len() as u64;
        std_rate = mib_per_s(n, t.elapsed());
    }

    let (outcome, ticks, worst) = tulip::run(async {
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let ticks = Rc::new(Cell::new(0u64));
        let stop = Rc::new(Cell::new(false));
        let ticker = tulip::spawn({
            let (worst, ticks, stop) = (worst.clone(), ticks.clone(), stop.clone());
            async move {
                let mut every = interval(TICK);
                while !stop.get() {
                    let due = every.tick().await;
                    let late = Instant::now().saturating_duration_since(due);
                    worst.set(worst.get().max(late));
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        // Let the ticker start before the read does.
        tulip::time::sleep(TICK).await;
        let outcome = if args.blocking {
            read_blocking(args)
        } else {
            read_tulip(args).await
        };
        // One more tick after the read, so a stall at its very end is measured too.
        tulip::time::sleep(TICK * 2).await;
        stop.set(true);
        ticker.await;
        (outcome, ticks.get(), worst.get())
    });
    let outcome = outcome?;

    let mode = match (args.blocking, args.stream) {
        (true, _) => "std::fs::read on the loop thread (--blocking)",
        (false, true) => "tulip File::read loop (--stream)",
        (false, false) => "tulip File::read_to_end",
    };
    println!("mode:                 {mode}");
    println!("bytes read:           {}", outcome.bytes);
    println!(
        "read throughput:      {:.0} MiB/s ({:.2?})",
        mib_per_s(outcome.bytes, outcome.took),
        outcome.took
    );
    println!("std::fs::read:        {std_rate:.0} MiB/s (plain, outside the loop)");
    println!("ticker:               {ticks} ticks of {TICK:?}, worst lateness {worst:.2?}");
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("file_reader: {e}");
            eprintln!(
                "usage: file_reader [--create SIZE_MIB] [--blocking] [--stream] [--chunk KIB] PATH"
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("file_reader: {}: {e}", args.path.display());
            ExitCode::FAILURE
        }
    }
}
