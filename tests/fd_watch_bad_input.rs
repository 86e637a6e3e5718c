//! `add_reader` / `add_writer` with descriptors the poller cannot watch. asyncio: `loop.add_reader(f,
//! cb)` on a regular file raises `PermissionError` (epoll's `EPERM`) at once. tulip returns the error
//! from `add_reader` (or, where it watches lazily, reports it and does not call the callback forever);
//! never a panic, and the loop goes on. On a closed loop both are refused.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::{paused_loop, record_exceptions, yield_many};

#[test]
fn add_reader_on_a_regular_file_is_an_error_or_reported() {
    let lp = paused_loop();
    let reports = record_exceptions(&lp);
    let file = std::fs::File::open("/proc/self/exe").unwrap();
    let calls = Rc::new(Cell::new(0u32));
    let c = calls.clone();
    let added = lp.add_reader(&file, move || c.set(c.get() + 1));
    lp.block_on(yield_many(5));
    match added {
        Err(e) => assert_eq!(e.raw_os_error(), Some(1), "EPERM expected: {e}"),
        Ok(()) => {
            // Accepted: then the failure must be visible, not a silent never-called callback.
            assert!(
                calls.get() > 0 || !reports.borrow().is_empty(),
                "add_reader on a regular file was accepted, never called and never reported"
            );
        }
    }
    use std::os::fd::AsRawFd;
    lp.remove_reader(file.as_raw_fd());
    assert_eq!(lp.block_on(async { 1 }), 1);
}

/// asyncio: `add_reader` / `add_writer` on a closed loop raise `RuntimeError('Event loop is closed')`.
/// tulip accepted them (`Ok`) and the callback never ran.
#[test]
fn add_writer_on_a_closed_loop_is_an_error() {
    let lp = paused_loop();
    lp.close();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    assert!(lp.add_writer(&a, || {}).is_err());
    assert!(lp.add_reader(&a, || {}).is_err());
}
