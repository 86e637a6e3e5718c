//! Signals delivered to running loops: `Signal` streams, `ctrl_c`, `shutdown_signal` and the loop's
//! `add_signal_handler` / `remove_signal_handler`, raised in-process with `kill(getpid(), sig)`.
//!
//! The tests of this file run on parallel threads of one process, and a signal reaches the whole process,
//! so each test uses its own signal.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::thread;

use futures_lite::StreamExt;
use rustix::process::{getpid, kill_process, Signal as RawSignal};
use tulip::signal::{self, Signal, SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
use tulip::Loop;

/// Sends `signum` to this whole process, as `kill -SIG <pid>` from outside would.
fn kill_self(signum: i32) {
    let sig = RawSignal::from_named_raw(signum).expect("a named signal");
    kill_process(getpid(), sig).expect("kill(getpid())");
}

/// asyncio:
///
/// ```python
/// got = asyncio.Event()
/// loop.add_signal_handler(signal.SIGUSR1, got.set)
/// os.kill(os.getpid(), signal.SIGUSR1)
/// await got.wait()
/// ```
///
/// Here as a stream: `recv()` and `futures_core::Stream::next()` each see a delivery.
#[test]
fn signal_stream_receives_deliveries() {
    tulip::run(async {
        let mut sig = signal::signal(SIGUSR1).unwrap();
        assert_eq!(sig.signum(), SIGUSR1);
        kill_self(SIGUSR1);
        sig.recv().await.unwrap();
        kill_self(SIGUSR1);
        let item = sig.next().await.expect("a Signal stream never ends");
        item.unwrap();
    });
}

/// asyncio:
///
/// ```python
/// loop.add_signal_handler(signal.SIGUSR2, callback)   # callback runs on the loop, via call_soon
/// os.kill(os.getpid(), signal.SIGUSR2)
/// loop.run_forever()                                    # callback calls loop.stop()
/// assert loop.remove_signal_handler(signal.SIGUSR2)
/// assert not loop.remove_signal_handler(signal.SIGUSR2)
/// ```
#[test]
fn add_signal_handler_runs_the_callback_on_the_loop() {
    let lp = Loop::new().unwrap();
    let calls = Rc::new(Cell::new(0));
    let loop_thread = thread::current().id();
    let (l2, c2) = (lp.clone(), calls.clone());
    lp.add_signal_handler(SIGUSR2, move || {
        assert_eq!(thread::current().id(), loop_thread);
        c2.set(c2.get() + 1);
        l2.stop();
    })
    .unwrap();
    kill_self(SIGUSR2); // before the loop runs: the delivery waits in the pipe
    lp.run_forever();
    assert!(calls.get() >= 1);
    assert!(lp.remove_signal_handler(SIGUSR2));
    assert!(!lp.remove_signal_handler(SIGUSR2));
}

/// asyncio: a second `add_signal_handler` for the same signal replaces the first.
///
/// ```python
/// loop.add_signal_handler(signal.SIGWINCH, first)
/// loop.add_signal_handler(signal.SIGWINCH, second)  # first is no longer called
/// ```
#[test]
fn add_signal_handler_replaces_the_previous_handler() {
    let lp = Loop::new().unwrap();
    let first = Rc::new(Cell::new(0));
    let second = Rc::new(Cell::new(0));
    let f = first.clone();
    lp.add_signal_handler(SIGWINCH, move || f.set(f.get() + 1))
        .unwrap();
    let (s, l2) = (second.clone(), lp.clone());
    lp.add_signal_handler(SIGWINCH, move || {
        s.set(s.get() + 1);
        l2.stop();
    })
    .unwrap();
    kill_self(SIGWINCH);
    lp.run_forever();
    lp.block_on(async {
        for _ in 0..3 {
            tulip::yield_now().await;
        }
    });
    assert_eq!(first.get(), 0);
    assert!(second.get() >= 1);
    assert!(lp.remove_signal_handler(SIGWINCH));
}

/// asyncio: "Raise ValueError if the signal number is invalid or uncatchable."
///
/// ```python
/// with pytest.raises((ValueError, RuntimeError)):
///     loop.add_signal_handler(signal.SIGKILL, callback)
/// ```
#[test]
fn uncatchable_signals_are_refused() {
    let lp = Loop::new().unwrap();
    for signum in [RawSignal::KILL.as_raw(), RawSignal::STOP.as_raw(), 0, -3] {
        let err = lp.add_signal_handler(signum, || {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
        assert!(Signal::new(signum).is_err());
    }
    assert!(!lp.remove_signal_handler(RawSignal::KILL.as_raw()));
}

/// asyncio: one loop per thread, each with its own handler; a process-wide signal reaches all of them.
///
/// ```python
/// def worker(ready):
///     loop = asyncio.new_event_loop()
///     loop.add_signal_handler(signal.SIGHUP, loop.stop)   # asyncio allows this in the main thread only
///     ready.wait()
///     loop.run_forever()
/// ```
///
/// Each thread also holds a `Signal` stream, which must see the same delivery.
#[test]
fn two_loops_on_two_threads_both_receive_the_signal() {
    let ready = Arc::new(Barrier::new(3));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let ready = ready.clone();
            thread::spawn(move || {
                let lp = Loop::new().unwrap();
                let fired = Rc::new(Cell::new(false));
                let (f, l2) = (fired.clone(), lp.clone());
                lp.add_signal_handler(SIGHUP, move || {
                    f.set(true);
                    l2.stop();
                })
                .unwrap();
                let mut stream = signal::signal(SIGHUP).unwrap();
                ready.wait();
                lp.run_forever();
                lp.block_on(stream.recv()).unwrap();
                assert!(lp.remove_signal_handler(SIGHUP));
                fired.get()
            })
        })
        .collect();
    ready.wait();
    kill_self(SIGHUP);
    for w in workers {
        assert!(w.join().unwrap(), "a loop missed the signal");
    }
}

/// asyncio: Ctrl-C while `asyncio.run(main())` runs, then the graceful-shutdown pattern.
///
/// ```python
/// try:
///     asyncio.run(main())
/// except KeyboardInterrupt:
///     ...
///
/// stop = asyncio.Event()
/// for s in (signal.SIGINT, signal.SIGTERM):
///     loop.add_signal_handler(s, stop.set)
/// await stop.wait()
/// ```
///
/// One test for both, as `shutdown_signal` also listens for `SIGINT`.
#[test]
fn ctrl_c_and_shutdown_signal() {
    tulip::run(async {
        let interrupted = signal::ctrl_c(); // listening from here on
        kill_self(SIGINT);
        interrupted.await.unwrap();

        let stop = signal::shutdown_signal();
        kill_self(SIGTERM);
        assert_eq!(stop.await.unwrap(), SIGTERM);
    });
}

/// asyncio: `loop.add_signal_handler` on a closed loop raises `RuntimeError("Event loop is closed")`.
#[test]
fn add_signal_handler_on_a_closed_loop_fails() {
    let lp = Loop::new().unwrap();
    lp.close();
    assert!(lp.add_signal_handler(SIGUSR1, || {}).is_err());
    assert!(!lp.remove_signal_handler(SIGUSR1));
}
