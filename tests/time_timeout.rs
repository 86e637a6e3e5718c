//! `timeout` / `timeout_at`: `Elapsed` on the loop's clock, the inner future dropped, ready futures win.

mod support;

use std::future::Future;
use std::pin::pin;
use std::task::Context;
use std::time::Duration;

use support::{noop_waker, paused_loop, yield_many, DropCount};
use tulip::time::{now, sleep, timeout, timeout_at, Elapsed, RESOLUTION};

/// asyncio, `asyncio.wait_for(aw, timeout)`: "If a timeout occurs, it cancels the task and raises
/// TimeoutError." On a paused clock an hour-long timeout elapses at once, exactly at its deadline, and
/// the inner future is dropped.
#[test]
fn timeout_elapses_on_the_paused_clock_and_drops_the_future() {
    let drops = DropCount::new();
    let token = drops.token();
    let wall = std::time::Instant::now();
    paused_loop().block_on(async move {
        let t0 = now();
        let res = timeout(Duration::from_secs(3600), async move {
            let _guard = token;
            sleep(Duration::from_secs(7200)).await;
            "too late"
        })
        .await;
        assert_eq!(res, Err(Elapsed::new()));
        let took = now() - t0;
        assert!(took >= Duration::from_secs(3600) && took < Duration::from_secs(3600) + RESOLUTION);
    });
    assert_eq!(drops.get(), 1);
    // Generous bound: the point is that nobody waited an hour.
    assert!(wall.elapsed() < Duration::from_secs(60));
}

/// asyncio, `asyncio.wait_for`: "Wait for the aw awaitable to complete" — a future done before the
/// deadline gives its value, and the deadline then does not matter.
#[test]
fn future_finishing_first_wins() {
    paused_loop().block_on(async {
        let t0 = now();
        let v = timeout(Duration::from_secs(10), async {
            sleep(Duration::from_secs(3)).await;
            7
        })
        .await;
        assert_eq!(v, Ok(7));
        assert_eq!(now() - t0, Duration::from_secs(3));
    });
}

/// tulip: "The future is polled before the deadline is checked, so a future that is ready at once always
/// wins" — even with a zero or past deadline (asyncio's `wait_for(aw, 0)` checks the same way: done
/// futures return their result).
#[test]
fn ready_future_wins_even_with_zero_timeout() {
    paused_loop().block_on(async {
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
        let past = now().checked_sub(Duration::from_secs(1)).unwrap_or(now());
        assert_eq!(timeout_at(past, async { 2 }).await, Ok(2));
        assert_eq!(
            timeout(Duration::ZERO, std::future::pending::<()>()).await,
            Err(Elapsed::new())
        );
    });
}

/// asyncio, `asyncio.timeout_at(when)`: the deadline is an absolute time on the loop's clock.
#[test]
fn timeout_at_uses_the_loop_clock() {
    paused_loop().block_on(async {
        let deadline = now() + Duration::from_millis(250);
        let t = timeout_at(deadline, std::future::pending::<()>());
        assert_eq!(t.deadline(), deadline);
        assert!(t.await.is_err());
        assert_eq!(now(), deadline);
    });
}

/// asyncio, `Timeout.reschedule(when)`: "Reschedule the timeout." Moving the deadline later lets the
/// inner future finish.
#[test]
fn reschedule_moves_the_deadline() {
    paused_loop().block_on(async {
        let t0 = now();
        let mut t = pin!(timeout(Duration::from_millis(10), async {
            sleep(Duration::from_millis(50)).await;
            "finished"
        }));
        let waker = noop_waker();
        assert!(t
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        t.as_mut().reschedule(t0 + Duration::from_millis(100));
        assert_eq!(t.await, Ok("finished"));
        assert_eq!(now() - t0, Duration::from_millis(50));
    });
}

/// asyncio, `wait_for` on a task: "If a timeout occurs, it cancels the task". Wrapping a tulip `Task` in
/// a timeout drops the handle on expiry, which cancels the task.
#[test]
fn timeout_on_a_task_cancels_it() {
    let drops = DropCount::new();
    let token = drops.token();
    paused_loop().block_on(async move {
        let task = tulip::spawn(async move {
            let _guard = token;
            sleep(Duration::from_secs(60)).await;
        });
        assert!(timeout(Duration::from_secs(1), task).await.is_err());
        yield_many(3).await;
    });
    assert_eq!(drops.get(), 1);
}

/// asyncio raises `TimeoutError`; tulip's `Elapsed` converts to `io::ErrorKind::TimedOut`.
#[test]
fn elapsed_error() {
    let e = Elapsed::new();
    assert_eq!(e.to_string(), "deadline has elapsed");
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

/// `into_inner` gives the future back, untouched, and `get_ref` looks at it.
#[test]
fn into_inner_returns_the_future() {
    paused_loop().block_on(async {
        let t = timeout(Duration::from_secs(1), async { 5 });
        let _ = t.get_ref();
        assert_eq!(t.into_inner().await, 5);
    });
}
