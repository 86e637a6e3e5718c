//! `call_soon`: FIFO order, one tick at a time, cancellation through `CallbackHandle`.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use support::{real_loop, yield_many};

type Log<T> = Rc<RefCell<Vec<T>>>;

fn log<T>() -> Log<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// asyncio, `loop.call_soon`: "Callbacks are called in the order in which they are registered. Each
/// callback will be called exactly once."
#[test]
fn callbacks_run_in_fifo_order_exactly_once() {
    let lp = real_loop();
    let seen = log();
    for i in 0..1000 {
        let s = seen.clone();
        lp.call_soon(move || s.borrow_mut().push(i));
    }
    let l2 = lp.clone();
    lp.call_soon(move || l2.stop());
    lp.run_forever();
    assert_eq!(*seen.borrow(), (0..1000).collect::<Vec<_>>());

    // More iterations run nothing twice.
    lp.block_on(yield_many(5));
    assert_eq!(seen.borrow().len(), 1000);
}

/// asyncio, `loop.call_soon`: "Callbacks are called in the order in which they are registered", also
/// when they are registered from inside tasks and other callbacks through the running loop.
#[test]
fn free_call_soon_from_tasks_and_callbacks_keeps_fifo_order() {
    let seen: Log<&str> = log();
    let s = seen.clone();
    tulip::run(async move {
        let s1 = s.clone();
        tulip::call_soon(move || s1.borrow_mut().push("main 1"));
        let s2 = s.clone();
        let task = tulip::spawn(async move {
            let s3 = s2.clone();
            tulip::call_soon(move || s3.borrow_mut().push("task"));
        });
        task.await;
        let s4 = s.clone();
        tulip::call_soon(move || s4.borrow_mut().push("main 2"));
        yield_many(3).await;
    });
    assert_eq!(*seen.borrow(), ["main 1", "task", "main 2"]);
}

/// asyncio, `BaseEventLoop._run_once`: "We run all currently scheduled callbacks, but not any callbacks
/// scheduled by callbacks run this time around -- they will be run the next time (after another I/O
/// poll)."
///
/// Task steps and callbacks share the ready queue: the task spawned first runs first, then `a`, then
/// what `a` scheduled, on the next tick.
///
/// ```python
/// t = asyncio.create_task(task())      # appends "task"
/// loop.call_soon(a)                    # appends "a", then call_soon(b)
/// await t                              # seen == ["task", "a", "b, scheduled by a"]
/// ```
#[test]
fn callback_scheduled_during_a_tick_runs_next_tick() {
    let seen: Log<&str> = log();
    let s = seen.clone();
    real_loop().block_on(async move {
        let s1 = s.clone();
        let task = tulip::spawn(async move { s1.borrow_mut().push("task") });
        let s2 = s.clone();
        tulip::call_soon(move || {
            s2.borrow_mut().push("a");
            let s3 = s2.clone();
            tulip::call_soon(move || s3.borrow_mut().push("b, scheduled by a"));
        });
        task.await;
        yield_many(3).await;
    });
    assert_eq!(*seen.borrow(), ["task", "a", "b, scheduled by a"]);
}

/// asyncio runs only the callbacks that were ready when a tick began, so a callback that keeps
/// re-scheduling itself with `call_soon` cannot keep the loop from its timers and other work.
#[test]
fn self_rescheduling_callback_does_not_starve_the_loop() {
    fn again(runs: Rc<Cell<u32>>, stop: Rc<Cell<bool>>) {
        runs.set(runs.get() + 1);
        if !stop.get() {
            tulip::call_soon(move || again(runs, stop));
        }
    }
    let lp = real_loop();
    let runs = Rc::new(Cell::new(0));
    let stop = Rc::new(Cell::new(false));
    let (r, s) = (runs.clone(), stop.clone());
    lp.call_soon(move || again(r, s));
    lp.block_on(async {
        // The timer must fire although a callback is always ready.
        tulip::time::sleep(Duration::from_millis(2)).await;
        yield_many(10).await;
    });
    stop.set(true);
    lp.block_on(yield_many(3));
    let n = runs.get();
    assert!(n >= 10, "the callback ran {n} times");
    lp.block_on(yield_many(3));
    assert_eq!(runs.get(), n, "the callback stopped re-scheduling itself");
}

