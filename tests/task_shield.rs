//! `shield`: cancelling (dropping) the outer future does not cancel the inner task.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, DropCount};
use tulip::time::{now, sleep};
use tulip::{shield, spawn, wait_for};

/// asyncio: "If the coroutine that awaits shield(something()) is cancelled, the task running in
/// something() is not cancelled."
///
/// ```python
/// async def commit():
///     await asyncio.sleep(0.01)
///     saved.append(True)
///
/// outer = asyncio.create_task(asyncio.shield(commit()))
/// await asyncio.sleep(0)
/// outer.cancel()
/// await asyncio.sleep(0.02)
/// assert saved == [True]
/// ```
#[test]
fn the_inner_task_survives_outer_cancellation() {
    paused_loop().block_on(async {
        let saved = Rc::new(Cell::new(false));
        let s = saved.clone();
        let outer = spawn(shield(async move {
            sleep(Duration::from_millis(10)).await;
            s.set(true);
        }));
        tulip::yield_now().await;
        assert_eq!(outer.cancel().await, None, "the outer task was cancelled");
        assert!(!saved.get());
        sleep(Duration::from_millis(20)).await;
        assert!(saved.get(), "the shielded work still happened");
    });
}

/// asyncio: the classic pattern — a deadline for the caller, not for the work.
///
/// ```python
/// try:
///     await asyncio.wait_for(asyncio.shield(write_log()), timeout=0.01)
/// except TimeoutError:
///     pass   # write_log() keeps running
/// ```
#[test]
fn wait_for_a_shield_times_out_but_the_work_finishes() {
    paused_loop().block_on(async {
        let written = Rc::new(Cell::new(0));
        let w = written.clone();
        let res = wait_for(
            shield(async move {
                sleep(Duration::from_millis(50)).await;
                w.set(w.get() + 1);
            }),
            Duration::from_millis(10),
        )
        .await;
        assert!(res.is_err());
        assert_eq!(written.get(), 0);
        sleep(Duration::from_millis(100)).await;
        assert_eq!(written.get(), 1);
    });
}

/// asyncio: `res = await shield(something())` is `res = await something()` when nothing is cancelled.
#[test]
fn awaiting_a_shield_gives_the_output() {
    paused_loop().block_on(async {
        let t0 = now();
        let out = shield(async {
            sleep(Duration::from_millis(5)).await;
            "done"
        })
        .await;
        assert_eq!(out, "done");
        assert_eq!(now() - t0, Duration::from_millis(5));
    });
}

/// asyncio: an exception in the shielded coroutine reaches whoever awaits the shield.
#[test]
fn a_panic_in_the_inner_task_reaches_the_awaiter() {
    paused_loop().block_on(async {
        let t = spawn(async { shield(async { panic!("inner") }).await });
        let err = t.join().await.unwrap_err();
        assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "inner");
    });
}

/// Cancelling the inner task itself is still possible, through `into_task`.
#[test]
fn the_inner_task_can_be_cancelled_explicitly() {
    paused_loop().block_on(async {
        let drops = DropCount::new();
        let token = drops.token();
        let s = shield(async move {
            let _token = token;
            sleep(Duration::from_secs(3600)).await;
        });
        tulip::yield_now().await;
        assert_eq!(s.into_task().cancel().await, None);
        assert_eq!(drops.get(), 1);
    });
}
