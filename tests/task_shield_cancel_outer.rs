//! `cancel()` of a task blocked in `await asyncio.shield(inner)`, ported to tulip
//! (`tests/asyncio_ports/shield_cancel.py`): the outer task is cancelled at once, the inner work runs
//! on to its end, and another awaiter of the inner task still gets its result.

mod support;

use std::time::{Duration, Instant};

use support::paused_loop;
use support::trace::{finally, Trace};
use tulip::time::{now, sleep};

/// What `python3 tests/asyncio_ports/shield_cancel.py` prints (CPython 3.11, paused clock).
const PYTHON_TRACE: &str = "\
inner starts at 0
cancel requested
outer cancelled at 10 inner done=False
outer task cancelled=True at 10
inner finishes at 30
inner exits
main awaits inner: saved at 30";

fn ms(t0: Instant) -> u128 {
    (now() - t0).as_millis()
}

fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// ```python
/// async def inner():
///     try:
///         trace.append(f"inner starts at {ms()}")
///         await asyncio.sleep(0.03)
///         trace.append(f"inner finishes at {ms()}")
///         return "saved"
///     finally:
///         trace.append("inner exits")
///
/// async def outer(t):
///     try:
///         r = await asyncio.shield(t)
///         trace.append(f"outer got {r}")
///     except asyncio.CancelledError:
///         trace.append(f"outer cancelled at {ms()} inner done={t.done()}")
///         raise
///
/// t = asyncio.create_task(inner())
/// o = asyncio.create_task(outer(t))
/// await asyncio.sleep(0.01)
/// o.cancel()
/// trace.append("cancel requested")
/// try:
///     await o
/// except asyncio.CancelledError:
///     trace.append(f"outer task cancelled={o.cancelled()} at {ms()}")
/// trace.append(f"main awaits inner: {await t} at {ms()}")
/// ```
///
/// The inner task is awaited twice (through the shield and by `main`): `Task::into_promise()` gives
/// the shareable handle. `Task::cancel()` requests the cancellation when first polled and returns
/// `None` once the outer task's future has been dropped (`o.cancelled()`).
#[test]
fn cancelling_the_outer_task_leaves_the_shielded_task_running() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let ti = t.clone();
        let inner = tulip::spawn(async move {
            let te = ti.clone();
            let _finally = finally(move || te.push("inner exits"));
            ti.push(format!("inner starts at {}", ms(t0)));
            sleep(Duration::from_millis(30)).await;
            ti.push(format!("inner finishes at {}", ms(t0)));
            "saved"
        })
        .into_promise();
        let (shielded, to) = (inner.clone(), t.clone());
        let outer = tulip::spawn(async move {
            let (seen, tc) = (shielded.clone(), to.clone());
            let except_cancelled = finally(move || {
                tc.push(format!(
                    "outer cancelled at {} inner done={}",
                    ms(t0),
                    py(seen.is_done())
                ))
            });
            let r = tulip::shield(shielded)
                .await
                .expect("the inner task succeeds");
            except_cancelled.disarm();
            to.push(format!("outer got {r}"));
        });
        sleep(Duration::from_millis(10)).await;
        let cancel = outer.cancel();
        t.push("cancel requested");
        let cancelled = cancel.await.is_none();
        t.push(format!(
            "outer task cancelled={} at {}",
            py(cancelled),
            ms(t0)
        ));
        let r = inner.await.expect("the inner task succeeds");
        t.push(format!("main awaits inner: {r} at {}", ms(t0)));
    });
    trace.assert_eq_python(PYTHON_TRACE);
}
