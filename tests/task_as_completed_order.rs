//! `asyncio.as_completed` ported to tulip (`tests/asyncio_ports/as_completed_order.py`): results in
//! completion order, same-instant completions in the order they happened (not argument order), a
//! failure in its place, and the consumer's own waiting between results; then `as_completed` given
//! coroutines (asyncio makes them tasks) against tulip's futures polled in place.

mod support;

use std::time::{Duration, Instant};

use support::paused_loop;
use support::trace::Trace;
use tulip::time::{now, sleep};
use tulip::yield_now;

/// What `python3 tests/asyncio_ports/as_completed_order.py` prints for `main()` (CPython 3.11, paused
/// clock).
const PYTHON_TRACE: &str = "\
e finishes at 0
got e at 0
b finishes at 10
got error b at 10
d finishes at 20
c finishes at 20
got d at 20
got c at 25
a finishes at 30
got a at 30";

fn ms(t0: Instant) -> u128 {
    (now() - t0).as_millis()
}

/// ```python
/// async def job(name, delay, fail=False):
///     await asyncio.sleep(delay)
///     trace.append(f"{name} finishes at {ms()}")
///     if fail:
///         raise ValueError(name)
///     return name
/// ```
async fn job(
    name: &'static str,
    delay_ms: u64,
    fail: bool,
    t: Trace,
    t0: Instant,
) -> Result<&'static str, &'static str> {
    if delay_ms == 0 {
        yield_now().await; // asyncio.sleep(0)
    } else {
        sleep(Duration::from_millis(delay_ms)).await;
    }
    t.push(format!("{name} finishes at {}", ms(t0)));
    if fail {
        Err(name)
    } else {
        Ok(name)
    }
}

/// ```python
/// aws = [job("a", 0.03), job("b", 0.01, fail=True), job("c", 0.02), job("d", 0.02), job("e", 0)]
/// tasks = [None] * 5
/// for i in (4, 3, 0, 1, 2):
///     tasks[i] = asyncio.create_task(aws[i])
/// for next_done in asyncio.as_completed(tasks):
///     try:
///         r = await next_done
///         trace.append(f"got {r} at {ms()}")
///     except ValueError as e:
///         trace.append(f"got error {e} at {ms()}")
///     await asyncio.sleep(0.005)
/// ```
#[test]
fn as_completed_yields_in_completion_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let specs = [
            ("a", 30, false),
            ("b", 10, true),
            ("c", 20, false),
            ("d", 20, false),
            ("e", 0, false),
        ];
        let mut tasks: Vec<Option<tulip::Task<_>>> = (0..5).map(|_| None).collect();
        for i in [4, 3, 0, 1, 2] {
            let (name, delay, fail) = specs[i];
            tasks[i] = Some(tulip::spawn(job(name, delay, fail, t.clone(), t0)));
        }
        let mut done = tulip::as_completed(tasks.into_iter().flatten());
        while let Some(r) = done.next().await {
            match r {
                Ok(v) => t.push(format!("got {v} at {}", ms(t0))),
                Err(e) => t.push(format!("got error {e} at {}", ms(t0))),
            }
            sleep(Duration::from_millis(5)).await;
        }
    });
    trace.assert_eq_python(PYTHON_TRACE);
}

/// What the same program prints for `coroutines()`, times from its start.
const PYTHON_COROUTINES_TRACE: &str = "\
b finishes at 10
got error b at 10
f finishes at 12
got f at 15
c finishes at 20
got c at 20
d finishes at 22
got d at 25
a finishes at 30
got a at 30";

/// ```python
/// aws = [job("a", 0.03), job("b", 0.01, fail=True), job("f", 0.012), job("c", 0.02), job("d", 0.022)]
/// for next_done in asyncio.as_completed(aws):
///     ...  # as in main()
///     await asyncio.sleep(0.005)
/// ```
///
/// asyncio wraps each coroutine in a task, so f and d finish while the consumer sleeps. tulip's
/// `as_completed` polls the futures in place, in the consumer's task (documented on `as_completed`):
/// a future whose timer fired meanwhile runs its last step only at the next `next()`, 3 ms later for
/// both. Spawning them first, as in the test above, gives asyncio's trace.
#[test]
fn as_completed_of_futures_runs_them_only_while_polled_as_documented() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let specs = [
            ("a", 30, false),
            ("b", 10, true),
            ("f", 12, false),
            ("c", 20, false),
            ("d", 22, false),
        ];
        let mut done = tulip::as_completed(
            specs.map(|(name, delay, fail)| job(name, delay, fail, t.clone(), t0)),
        );
        while let Some(r) = done.next().await {
            match r {
                Ok(v) => t.push(format!("got {v} at {}", ms(t0))),
                Err(e) => t.push(format!("got error {e} at {}", ms(t0))),
            }
            sleep(Duration::from_millis(5)).await;
        }
    });
    let tulip_trace = PYTHON_COROUTINES_TRACE
        .replace("f finishes at 12", "f finishes at 15")
        .replace("d finishes at 22", "d finishes at 25");
    trace.assert_eq_python(&tulip_trace);
}
