//! One ready queue in asyncio's order: task steps and callbacks share one FIFO, an iteration runs what
//! was ready when it began, and the future given to `block_on` is scheduled like a task.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

fn seen(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

/// `yield_now` is `asyncio.sleep(0)`: every handle ready before it runs first.
///
/// ```python
/// async def t():
///     loop.call_soon(lambda: order.append("cb"))
///     await asyncio.sleep(0)
///     order.append("task resumed")
/// await asyncio.create_task(t())      # order == ["cb", "task resumed"]
/// ```
#[test]
fn call_soon_then_yield_now_runs_the_callback_first() {
    let order = log();
    let o = order.clone();
    tulip::run(async move {
        let t = tulip::spawn(async move {
            let o2 = o.clone();
            tulip::call_soon(move || push(&o2, "cb"));
            tulip::yield_now().await;
            push(&o, "task resumed");
        });
        t.await;
    });
    assert_eq!(seen(&order), ["cb", "task resumed"]);
}

/// A waiter woken by `Event::set` is scheduled after a callback queued before the `set`.
///
/// ```python
/// async def waiter():
///     await ev.wait()
///     order.append("waiter")
/// w = asyncio.create_task(waiter())
/// async def setter():
///     loop.call_soon(lambda: order.append("cb"))
///     ev.set()
/// await asyncio.create_task(setter())
/// await w                              # order == ["cb", "waiter"]
/// ```
#[test]
fn call_soon_then_event_set_runs_the_callback_before_the_waiter() {
    let order = log();
    let o = order.clone();
    tulip::run(async move {
        let ev = Rc::new(tulip::sync::Event::new());
        let (e1, o1) = (ev.clone(), o.clone());
        let w = tulip::spawn(async move {
            e1.wait().await;
            push(&o1, "waiter");
        });
        let (e2, o2) = (ev.clone(), o.clone());
        tulip::spawn(async move {
            let o3 = o2.clone();
            tulip::call_soon(move || push(&o3, "cb"));
            e2.set();
        })
        .await;
        w.await;
    });
    assert_eq!(seen(&order), ["cb", "waiter"]);
}

/// The main future of `block_on` waits its turn behind work queued before the loop started.
///
/// ```python
/// loop.create_task(t3())                        # appends "task"
/// loop.call_soon(lambda: order.append("cb"))
/// loop.run_until_complete(main3())              # appends "main"
/// # order == ["task", "cb", "main"]
/// ```
#[test]
fn main_future_is_scheduled_like_a_task() {
    let lp = paused_loop();
    let order = log();
    let o = order.clone();
    lp.spawn(async move { push(&o, "task") }).detach();
    let o = order.clone();
    lp.call_soon(move || push(&o, "cb"));
    let o = order.clone();
    lp.block_on(async move { push(&o, "main") });
    assert_eq!(seen(&order), ["task", "cb", "main"]);
}

/// A task re-woken during an iteration (here by `yield_now`) runs in the next one, behind a timer that
/// came due meanwhile, instead of being polled again in the same batch.
///
/// ```python
/// async def t():
///     for i in range(3):
///         await asyncio.sleep(0)
///         order.append(i)
/// loop.call_later(0, lambda: order.append("timer"))
/// await asyncio.create_task(t())       # order == ["timer", 0, 1, 2]
/// ```
#[test]
fn task_woken_during_an_iteration_runs_in_the_next_one() {
    let lp = paused_loop();
    let order = log();
    let o = order.clone();
    lp.block_on(async move {
        let o1 = o.clone();
        tulip::call_later(Duration::ZERO, move || push(&o1, "timer"));
        let o2 = o.clone();
        tulip::spawn(async move {
            for i in 0..3 {
                tulip::yield_now().await;
                push(&o2, i.to_string());
            }
        })
        .await;
    });
    assert_eq!(seen(&order), ["timer", "0", "1", "2"]);
}

/// `stop()` before `run_forever()` runs one full iteration, as asyncio's does; what that iteration
/// schedules runs on the next run.
///
/// ```python
/// loop.call_soon(lambda: order.append("a"))
/// loop.call_soon(lambda: (order.append("b"), loop.call_soon(lambda: order.append("c"))))
/// loop.stop()
/// loop.run_forever()                   # order == ["a", "b"]
/// loop.stop(); loop.run_forever()      # order == ["a", "b", "c"]
/// ```
#[test]
fn stop_before_run_forever_runs_one_full_iteration() {
    let lp = paused_loop();
    let order = log();
    let o = order.clone();
    lp.call_soon(move || push(&o, "a"));
    let (o, l2) = (order.clone(), lp.clone());
    lp.call_soon(move || {
        push(&o, "b");
        let o2 = o.clone();
        l2.call_soon(move || push(&o2, "c"));
    });
    lp.stop();
    lp.run_forever();
    assert_eq!(seen(&order), ["a", "b"]);
    lp.stop();
    lp.run_forever();
    assert_eq!(seen(&order), ["a", "b", "c"]);
}

/// `stop()` from a callback lets the rest of the iteration run, and nothing scheduled during it.
///
/// ```python
/// loop.call_soon(lambda: order.append(1))
/// loop.call_soon(loop.stop)
/// loop.call_soon(lambda: (order.append(2), loop.call_soon(lambda: order.append(3))))
/// loop.run_forever()                   # order == [1, 2]
/// ```
#[test]
fn stop_in_a_callback_finishes_the_iteration() {
    let lp = paused_loop();
    let order = log();
    let o = order.clone();
    lp.call_soon(move || push(&o, "1"));
    let l2 = lp.clone();
    lp.call_soon(move || l2.stop());
    let (o, l2) = (order.clone(), lp.clone());
    lp.call_soon(move || {
        push(&o, "2");
        let o2 = o.clone();
        l2.call_soon(move || push(&o2, "3"));
    });
    lp.run_forever();
    assert_eq!(seen(&order), ["1", "2"]);
}

/// Task steps and callbacks interleave in the order they became ready, across many of each.
///
/// ```python
/// for i in range(100):
///     if i % 2: loop.call_soon(lambda i=i: order.append(i))
///     else: loop.create_task(step(i))   # appends i
/// ```
#[test]
fn tasks_and_callbacks_share_one_fifo() {
    let lp = paused_loop();
    let order = log();
    for i in 0..100 {
        let o = order.clone();
        if i % 2 == 1 {
            lp.call_soon(move || push(&o, i.to_string()));
        } else {
            lp.spawn(async move { push(&o, i.to_string()) }).detach();
        }
    }
    lp.block_on(tulip::yield_now());
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(seen(&order), expected);
}
