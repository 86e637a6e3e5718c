//! Shutdown loses nothing: a loop dropped during thread-local teardown still runs the done-callbacks of
//! the tasks it cancels, and a `call_soon_threadsafe` that reported success runs its callback.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use tulip::{Loop, TaskOutcome};

thread_local! {
    static KEPT: RefCell<Option<Loop>> = const { RefCell::new(None) };
}

/// asyncio's `loop.close()` after cancelling tasks runs their done-callbacks; a loop kept in a
/// thread-local and dropped when its thread exits must too, even once the runtime's own thread-locals
/// are gone.
#[test]
fn loop_dropped_in_thread_local_teardown_runs_done_callbacks() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Registered first, so destroyed after the runtime's thread-locals.
        KEPT.with(|k| *k.borrow_mut() = Some(Loop::new().unwrap()));
        let lp = KEPT.with(|k| k.borrow().clone().unwrap());
        lp.block_on(async move {
            for _ in 0..3 {
                let t = tulip::spawn(std::future::pending::<()>());
                let tx = tx.clone();
                t.add_done_callback(move |o| tx.send(o).unwrap());
                t.detach();
            }
            tulip::yield_now().await;
        });
        drop(lp);
    })
    .join()
    .unwrap();
    for _ in 0..3 {
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)),
            Ok(TaskOutcome::Cancelled)
        );
    }
}

/// `Handle::call_soon_threadsafe` returns `true` only for a callback that then runs, also while the
/// loop is closing on its own thread.
#[test]
fn call_soon_threadsafe_that_reports_success_runs_racing_shutdown() {
    for _ in 0..50 {
        let lp = Loop::new().unwrap();
        let handle = lp.handle();
        let accepted = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicBool::new(false));
        let sender = {
            let (accepted, ran, started) = (accepted.clone(), ran.clone(), started.clone());
            std::thread::spawn(move || loop {
                let r = ran.clone();
                if !handle.call_soon_threadsafe(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                }) {
                    break;
                }
                accepted.fetch_add(1, Ordering::SeqCst);
                started.store(true, Ordering::SeqCst);
                std::thread::yield_now();
            })
        };
        while !started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        lp.block_on(tulip::yield_now());
        lp.close();
        sender.join().unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            accepted.load(Ordering::SeqCst),
            "a callback reported as scheduled did not run"
        );
    }
}