/// asyncio, `Handle.cancel()`: "Cancel the callback. If the callback has already been canceled or
/// executed, this method has no effect."
#[test]
fn cancelled_callback_does_not_run_and_cancelling_twice_is_harmless() {
    let lp = real_loop();
    let seen = log();
    let handles: Vec<_> = (0..5)
        .map(|i| {
            let s = seen.clone();
            lp.call_soon(move || s.borrow_mut().push(i))
        })
        .collect();
    assert!(!handles[1].cancelled());
    handles[1].cancel();
    handles[1].cancel();
    handles[3].cancel();
    assert!(handles[1].cancelled() && handles[3].cancelled());
    lp.block_on(yield_many(3));
    assert_eq!(*seen.borrow(), [0, 2, 4]);
}

/// asyncio, `Handle.cancel()`: "If the callback has already been canceled or executed, this method has
/// no effect" — in particular it does not cancel a callback scheduled later.
#[test]
fn cancel_after_the_callback_ran_has_no_effect() {
    let lp = real_loop();
    let seen = log();
    let s = seen.clone();
    let first = lp.call_soon(move || s.borrow_mut().push("first"));
    lp.block_on(yield_many(2));
    let s = seen.clone();
    let _second = lp.call_soon(move || s.borrow_mut().push("second"));
    first.cancel();
    assert!(first.cancelled());
    lp.block_on(yield_many(2));
    assert_eq!(*seen.borrow(), ["first", "second"]);
}

/// asyncio, `Handle.cancel()` from inside another callback of the same tick: the cancelled callback,
/// still queued, is skipped; a callback cancelling itself while it runs changes nothing.
#[test]
fn callback_can_cancel_a_later_callback_of_the_same_tick() {
    let lp = real_loop();
    let seen = log();
    let victim = Rc::new(RefCell::new(None::<tulip::CallbackHandle>));
    let (s, v) = (seen.clone(), victim.clone());
    let own = Rc::new(RefCell::new(None::<tulip::CallbackHandle>));
    let o = own.clone();
    let a = lp.call_soon(move || {
        s.borrow_mut().push("a");
        if let Some(h) = &*o.borrow() {
            h.cancel();
        }
        if let Some(h) = &*v.borrow() {
            h.cancel();
        }
    });
    *own.borrow_mut() = Some(a);
    let s = seen.clone();
    *victim.borrow_mut() = Some(lp.call_soon(move || s.borrow_mut().push("b")));
    let s = seen.clone();
    lp.call_soon(move || s.borrow_mut().push("c"));
    lp.block_on(yield_many(3));
    assert_eq!(*seen.borrow(), ["a", "c"]);
}

/// asyncio keeps a scheduled callback alive without the `Handle`; tulip: "Dropping the handle does
/// **not** cancel the callback (asyncio semantics)."
#[test]
fn dropping_the_handle_does_not_cancel() {
    let lp = real_loop();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    drop(lp.call_soon(move || r.set(true)));
    lp.block_on(yield_many(2));
    assert!(ran.get());
}

/// asyncio, `asyncio.current_task()`: "Return the currently running Task instance, or None if no task
/// is running" — callbacks run outside any task, on the loop's thread.
#[test]
fn callbacks_run_on_the_loop_thread_outside_any_task() {
    let lp = real_loop();
    let seen = Rc::new(RefCell::new(None));
    let s = seen.clone();
    lp.call_soon(move || {
        *s.borrow_mut() = Some((
            std::thread::current().id(),
            tulip::current_task().is_none(),
            tulip::try_get_running_loop().is_some(),
        ))
    });
    lp.block_on(yield_many(2));
    assert_eq!(
        *seen.borrow(),
        Some((std::thread::current().id(), true, true))
    );
}

/// asyncio, `asyncio.get_running_loop()`: "Raise a RuntimeError if there is no running event loop."
/// tulip's free `call_soon` panics with a message saying what to do instead.
#[test]
#[should_panic(expected = "no running tulip loop")]
fn free_call_soon_outside_a_loop_panics() {
    let _ = tulip::call_soon(|| {});
}
