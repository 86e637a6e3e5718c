//! A loop's signal handlers doing awkward things while a signal is delivered: panicking, removing
//! themselves, replacing themselves. Signals are raised in-process; each test uses its own signal (the
//! tests of a file share one process), and only signals whose default action is harmless once the
//! handler is gone (SIGURG, SIGWINCH: ignored) are raised after a removal.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use rustix::process::{getpid, kill_process, Signal as RawSignal};
use tulip::signal::{self, SIGWINCH};
use tulip::{ExceptionKind, Loop};

/// Sends `signum` to this whole process, as `kill -SIG <pid>` from outside would.
fn kill_self(signum: i32) {
    let sig = RawSignal::from_named_raw(signum).expect("a named signal");
    kill_process(getpid(), sig).expect("kill(getpid())");
}

/// Raises `signum` and waits on a `Signal` stream of its own until the delivery has reached this
/// loop, then lets the (paused-clock) loop go idle: it then polls for I/O, which brings the delivery
/// to the handler's own listener, and runs the callback that schedules. The signal's bytes are in
/// both pipes before `kill` returns, so this needs no wall time.
async fn deliver(stream: &mut signal::Signal, signum: i32) {
    kill_self(signum);
    stream.recv().await.unwrap();
    tulip::time::sleep(Duration::from_secs(1)).await;
    tulip::time::sleep(Duration::from_secs(1)).await;
}

/// A loop on a paused clock: idle moments take no wall time.
fn paused_loop() -> Loop {
    Loop::builder().start_paused(true).build().unwrap()
}

/// ```python
/// def boom(): raise RuntimeError("boom in a signal handler")
/// loop.add_signal_handler(signal.SIGUSR1, boom)
/// os.kill(os.getpid(), signal.SIGUSR1)   # call_exception_handler({'message': 'Exception in callback
///                                        #   ...', 'exception': RuntimeError}); the loop goes on
/// os.kill(os.getpid(), signal.SIGUSR1)   # boom runs again: the handler is still registered
/// ```
#[test]
fn a_panicking_handler_is_reported_and_stays_registered() {
    let signum = RawSignal::USR1.as_raw();
    let lp = paused_loop();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let r = reports.clone();
    lp.set_exception_handler(move |ctx| {
        r.borrow_mut()
            .push((ctx.kind(), ctx.panic_message().map(str::to_owned)))
    });
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    lp.add_signal_handler(signum, move || {
        c.set(c.get() + 1);
        panic!("boom in a signal handler");
    })
    .unwrap();
    lp.block_on(async {
        let mut stream = signal::signal(signum).unwrap();
        deliver(&mut stream, signum).await;
        deliver(&mut stream, signum).await;
    });
    assert_eq!(calls.get(), 2);
    let reports = reports.borrow();
    assert_eq!(reports.len(), 2, "{reports:?}");
    for (kind, message) in reports.iter() {
        assert_eq!(*kind, ExceptionKind::CallbackPanic);
        assert_eq!(message.as_deref(), Some("boom in a signal handler"));
    }
    drop(reports);
    assert!(lp.remove_signal_handler(signum));
}

/// ```python
/// def once():
///     calls.append(1)
///     assert loop.remove_signal_handler(signal.SIGURG)    # inside its own delivery
/// loop.add_signal_handler(signal.SIGURG, once)
/// os.kill(os.getpid(), signal.SIGURG); ...; os.kill(os.getpid(), signal.SIGURG)
/// calls == [1]
/// ```
#[test]
fn a_handler_that_removes_itself_runs_once() {
    let signum = RawSignal::URG.as_raw();
    let lp = paused_loop();
    let calls = Rc::new(Cell::new(0));
    let removed = Rc::new(Cell::new(None));
    let (c, r, l) = (calls.clone(), removed.clone(), lp.clone());
    lp.add_signal_handler(signum, move || {
        c.set(c.get() + 1);
        r.set(Some(l.remove_signal_handler(signum)));
    })
    .unwrap();
    lp.block_on(async {
        let mut stream = signal::signal(signum).unwrap();
        deliver(&mut stream, signum).await;
        deliver(&mut stream, signum).await;
    });
    assert_eq!(calls.get(), 1);
    assert_eq!(removed.get(), Some(true));
    assert!(!lp.remove_signal_handler(signum));
}

/// A handler that, on its delivery, installs another handler for the same signal: the next delivery
/// runs the new one only (asyncio: `add_signal_handler` replaces the handle for that signal).
#[test]
fn a_handler_that_replaces_itself_hands_over_to_the_new_one() {
    let signum = SIGWINCH;
    let lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (lg, l) = (log.clone(), lp.clone());
    lp.add_signal_handler(signum, move || {
        lg.borrow_mut().push("first");
        let lg = lg.clone();
        l.add_signal_handler(signum, move || lg.borrow_mut().push("second"))
            .unwrap();
    })
    .unwrap();
    lp.block_on(async {
        let mut stream = signal::signal(signum).unwrap();
        deliver(&mut stream, signum).await;
        deliver(&mut stream, signum).await;
        deliver(&mut stream, signum).await;
    });
    assert_eq!(*log.borrow(), ["first", "second", "second"]);
    assert!(lp.remove_signal_handler(signum));
}
