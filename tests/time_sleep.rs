//! `sleep` / `sleep_until`: never early, in deadline order, cancelled when dropped.

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Context;
use std::time::{Duration, Instant};

use support::{noop_waker, paused_loop, real_loop, Rng, Signal};
use tulip::time::{now, sleep, sleep_until, RESOLUTION};

/// asyncio, `asyncio.sleep(delay)`: "Block for delay seconds" — never less (paused clock: exact to the
/// tick).
#[test]
fn sleep_never_completes_early() {
    paused_loop().block_on(async {
        for ms in [1u64, 2, 7, 63, 64, 65, 999, 4_096, 70_000] {
            let d = Duration::from_millis(ms) + Duration::from_micros(ms % 7 * 100);
            let t0 = now();
            sleep(d).await;
            let took = now() - t0;
            assert!(took >= d, "sleep({d:?}) took {took:?}");
            assert!(took < d + RESOLUTION, "sleep({d:?}) took {took:?}");
        }
    });
}

/// asyncio, `asyncio.sleep`, on the real clock: at least the delay, in wall time too.
#[test]
fn real_clock_sleep_lasts_at_least_its_duration() {
    real_loop().block_on(async {
        let (wall, t0) = (Instant::now(), now());
        sleep(Duration::from_millis(3)).await;
        assert!(now() - t0 >= Duration::from_millis(3));
        assert!(wall.elapsed() >= Duration::from_millis(3));
    });
}

/// asyncio: sleeping tasks resume in the order of their deadlines, whatever order they started in.
#[test]
fn sleepers_wake_in_deadline_order() {
    let woke = Rc::new(RefCell::new(Vec::new()));
    let w = woke.clone();
    paused_loop().block_on(async move {
        let mut rng = Rng::new(42);
        let mut delays: Vec<u64> = (0..200).map(|i| i * 3 + rng.below(3)).collect();
        rng.shuffle(&mut delays);
        let t0 = now();
        let tasks: Vec<_> = delays
            .iter()
            .map(|&ms| {
                let w = w.clone();
                tulip::spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    w.borrow_mut().push((ms, now() - t0));
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
    let woke = woke.borrow();
    assert_eq!(woke.len(), 200);
    assert!(woke.windows(2).all(|w| w[0].0 <= w[1].0), "deadline order");
    assert!(woke.iter().all(|&(ms, at)| at >= Duration::from_millis(ms)));
}

/// asyncio has no `sleep_until`; tulip's completes at once for a deadline already past, and otherwise
/// at the deadline on the loop's clock.
#[test]
fn sleep_until_a_deadline() {
    paused_loop().block_on(async {
        let t0 = now();
        sleep_until(t0.checked_sub(Duration::from_millis(1)).unwrap_or(t0)).await;
        assert_eq!(now(), t0, "a past deadline does not move the paused clock");
        let s = sleep_until(t0 + Duration::from_secs(5));
        assert_eq!(s.deadline(), t0 + Duration::from_secs(5));
        assert!(!s.is_elapsed());
        s.await;
        assert_eq!(now() - t0, Duration::from_secs(5));
    });
}

/// tulip documents: "`sleep(0)` completes without yielding (use `tulip::yield_now()` to yield)"; asyncio's
/// `sleep(0)` yields.
#[test]
fn sleep_zero_is_ready_at_once() {
    paused_loop().block_on(async {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut s = pin!(sleep(Duration::ZERO));
        assert!(s.as_mut().poll(&mut cx).is_ready());
    });
}

/// `Sleep::reset` moves the deadline, like asyncio's `Timeout.reschedule`.
#[test]
fn reset_moves_the_deadline() {
    paused_loop().block_on(async {
        let t0 = now();
        let mut s = Box::pin(sleep(Duration::from_secs(60)));
        let waker = noop_waker();
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        s.as_mut().reset(t0 + Duration::from_secs(2));
        s.await;
        assert_eq!(now() - t0, Duration::from_secs(2));
    });
}

/// Cancel safety: "Dropping the future cancels the timer; nothing else is left behind." On a paused
/// clock a forgotten timer would make the idle loop jump to it; after the drop, the clock stays put
/// while the loop idles waiting for another thread.
#[test]
fn dropped_sleep_leaves_no_timer_behind() {
    let lp = paused_loop();
    let t0 = lp.time();
    let signal = Signal::new();
    let handle = lp.handle();
    let s = signal.clone();
    lp.block_on(async move {
        let mut hour = Box::pin(sleep(Duration::from_secs(3600)));
        let waker = noop_waker();
        assert!(hour
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(hour);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            handle.call_soon_threadsafe(move || s.notify());
        });
        signal.wait().await;
        tulip::spawn_blocking(move || t.join().unwrap()).await;
    });
    assert_eq!(
        lp.time(),
        t0,
        "the paused clock never jumped to the dropped timer"
    );
}

/// Timer futures need a running loop: polling one outside panics with a clear message.
#[test]
#[should_panic(expected = "outside a running tulip loop")]
fn sleep_outside_a_loop_panics() {
    let waker = noop_waker();
    let mut s = pin!(sleep(Duration::from_millis(1)));
    let _ = s.as_mut().poll(&mut Context::from_waker(&waker));
}

/// `tulip::time::now()` is the running loop's clock (asyncio `loop.time()`), and `Instant::now()`
/// outside a loop.
#[test]
fn now_reads_the_running_loop_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    let inside = lp.block_on(async {
        sleep(Duration::from_secs(10)).await;
        now()
    });
    assert_eq!(inside - t0, Duration::from_secs(10));
    assert_eq!(lp.time() - t0, Duration::from_secs(10));
    let before = Instant::now();
    assert!(now() >= before, "outside a loop, now() is Instant::now()");
}
