//! asyncio's `TaskGroup` with one child failing while its siblings sleep, ported to tulip
//! (`tests/asyncio_ports/task_group_child_fails.py`): when the sibling's cleanup runs, what a child
//! ending in the same step does, the order of the failures, and the block's own code.

mod support;

use std::time::{Duration, Instant};

use support::paused_loop;
use support::trace::{finally, Trace};
use tulip::time::{now, sleep};
use tulip::TaskGroup;

/// Milliseconds since `t0` on the loop's (paused) clock, as the python program prints them.
fn ms(t0: Instant) -> u128 {
    (now() - t0).as_millis()
}

/// `[str(e) for e in eg.exceptions]`, as python prints the list.
fn py_list(errors: &[&str]) -> String {
    let items: Vec<String> = errors.iter().map(|e| format!("'{e}'")).collect();
    format!("[{}]", items.join(", "))
}

/// ```python
/// async def fails(name, delay):
///     await asyncio.sleep(delay)
///     trace.append(f"{name} raises")
///     raise ValueError(name)
/// ```
async fn fails(name: &'static str, delay_ms: u64, t: Trace) -> Result<&'static str, &'static str> {
    sleep(Duration::from_millis(delay_ms)).await;
    t.push(format!("{name} raises"));
    Err(name)
}

/// ```python
/// async def sleeper(name, delay):
///     try:
///         await asyncio.sleep(delay)
///         trace.append(f"{name} finished")
///         return name
///     finally:
///         trace.append(f"{name} cleanup")
/// ```
async fn sleeper(
    name: &'static str,
    delay_ms: u64,
    t: Trace,
) -> Result<&'static str, &'static str> {
    let t2 = t.clone();
    let _finally = finally(move || t2.push(format!("{name} cleanup")));
    sleep(Duration::from_millis(delay_ms)).await;
    t.push(format!("{name} finished"));
    Ok(name)
}

/// The errors of a failed group, in the order they happened.
fn errors(err: &tulip::task::TaskGroupError<&'static str>) -> Vec<&'static str> {
    err.failures()
        .iter()
        .map(|f| *f.error().expect("children fail by returning Err"))
        .collect()
}

/// python3 (3.11) printed, for `main()`:
const FAILURE_TRACE: &str = "\
body done
b raises
c finished
c cleanup
d raises
a cleanup
group: ['b', 'd'] at 10";

/// ```python
/// try:
///     async with asyncio.TaskGroup() as tg:
///         tg.create_task(sleeper("a", 1))
///         tg.create_task(fails("b", 0.01))
///         tg.create_task(sleeper("c", 0.01))
///         tg.create_task(fails("d", 0.01))
///         trace.append("body done")
/// except* ValueError as eg:
///     trace.append(f"group: {[str(e) for e in eg.exceptions]} at {round(loop.time() * 1000)}")
/// ```
///
/// b, c and d wake in the same iteration: c still finishes (its step was already running when the
/// cancellation was decided), d's failure joins b's, and a is cancelled one iteration later.
#[test]
fn failing_child_cancels_the_sleeping_sibling_after_the_same_step_ends() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let group = TaskGroup::fallible();
        group.try_spawn(sleeper("a", 1000, t.clone()));
        group.try_spawn(fails("b", 10, t.clone()));
        group.try_spawn(sleeper("c", 10, t.clone()));
        group.try_spawn(fails("d", 10, t.clone()));
        t.push("body done");
        let err = group.join().await.expect_err("b and d failed");
        t.push(format!("group: {} at {}", py_list(&errors(&err)), ms(t0)));
        assert_eq!(err.cancelled(), [0]);
    });
    trace.assert_eq_python(FAILURE_TRACE);
}

/// python3 (3.11) printed, for `body_awaits()`:
const BODY_AWAITS_TRACE: &str = "\
f raises
g cleanup
body exits at 10
group: ['f'] at 10";

/// ```python
/// try:
///     async with asyncio.TaskGroup() as tg:
///         tg.create_task(fails("f", 0.01))
///         tg.create_task(sleeper("g", 1))
///         try:
///             await asyncio.sleep(0.5)
///             trace.append("body slept")
///         finally:
///             trace.append(f"body exits at {round((loop.time() - t0) * 1000)}")
/// except* ValueError as eg:
///     trace.append(f"group: {[str(e) for e in eg.exceptions]} at ...")
/// ```
///
/// asyncio cancels the block's body when a child fails. A `TaskGroup` does not interrupt its owner
/// (documented on the type); its advice, "spawn work that must be interrupted into the group as a
/// child", gives python's trace: the body's work is a child spawned last.
#[test]
fn body_work_spawned_as_a_child_is_cancelled_as_asyncio_cancels_the_body() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let group = TaskGroup::fallible();
        group.try_spawn(fails("f", 10, t.clone()));
        group.try_spawn(sleeper("g", 1000, t.clone()));
        let tb = t.clone();
        group.try_spawn(async move {
            let t2 = tb.clone();
            let _finally = finally(move || t2.push(format!("body exits at {}", ms(t0))));
            sleep(Duration::from_millis(500)).await;
            tb.push("body slept");
            Ok("body")
        });
        let err = group.join().await.expect_err("f failed");
        t.push(format!("group: {} at {}", py_list(&errors(&err)), ms(t0)));
    });
    trace.assert_eq_python(BODY_AWAITS_TRACE);
}

/// The literal port of `body_awaits()` (the sleep written between `spawn` and `join`) runs the body to
/// its end: tulip's documented difference ("the owner is not interrupted", see `TaskGroup`). The
/// sibling is still cancelled at 10 ms; the failure is reported by `join`, after the body.
#[test]
fn body_between_spawn_and_join_is_not_interrupted_as_documented() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let group = TaskGroup::fallible();
        group.try_spawn(fails("f", 10, t.clone()));
        group.try_spawn(sleeper("g", 1000, t.clone()));
        {
            let t2 = t.clone();
            let _finally = finally(move || t2.push(format!("body exits at {}", ms(t0))));
            sleep(Duration::from_millis(500)).await;
            t.push("body slept");
        }
        let err = group.join().await.expect_err("f failed");
        t.push(format!("group: {} at {}", py_list(&errors(&err)), ms(t0)));
    });
    trace.assert_eq_python(
        "\
f raises
g cleanup
body slept
body exits at 500
group: ['f'] at 500",
    );
}

/// Several sleeping siblings: asyncio cancels them in the order of a set (it changes from run to run,
/// which is why the python program keeps one); tulip cancels them in spawn order, as docs/PORTING.md
/// says.
#[test]
fn sleeping_siblings_are_cancelled_in_spawn_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let group = TaskGroup::fallible();
        for name in ["s0", "s1"] {
            group.try_spawn(sleeper(name, 1000, t.clone()));
        }
        group.try_spawn(fails("x", 10, t.clone()));
        for name in ["s3", "s4"] {
            group.try_spawn(sleeper(name, 1000, t.clone()));
        }
        let err = group.join().await.expect_err("x failed");
        assert_eq!(err.cancelled(), [0, 1, 3, 4]);
    });
    trace.assert_eq_python("x raises\ns0 cleanup\ns1 cleanup\ns3 cleanup\ns4 cleanup");
}
