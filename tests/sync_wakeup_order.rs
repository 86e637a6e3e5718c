//! Who runs first when a tulip primitive wakes several waiters, against asyncio's order
//! (`tests/asyncio_ports/sync_wakeup_order.py`): `Event.set()` followed by `clear()`, a `Lock`
//! released while a newcomer asks for it, a `Semaphore` whose permits come back at one instant,
//! `Condition.notify(1)` / `notify_all()` and the lock the woken waiters must take again.
//!
//! Each test is one part of the python program; its constant is that part of python3's output.

mod support;

use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use support::trace::Trace;
use tulip::sync::{Condition, Event, Lock, Semaphore};
use tulip::time::sleep;
use tulip::yield_now;

/// Python's spelling of a `bool`, as an f-string prints it.
fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// python3 (3.11) printed, for `event_part`:
const EVENT_TRACE: &str = "\
e0 waits
e1 waits
e2 waits
set+clear
e0 woke set=False
e1 woke set=False
e2 woke set=False";

/// ```python
/// ev = asyncio.Event()
/// async def waiter(name):
///     trace.append(f"{name} waits")
///     await ev.wait()
///     trace.append(f"{name} woke set={ev.is_set()}")
/// tasks = [asyncio.create_task(waiter(n)) for n in ("e0", "e1", "e2")]
/// await asyncio.sleep(0)
/// ev.set()
/// ev.clear()
/// trace.append("set+clear")
/// await asyncio.gather(*tasks)
/// ```
#[test]
fn event_set_then_clear_wakes_every_waiter_in_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let ev = Rc::new(Event::new());
        let tasks: Vec<_> = ["e0", "e1", "e2"]
            .into_iter()
            .map(|name| {
                let (ev, t) = (ev.clone(), t.clone());
                tulip::spawn(async move {
                    t.push(format!("{name} waits"));
                    ev.wait().await;
                    t.push(format!("{name} woke set={}", py(ev.is_set())));
                })
            })
            .collect();
        yield_now().await;
        ev.set();
        ev.clear();
        t.push("set+clear");
        tulip::gather(tasks).await;
    });
    trace.assert_eq_python(EVENT_TRACE);
}

/// python3 (3.11) printed, for `lock_part`:
const LOCK_TRACE: &str = "\
l0 asks
l1 asks
main released
l0 has it
late asks
l0 released
l1 has it
l1 released
late has it
late released";

/// ```python
/// async def user(name, hold):
///     trace.append(f"{name} asks")
///     async with lock:
///         trace.append(f"{name} has it")
///         await asyncio.sleep(hold)
///     trace.append(f"{name} released")
/// ```
async fn lock_user(name: &'static str, lock: Rc<Lock>, hold: Duration, t: Trace) {
    t.push(format!("{name} asks"));
    {
        let _guard = lock.acquire().await;
        t.push(format!("{name} has it"));
        sleep(hold).await;
    }
    t.push(format!("{name} released"));
}

/// ```python
/// lock = asyncio.Lock()
/// await lock.acquire()
/// tasks = [asyncio.create_task(user(n, 0.01)) for n in ("l0", "l1")]
/// await asyncio.sleep(0)
/// lock.release()
/// trace.append("main released")
/// late = asyncio.create_task(user("late", 0))
/// await asyncio.gather(*tasks, late)
/// ```
#[test]
fn lock_release_goes_to_the_oldest_waiter_before_a_newcomer() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let lock = Rc::new(Lock::new(()));
        let guard = lock.acquire().await;
        let mut tasks: Vec<_> = ["l0", "l1"]
            .into_iter()
            .map(|n| {
                tulip::spawn(lock_user(
                    n,
                    lock.clone(),
                    Duration::from_millis(10),
                    t.clone(),
                ))
            })
            .collect();
        yield_now().await;
        drop(guard);
        t.push("main released");
        tasks.push(tulip::spawn(lock_user(
            "late",
            lock.clone(),
            Duration::ZERO,
            t.clone(),
        )));
        tulip::gather(tasks).await;
    });
    trace.assert_eq_python(LOCK_TRACE);
}

/// python3 (3.11) printed, for `semaphore_part`:
const SEMAPHORE_TRACE: &str = "\
s0 in
s1 in
s1 out
s2 in
s0 out
s2 out
s3 in
s4 in
s4 out
s3 out";

/// ```python
/// sem = asyncio.Semaphore(2)
/// async def user(name, hold):
///     async with sem:
///         trace.append(f"{name} in")
///         await asyncio.sleep(hold)
///     trace.append(f"{name} out")
/// tasks = [asyncio.create_task(user(f"s{i}", d)) for i, d in enumerate((0.02, 0.01, 0.01, 0.01, 0))]
/// await asyncio.gather(*tasks)
/// ```
///
/// At 20 ms s0's and s2's sleeps end together: both permits come back in one iteration and go to s3
/// and s4, the oldest waiters, in that order.
#[test]
fn semaphore_permits_go_to_the_oldest_waiters() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let sem = Rc::new(Semaphore::new(2));
        let tasks: Vec<_> = [20, 10, 10, 10, 0]
            .into_iter()
            .enumerate()
            .map(|(i, ms)| {
                let (sem, t) = (sem.clone(), t.clone());
                tulip::spawn(async move {
                    {
                        let _permit = sem.acquire().await;
                        t.push(format!("s{i} in"));
                        sleep(Duration::from_millis(ms)).await;
                    }
                    t.push(format!("s{i} out"));
                })
            })
            .collect();
        tulip::gather(tasks).await;
    });
    trace.assert_eq_python(SEMAPHORE_TRACE);
}

/// python3 (3.11) printed, for `condition_part`:
const CONDITION_TRACE: &str = "\
c0 waits
c1 waits
c2 waits
notify(1)
main still holds the lock
c0 notified
c0 left
notify_all
c1 notified
c1 left
c2 notified
c2 left";

/// ```python
/// cond = asyncio.Condition()
/// async def waiter(name):
///     async with cond:
///         trace.append(f"{name} waits")
///         await cond.wait()
///         trace.append(f"{name} notified")
///     trace.append(f"{name} left")
/// tasks = [asyncio.create_task(waiter(f"c{i}")) for i in range(3)]
/// await asyncio.sleep(0)
/// async with cond:
///     trace.append("notify(1)")
///     cond.notify(1)
///     await asyncio.sleep(0)
///     trace.append("main still holds the lock")
/// await asyncio.sleep(0)
/// async with cond:
///     cond.notify_all()
///     trace.append("notify_all")
/// await asyncio.gather(*tasks)
/// ```
#[test]
fn condition_notified_waiters_wait_for_the_lock_in_turn() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let cond = Rc::new(Condition::new(()));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (cond, t) = (cond.clone(), t.clone());
                tulip::spawn(async move {
                    {
                        let guard = cond.acquire().await;
                        t.push(format!("c{i} waits"));
                        let _guard = cond.wait(guard).await;
                        t.push(format!("c{i} notified"));
                    }
                    t.push(format!("c{i} left"));
                })
            })
            .collect();
        yield_now().await;
        {
            let _guard = cond.acquire().await;
            t.push("notify(1)");
            cond.notify(1);
            yield_now().await;
            t.push("main still holds the lock");
        }
        yield_now().await;
        {
            let _guard = cond.acquire().await;
            cond.notify_all();
            t.push("notify_all");
        }
        tulip::gather(tasks).await;
    });
    trace.assert_eq_python(CONDITION_TRACE);
}
