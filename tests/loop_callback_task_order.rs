//! What runs first in one program mixing `call_soon`, `call_later(0)`, `call_at(now)`, a new task's
//! first step, a task woken by a future, and done-callbacks, against asyncio
//! (`tests/asyncio_ports/callback_order.py`).

mod support;

use std::time::Duration;

use support::paused_loop;
use support::trace::Trace;
use tulip::{yield_now, Promise};

/// What `python3 tests/asyncio_ports/callback_order.py` prints (CPython 3.11).
const PYTHON_TRACE: &str = "\
main before await
call_soon 1
t step 1
call_soon 2
main after sleep(0)
call_later(0) A
call_later(0) B
call_at(now)
t step 2
awaiter waits
call_soon 3
t done-callback 1
t done-callback 2
main got t
fut done-callback
awaiter got x
main ends";

/// ```python
/// async def child(name):
///     trace.append(f"{name} step 1")
///     await asyncio.sleep(0)
///     trace.append(f"{name} step 2")
///     return name
///
/// async def main():
///     loop = asyncio.get_running_loop()
///     loop.call_later(0, trace.append, "call_later(0) A")
///     loop.call_soon(trace.append, "call_soon 1")
///     t = asyncio.create_task(child("t"))
///     loop.call_soon(trace.append, "call_soon 2")
///     loop.call_later(0, trace.append, "call_later(0) B")
///     loop.call_at(loop.time(), trace.append, "call_at(now)")
///     t.add_done_callback(lambda _: trace.append("t done-callback 1"))
///     trace.append("main before await")
///     await asyncio.sleep(0)
///     trace.append("main after sleep(0)")
///     t.add_done_callback(lambda _: trace.append("t done-callback 2"))
///     fut = loop.create_future()
///     async def awaiter():
///         trace.append("awaiter waits")
///         r = await fut
///         trace.append(f"awaiter got {r}")
///     a = asyncio.create_task(awaiter())
///     fut.add_done_callback(lambda f: trace.append("fut done-callback"))
///     loop.call_soon(fut.set_result, "x")
///     loop.call_soon(trace.append, "call_soon 3")
///     r = await t
///     trace.append(f"main got {r}")
///     await a
///     trace.append("main ends")
/// ```
#[test]
fn callbacks_timers_tasks_and_done_callbacks_run_in_asyncio_order() {
    let trace = Trace::new();
    let t = trace.clone();
    let push = move |line: &'static str| {
        let t = t.clone();
        move || t.push(line)
    };
    let t = trace.clone();
    paused_loop().block_on(async move {
        let lp = tulip::get_running_loop();
        lp.call_later(Duration::ZERO, push("call_later(0) A"));
        lp.call_soon(push("call_soon 1"));
        let tc = t.clone();
        let child = tulip::spawn(async move {
            tc.push("t step 1");
            yield_now().await;
            tc.push("t step 2");
            "t"
        });
        lp.call_soon(push("call_soon 2"));
        lp.call_later(Duration::ZERO, push("call_later(0) B"));
        lp.call_at(lp.time(), push("call_at(now)"));
        let cb1 = push("t done-callback 1");
        child.add_done_callback(move |_| cb1());
        t.push("main before await");
        yield_now().await;
        t.push("main after sleep(0)");
        let cb2 = push("t done-callback 2");
        child.add_done_callback(move |_| cb2());
        let fut: Promise<&str> = lp.create_future();
        let (waited, ta) = (fut.clone(), t.clone());
        let awaiter = tulip::spawn(async move {
            ta.push("awaiter waits");
            let r = waited.await.expect("set by call_soon");
            ta.push(format!("awaiter got {r}"));
        });
        let cb = push("fut done-callback");
        fut.add_done_callback(move |_| cb());
        lp.call_soon(move || {
            let _ = fut.set_result("x");
        });
        lp.call_soon(push("call_soon 3"));
        let r = child.await;
        t.push(format!("main got {r}"));
        awaiter.await;
        t.push("main ends");
    });
    trace.assert_eq_python(PYTHON_TRACE);
}
