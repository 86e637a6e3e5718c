//! Every API taking a `Duration` or an `Instant` accepts any value: a deadline too far to represent is
//! "never", not an overflow panic.
//!
//! asyncio takes float seconds, where `loop.call_later(float("inf"), cb)` simply never runs `cb`; tulip's
//! `Duration::MAX` and far-future `Instant`s mean the same.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, real_loop};
use tulip::time::{interval, interval_at, now, sleep, sleep_until, timeout, timeout_at};

const HOUR: Duration = Duration::from_secs(3600);
/// About 3 000 years: an `Instant` can hold it, the wheel far from its end.
const MILLENNIA: Duration = Duration::from_secs(86_400 * 365 * 3000);

/// `call_later(Duration::MAX, f)` schedules "never": no panic, the callback never runs, however far a
/// paused clock moves, and the handle cancels as usual.
#[test]
fn call_later_duration_max_never_runs() {
    let lp = paused_loop();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let never = lp.call_later(Duration::MAX, move || r.set(true));
    assert!(never.when() > lp.time() + MILLENNIA);
    let r = ran.clone();
    let also_never = tulip::Loop::call_at(&lp, never.when(), move || r.set(true));
    lp.block_on(async {
        let h = tulip::call_later(Duration::MAX, || unreachable!());
        sleep(MILLENNIA).await;
        h.cancel();
    });
    lp.clock().advance(Duration::MAX);
    lp.block_on(tulip::yield_now());
    assert!(!ran.get());
    never.cancel();
    also_never.cancel();
    assert!(never.cancelled());
}

/// An idle paused loop whose only timer is "never" does not jump to it: the main future's own wake-up
/// (from another thread) ends the wait.
#[test]
fn paused_loop_does_not_jump_to_never() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.call_later(Duration::MAX, || unreachable!());
    let got = lp.block_on(async {
        let forever = sleep(Duration::MAX);
        let work = tulip::spawn_blocking(|| 5);
        match futures_select(forever, work).await {
            Either::Left(()) => unreachable!("a never-sleep completed"),
            Either::Right(v) => v,
        }
    });
    assert_eq!(got, 5);
    assert!(lp.time() - t0 < HOUR);
}

/// `sleep`, `sleep_until`, `timeout`, `timeout_at` and `wait_for` take `Duration::MAX` and far instants
/// without panicking; a finished future wins over a "never" deadline, and a far but representable
/// deadline is reached by the paused clock exactly.
#[test]
fn sleep_and_timeout_accept_any_value() {
    paused_loop().block_on(async {
        assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
        assert_eq!(tulip::wait_for(async { 2 }, Duration::MAX).await, Ok(2));
        let far = now() + MILLENNIA;
        assert_eq!(timeout_at(far, async { 3 }).await, Ok(3));
        let t0 = now();
        sleep(MILLENNIA).await;
        assert_eq!(now() - t0, MILLENNIA);
        sleep_until(far + MILLENNIA).await;
        assert_eq!(now(), far + MILLENNIA);
        // Zero and past deadlines complete at once.
        sleep(Duration::ZERO).await;
        sleep_until(t0).await;
        let mut t = std::pin::pin!(timeout(Duration::MAX, std::future::pending::<()>()));
        t.as_mut().reschedule(now() + HOUR);
        assert!(t.await.is_err());
    });
}

/// `interval` and `interval_at` take any period and start: `Duration::MAX` ticks once then never, zero
/// ticks every `RESOLUTION`; the missed-tick arithmetic never overflows.
#[test]
fn interval_accepts_any_period() {
    paused_loop().block_on(async {
        let mut never_again = interval(Duration::MAX);
        never_again.tick().await;
        let t0 = now();
        let second = tulip::time::timeout(HOUR, never_again.tick()).await;
        assert!(second.is_err());
        assert_eq!(now() - t0, HOUR);

        let mut fast = interval(Duration::ZERO);
        assert_eq!(fast.period(), tulip::time::RESOLUTION);
        let a = fast.tick().await;
        let b = fast.tick().await;
        assert_eq!(b - a, tulip::time::RESOLUTION);

        for behavior in [
            tulip::time::MissedTickBehavior::Burst,
            tulip::time::MissedTickBehavior::Delay,
            tulip::time::MissedTickBehavior::Skip,
        ] {
            let mut late = interval_at(now(), Duration::MAX / 2);
            late.set_missed_tick_behavior(behavior);
            late.tick().await;
            tulip::get_running_loop().clock().advance(MILLENNIA);
            let r = tulip::time::timeout(HOUR, late.tick()).await;
            assert!(r.is_err(), "{behavior:?}");
            late.reset();
        }
    });
}

/// The clock and the loop's settings take any value too: `Clock::advance(Duration::MAX)` moves the clock
/// as far as it goes; `slow_callback_duration` takes `Duration::MAX` and zero.
#[test]
fn clock_and_settings_accept_any_value() {
    let lp = paused_loop();
    let t0 = lp.time();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    lp.call_later(MILLENNIA * 1000, move || f.set(true));
    lp.clock().advance(MILLENNIA * 1000);
    lp.block_on(sleep(Duration::from_millis(1)));
    assert!(fired.get(), "three million years is not never");
    lp.clock().advance(Duration::MAX);
    assert!(lp.time() > t0 + MILLENNIA * 1000);
    lp.clock().advance(Duration::MAX);
    lp.clock().advance_to(t0);
    assert!(lp.time() > t0 + MILLENNIA * 1000);

    let lp = tulip::Loop::builder()
        .debug(true)
        .slow_callback_duration(Duration::MAX)
        .build()
        .unwrap();
    lp.block_on(async {});
    lp.set_slow_callback_duration(Duration::ZERO);
    lp.block_on(async {});
    assert_eq!(lp.slow_callback_duration(), Duration::ZERO);

    // A real clock: a never timer does not make the loop wait forever for it, nor fire.
    let lp = real_loop();
    lp.call_later(Duration::MAX, || unreachable!());
    lp.block_on(sleep(Duration::from_millis(1)));
}

enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures; the first ready wins.
async fn futures_select<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Either::Left(v));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}
