//! Where cancellation lands relative to the code that caused it, compared with python3's asyncio
//! (`scripts/asyncio_ref/task_group_failure_order.py`): a failing `TaskGroup` child, a cancelled awaiter
//! of a `shield`, an elapsed `timeout`. Cancellation is drop here; `Drop` stands for `finally:`.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::time::{sleep, timeout};
use tulip::TaskGroup;

type Log = Rc<RefCell<Vec<String>>>;

/// Pushes `name` when dropped: the `finally:` block of the Python version.
struct Finally(Log, &'static str);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.borrow_mut().push(self.1.into());
    }
}

/// ```python
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(sibling("s1")); tg.create_task(fail()); tg.create_task(sibling("s2"))
///     order.append("body end")
/// # except* ValueError: order.append("group raised")
/// # ['body end', 'fail raises', 's1 cancelled', 's2 cancelled', 'group raised']
/// ```
#[test]
fn a_failing_child_cancels_its_siblings_in_order_before_the_group_reports() {
    let order: Log = Rc::default();
    let o = order.clone();
    paused_loop().block_on(async move {
        let group = TaskGroup::new();
        for name in ["s1 cancelled", "fail", "s2 cancelled"] {
            let o = o.clone();
            if name == "fail" {
                group.spawn(async move {
                    tulip::yield_now().await;
                    o.borrow_mut().push("fail raises".into());
                    panic!("boom");
                });
            } else {
                group.spawn(async move {
                    let _f = Finally(o, name);
                    sleep(Duration::from_secs(10)).await;
                });
            }
        }
        o.borrow_mut().push("body end".into());
        let res = group.join().await;
        assert!(res.is_err());
        o.borrow_mut().push("group raised".into());
    });
    assert_eq!(
        *order.borrow(),
        [
            "body end",
            "fail raises",
            "s1 cancelled",
            "s2 cancelled",
            "group raised"
        ]
    );
}

/// ```python
/// it = asyncio.create_task(inner())            # waits for ev, then appends "inner done"
/// ot = asyncio.create_task(outer())            # await asyncio.shield(it)
/// await asyncio.sleep(0); ot.cancel(); await asyncio.sleep(0); ev.set(); await it
/// # ['outer cancelled', 'inner done']
/// ```
#[test]
fn cancelling_the_awaiter_of_a_shield_leaves_the_inner_work_running() {
    let order: Log = Rc::default();
    let o = order.clone();
    paused_loop().block_on(async move {
        let ev = Rc::new(tulip::sync::Event::new());
        let (e, oi) = (ev.clone(), o.clone());
        let shielded = tulip::shield(async move {
            e.wait().await;
            oi.borrow_mut().push("inner done".into());
        });
        let oo = o.clone();
        let outer = tulip::spawn(async move {
            let _f = Finally(oo, "outer cancelled");
            shielded.await;
        });
        tulip::yield_now().await;
        drop(outer);
        tulip::yield_now().await;
        ev.set();
        for _ in 0..3 {
            tulip::yield_now().await;
        }
    });
    assert_eq!(*order.borrow(), ["outer cancelled", "inner done"]);
}

/// ```python
/// try:
///     await asyncio.wait_for(slow(), 0.01)     # slow: try: await asyncio.sleep(10) finally: ...
/// except TimeoutError:
///     order.append("TimeoutError")
/// # ['slow cancelled', 'TimeoutError']
/// ```
/// With the result bound by `let`, the timed-out future is dropped before the next statement, as
/// asyncio cancels it before raising.
#[test]
fn an_elapsed_timeout_drops_the_future_before_the_caller_handles_it() {
    let order: Log = Rc::default();
    let o = order.clone();
    paused_loop().block_on(async move {
        let of = o.clone();
        let res = timeout(Duration::from_millis(10), async move {
            let _f = Finally(of, "slow cancelled");
            sleep(Duration::from_secs(10)).await;
        })
        .await;
        if res.is_err() {
            o.borrow_mut().push("TimeoutError".into());
        }
    });
    assert_eq!(*order.borrow(), ["slow cancelled", "TimeoutError"]);
}

/// The same handled in a `match` on the awaited timeout: the future must still be gone when the arm
/// runs, as in asyncio.
#[test]
fn an_elapsed_timeout_drops_the_future_before_a_match_arm_runs() {
    let order: Log = Rc::default();
    let o = order.clone();
    paused_loop().block_on(async move {
        let of = o.clone();
        match timeout(Duration::from_millis(10), async move {
            let _f = Finally(of, "slow cancelled");
            sleep(Duration::from_secs(10)).await;
        })
        .await
        {
            Ok(()) => unreachable!(),
            Err(_) => o.borrow_mut().push("TimeoutError".into()),
        }
    });
    assert_eq!(*order.borrow(), ["slow cancelled", "TimeoutError"]);
}
