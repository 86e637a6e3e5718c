//! `add_reader` / `add_writer` with descriptors the poller cannot watch. asyncio: `loop.add_reader(f,
//! cb)` on a regular file raises `PermissionError` (epoll's `EPERM`) at once; tulip returns that error
//! from `add_reader` / `add_writer`, never a panic, and the loop goes on. On a closed loop both are
//! refused.

mod support;

use support::paused_loop;

#[test]
fn add_reader_or_writer_on_a_regular_file_or_directory_is_eperm() {
    let lp = paused_loop();
    let file = std::fs::File::open("/proc/self/exe").unwrap();
    let dir = std::fs::File::open("/").unwrap();
    for fd in [&file, &dir] {
        let e = lp.add_reader(fd, || {}).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(1), "EPERM expected: {e}");
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        let e = lp.add_writer(fd, || {}).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(1), "EPERM expected: {e}");
    }
    // Nothing was registered, and the loop goes on.
    use std::os::fd::AsRawFd;
    assert!(!lp.remove_reader(file.as_raw_fd()));
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
