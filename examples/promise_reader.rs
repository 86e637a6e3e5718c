//! The callback-style chunked file reader: a `call_soon` chain reads a file chunk by chunk and resolves a
//! `Promise` (asyncio's `Future`) with the byte count; a task awaits it. Closing the file while the chain
//! runs ends the promise with an error instead of reading a closed file.
//!
//! asyncio equivalent:
//!
//! ```python
//! def read_file(loop, f, size=64 * 1024):
//!     fut = loop.create_future()
//!     total = 0
//!     def step():
//!         nonlocal total
//!         if fut.done():                      # cancelled by the caller: stop
//!             return
//!         if f.closed:                        # closed while reading
//!             fut.set_exception(ValueError("file closed while reading"))
//!             return
//!         chunk = f.read(size)
//!         if not chunk:
//!             fut.set_result(total)
//!             return
//!         total += len(chunk)
//!         loop.call_soon(step)
//!     loop.call_soon(step)
//!     return fut
//! ```
//!
//! Usage: `cargo run --example promise_reader -- [PATH]` (default: this crate's `Cargo.toml`). Prints
//! the size read, then the error a read closed half-way gets.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, Read};
use std::rc::Rc;

use tulip::{Loop, Promise};

/// The open file, `None` once closed (Python's `f.closed`).
type SharedFile = Rc<RefCell<Option<File>>>;

/// Starts the chain and returns the promise it resolves.
fn read_file(lp: &Loop, file: SharedFile, size: usize) -> Promise<usize> {
    let fut: Promise<usize> = lp.create_future();
    step(lp.clone(), file, size, fut.clone(), Rc::new(Cell::new(0)));
    fut
}

/// One link of the chain: schedules a read of one chunk, which schedules the next.
fn step(lp: Loop, file: SharedFile, size: usize, fut: Promise<usize>, total: Rc<Cell<usize>>) {
    let next = lp.clone();
    lp.call_soon(move || {
        if fut.is_done() {
            return; // cancelled by the caller: stop
        }
        let mut chunk = vec![0; size];
        let read = match file.borrow_mut().as_mut() {
            None => {
                let _ = fut.set_exception(io::Error::other("file closed while reading"));
                return;
            }
            Some(f) => f.read(&mut chunk),
        };
        match read {
            Err(e) => drop(fut.set_exception(e)),
            Ok(0) => drop(fut.set_result(total.get())),
            Ok(n) => {
                total.set(total.get() + n);
                step(next, file, size, fut, total);
            }
        }
    });
}

fn main() -> io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").to_string());
    let lp = Loop::new()?;

    let file: SharedFile = Rc::new(RefCell::new(Some(File::open(&path)?)));
    let total = lp.block_on(read_file(&lp, file, 64))?;
    println!("read {total} bytes from {path}");

    // The close-while-reading case: close the file after the first chunk.
    let file: SharedFile = Rc::new(RefCell::new(Some(File::open(&path)?)));
    let fut = read_file(&lp, file.clone(), 64);
    lp.call_soon(move || drop(file.borrow_mut().take()));
    match lp.block_on(fut) {
        Ok(n) => println!("read {n} bytes before the close took effect"),
        Err(e) => println!("closed while reading: {e}"),
    }
    Ok(())
}
