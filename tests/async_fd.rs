//! `Async<T>` over descriptors that are not sockets (a pipe, an eventfd) and the loop's
//! `add_reader` / `add_writer` callbacks.

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

use tulip::Async;

fn pipe() -> (std::fs::File, std::fs::File) {
    let (r, w) = rustix::pipe::pipe().expect("pipe");
    (std::fs::File::from(r), std::fs::File::from(w))
}

/// ```python
/// r, w = os.pipe()
/// loop.add_reader(r, on_readable)   # or: await loop.connect_read_pipe(...)
/// ```
/// A pipe wrapped in `Async`: the reader parks until the writer writes, from another task.
#[test]
fn pipe_read_waits_for_a_write_from_another_task() {
    tulip::run(async {
        let (r, w) = pipe();
        let r = Async::new(r).unwrap();
        let w = Async::new(w).unwrap();
        let writer = tulip::spawn(async move {
            tulip::time::sleep(Duration::from_millis(5)).await;
            w.write_with(|mut f| f.write(b"through the pipe"))
                .await
                .unwrap();
        });
        let mut buf = [0u8; 64];
        let n = r.read_with(|mut f| f.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"through the pipe");
        writer.await;
    });
}

/// A closed write end reads as EOF (0 bytes), never `WouldBlock` forever.
#[test]
fn pipe_eof_after_the_writer_closes() {
    tulip::run(async {
        let (r, w) = pipe();
        let r = Async::new(r).unwrap();
        drop(w);
        let mut buf = [0u8; 8];
        assert_eq!(r.read_with(|mut f| f.read(&mut buf)).await.unwrap(), 0);
    });
}

/// An eventfd: another thread's write wakes a task parked on `readable()`; the counter reads back.
#[test]
fn eventfd_wakes_a_task_from_another_thread() {
    tulip::run(async {
        let efd: OwnedFd = rustix::event::eventfd(0, rustix::event::EventfdFlags::empty()).unwrap();
        let ev = Async::new(std::fs::File::from(efd)).unwrap();
        let raw = ev.get_ref().try_clone().unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            (&raw).write_all(&7u64.to_ne_bytes()).unwrap();
        });
        let mut buf = [0u8; 8];
        let n = ev.read_with(|mut f| f.read(&mut buf)).await.unwrap();
        assert_eq!(n, 8);
        assert_eq!(u64::from_ne_bytes(buf), 7);
        t.join().unwrap();
    });
}

/// `readable()` resolves once data is there, without consuming it.
#[test]
fn readable_does_not_consume() {
    tulip::run(async {
        let (r, mut w) = pipe();
        let r = Async::new(r).unwrap();
        w.write_all(b"x").unwrap();
        r.readable().await.unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(r.read_with(|mut f| f.read(&mut buf)).await.unwrap(), 1);
    });
}

/// ```python
/// loop.add_reader(fd, cb)   # level-triggered: cb runs while data stays unread
/// loop.remove_reader(fd)
/// ```
/// The callback runs on the loop each time the descriptor is readable, and again while data stays
/// unread (level-triggered); after `remove_reader` it never runs again.
#[test]
fn add_reader_is_level_triggered_and_removable() {
    let lp = tulip::Loop::new().unwrap();
    let (r, mut w) = pipe();
    rustix::io::ioctl_fionbio(&r, true).unwrap();
    w.write_all(b"abc").unwrap();
    let hits = Rc::new(Cell::new(0u32));
    let (h, l2, r2) = (hits.clone(), lp.clone(), r.try_clone().unwrap());
    lp.add_reader(&r, move || {
        h.set(h.get() + 1);
        // Read one byte per call: the descriptor stays readable until the third call.
        let mut b = [0u8; 1];
        let _ = (&r2).read(&mut b);
        if h.get() == 3 {
            l2.stop();
        }
    })
    .unwrap();
    lp.run_forever();
    assert_eq!(hits.get(), 3);
    assert!(lp.remove_reader(r.as_raw_fd()));
    assert!(!lp.remove_reader(r.as_raw_fd()));
    w.write_all(b"more").unwrap();
    lp.block_on(tulip::time::sleep(Duration::from_millis(20)));
    assert_eq!(hits.get(), 3, "no call after remove_reader");
}

/// ```python
/// loop.add_writer(fd, cb)
/// ```
/// A writable pipe calls its writer callback; closing the caller's descriptor before removing the
/// watch is harmless (the loop watches its own duplicate).
#[test]
fn add_writer_fires_and_survives_the_callers_close() {
    let lp = tulip::Loop::new().unwrap();
    let (_r, w) = pipe();
    let raw = w.as_raw_fd();
    let l2 = lp.clone();
    lp.add_writer(&w, move || l2.stop()).unwrap();
    drop(w);
    lp.run_forever();
    assert!(lp.remove_writer(raw));
}

/// A panicking reader callback is reported to the exception handler; the watch stays.
#[test]
fn add_reader_callback_panic_is_reported() {
    let lp = tulip::Loop::new().unwrap();
    let seen = Rc::new(Cell::new(0u32));
    let s = seen.clone();
    lp.set_exception_handler(move |_| s.set(s.get() + 1));
    let (r, mut w) = pipe();
    w.write_all(b"x").unwrap();
    let calls = Rc::new(Cell::new(0u32));
    let (c, l2) = (calls.clone(), lp.clone());
    lp.add_reader(&r, move || {
        c.set(c.get() + 1);
        if c.get() == 2 {
            l2.stop();
        }
        panic!("reader callback");
    })
    .unwrap();
    lp.run_forever();
    assert_eq!(calls.get(), 2, "the watch survives the first panic");
    assert!(seen.get() >= 1);
    lp.remove_reader(r.as_raw_fd());
}
