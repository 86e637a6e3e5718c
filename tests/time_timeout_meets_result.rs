//! `timeout` / `wait_for` whose deadline passes at the very instant the inner result arrives, against
//! asyncio (`tests/asyncio_ports/timeout_meets_result.py`): asyncio's deadline cancels the task
//! before it resumes with the result, so the result is dropped and the caller sees `TimeoutError`.

mod support;

use std::time::Duration;

use support::paused_loop;
use support::trace::{finally, Trace};
use tulip::time::{sleep, timeout};
use tulip::{wait_for, yield_now, Promise};

/// What `python3 tests/asyncio_ports/timeout_meets_result.py` prints (CPython 3.11.7, paused clock).
/// Cases: `t1`/`w1` the deadline's timer registered before the inner sleep's, `t2`/`w2` after the
/// inner result's `call_later`, `t0`/`w0` a zero deadline.
const PYTHON_TRACE: &str = "\
t1 inner exits
t1 -> TimeoutError
w1 inner exits
w1 -> TimeoutError
t2 inner exits
t2 -> TimeoutError
w2 inner finished
w2 inner exits
w2 -> w2-result
t0 inner exits
t0 -> TimeoutError
w0 -> TimeoutError";

/// ```python
/// async def inner(name, delay):
///     try:
///         await asyncio.sleep(delay)
///         trace.append(f"{name} inner finished")
///         return f"{name}-result"
///     finally:
///         trace.append(f"{name} inner exits")
/// ```
///
/// `asyncio.sleep(0)` yields once; tulip's `sleep(ZERO)` does not (documented), so the port of a zero
/// delay is `yield_now()`, as docs/PORTING.md says.
async fn inner(name: &'static str, delay: Duration, t: Trace) -> String {
    let t2 = t.clone();
    let _finally = finally(move || t2.push(format!("{name} inner exits")));
    if delay.is_zero() {
        yield_now().await;
    } else {
        sleep(delay).await;
    }
    t.push(format!("{name} inner finished"));
    format!("{name}-result")
}

fn report(t: &Trace, name: &str, res: Result<String, tulip::time::Elapsed>) {
    match res {
        Ok(r) => t.push(format!("{name} -> {r}")),
        Err(_) => t.push(format!("{name} -> TimeoutError")),
    }
}

/// ```python
/// async def inner_timer_first(name, wrapper):
///     fut = loop.create_future()
///     loop.call_later(0.01, fut.set_result, f"{name}-result")
///     async def waits():
///         try:
///             r = await fut
///             trace.append(f"{name} inner finished")
///             return r
///         finally:
///             trace.append(f"{name} inner exits")
///     ...  # `async with asyncio.timeout(0.01)` or `asyncio.wait_for(waits(), 0.01)` around `waits()`
/// ```
async fn inner_timer_first(name: &'static str, use_wait_for: bool, t: Trace) {
    let fut: Promise<String> = tulip::get_running_loop().create_future();
    let setter = fut.clone();
    tulip::call_later(Duration::from_millis(10), move || {
        let _ = setter.set_result(format!("{name}-result"));
    });
    let t2 = t.clone();
    let waits = async move {
        let t3 = t2.clone();
        let _finally = finally(move || t3.push(format!("{name} inner exits")));
        let r = fut.await.expect("set by the timer");
        t2.push(format!("{name} inner finished"));
        r
    };
    let limit = Duration::from_millis(10);
    let res = if use_wait_for {
        wait_for(waits, limit).await
    } else {
        timeout(limit, waits).await
    };
    report(&t, name, res);
}

/// The whole program: every case whose deadline meets a result that arrives later than the first
/// poll gives asyncio's `TimeoutError`.
///
/// Two lines differ from CPython 3.11, both on `wait_for`:
/// - `w2`: 3.11's `wait_for` runs the inner coroutine as a task of its own, which finishes before the
///   waiter looks; since 3.12 `wait_for(aw, t)` is `async with timeout(t): return await aw`, which
///   gives `t2`'s lines. tulip's `wait_for` is `timeout`, as 3.12's.
/// - `w0`: asyncio's `wait_for(coro, 0)` cancels the coroutine before it starts; tulip polls the
///   future once first (documented on `timeout`: a future ready at once wins), so its guard exists
///   and reports the exit.
#[test]
fn deadline_meeting_the_result_wins_as_in_asyncio() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let ms10 = Duration::from_millis(10);
        report(&t, "t1", timeout(ms10, inner("t1", ms10, t.clone())).await);
        report(&t, "w1", wait_for(inner("w1", ms10, t.clone()), ms10).await);
        inner_timer_first("t2", false, t.clone()).await;
        inner_timer_first("w2", true, t.clone()).await;
        let zero = Duration::ZERO;
        report(&t, "t0", timeout(zero, inner("t0", zero, t.clone())).await);
        report(&t, "w0", wait_for(inner("w0", zero, t.clone()), zero).await);
    });
    let tulip_trace = PYTHON_TRACE
        .replace(
            "w2 inner finished\nw2 inner exits\nw2 -> w2-result",
            "w2 inner exits\nw2 -> TimeoutError",
        )
        .replace("w0 -> TimeoutError", "w0 inner exits\nw0 -> TimeoutError");
    trace.assert_eq_python(&tulip_trace);
}

/// The narrow case on its own: a sleep of 10 ms inside a 10 ms timeout, on the paused clock.
///
/// ```python
/// async with asyncio.timeout(0.01):
///     await asyncio.sleep(0.01)      # TimeoutError: both timers fire in one iteration
/// ```
#[test]
fn sleep_as_long_as_the_timeout_elapses() {
    paused_loop().block_on(async {
        let d = Duration::from_millis(10);
        assert!(timeout(d, sleep(d)).await.is_err());
        assert!(wait_for(sleep(d), d).await.is_err());
        // One tick shorter still finishes.
        assert!(timeout(d, sleep(d - tulip::time::RESOLUTION)).await.is_ok());
    });
}
