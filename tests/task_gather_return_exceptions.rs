//! `asyncio.gather(..., return_exceptions=True)` ported to tulip
//! (`tests/asyncio_ports/gather_return_exceptions.py`): results in argument order whatever order the
//! awaitables end in, a failure does not stop the others, the gather ends with the last one.

mod support;

use std::time::{Duration, Instant};

use support::paused_loop;
use support::trace::Trace;
use tulip::time::{now, sleep};
use tulip::yield_now;

/// What `python3 tests/asyncio_ports/gather_return_exceptions.py` prints (CPython 3.11, paused clock).
const PYTHON_TRACE: &str = "\
d ends at 0
b ends at 10
e ends at 10
c ends at 20
a ends at 30
gather returned at 30
ok a
error b
ok c
error d
ok e";

/// `(name, delay in ms, fails)`, in argument order.
const JOBS: [(&str, u64, bool); 5] = [
    ("a", 30, false),
    ("b", 10, true),
    ("c", 20, false),
    ("d", 0, true),
    ("e", 10, false),
];

/// `asyncio.sleep(delay)`: a zero delay yields once, as `asyncio.sleep(0)` does.
async fn asyncio_sleep(ms: u64) {
    if ms == 0 {
        yield_now().await;
    } else {
        sleep(Duration::from_millis(ms)).await;
    }
}

fn ms(t0: Instant) -> u128 {
    (now() - t0).as_millis()
}

/// The idiomatic port, errors as values: `job` returns `Err` where python raises, and plain
/// `tulip::gather` hands every `Result` back in argument order.
///
/// ```python
/// async def job(name, delay, fail):
///     await asyncio.sleep(delay)
///     trace.append(f"{name} ends at {ms()}")
///     if fail:
///         raise ValueError(name)
///     return name
///
/// res = await asyncio.gather(job("a", 0.03, False), job("b", 0.01, True), job("c", 0.02, False),
///                            job("d", 0, True), job("e", 0.01, False), return_exceptions=True)
/// trace.append(f"gather returned at {ms()}")
/// for r in res:
///     trace.append(f"error {r}" if isinstance(r, BaseException) else f"ok {r}")
/// ```
#[test]
fn gather_of_results_keeps_argument_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let jobs = JOBS.map(|(name, delay, fail)| {
            let t = t.clone();
            async move {
                asyncio_sleep(delay).await;
                t.push(format!("{name} ends at {}", ms(t0)));
                if fail {
                    Err(name)
                } else {
                    Ok(name)
                }
            }
        });
        let res = tulip::gather(jobs).await;
        t.push(format!("gather returned at {}", ms(t0)));
        for r in res {
            match r {
                Ok(v) => t.push(format!("ok {v}")),
                Err(e) => t.push(format!("error {e}")),
            }
        }
    });
    trace.assert_eq_python(PYTHON_TRACE);
}

/// The port docs/PORTING.md gives for `return_exceptions=True`: `gather_all`, with a panic as the
/// exception.
#[test]
fn gather_all_of_panics_keeps_argument_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let jobs = JOBS.map(|(name, delay, fail)| {
            let t = t.clone();
            async move {
                asyncio_sleep(delay).await;
                t.push(format!("{name} ends at {}", ms(t0)));
                if fail {
                    std::panic::panic_any(name);
                }
                name
            }
        });
        let res = tulip::gather_all(jobs).await;
        t.push(format!("gather returned at {}", ms(t0)));
        for r in res {
            match r {
                Ok(v) => t.push(format!("ok {v}")),
                Err(payload) => t.push(format!(
                    "error {}",
                    payload.downcast_ref::<&str>().expect("panic_any(&str)")
                )),
            }
        }
    });
    trace.assert_eq_python(PYTHON_TRACE);
}
