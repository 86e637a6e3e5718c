//! Debug mode: slow task polls and callbacks are reported to the exception handler, naming the task.

mod support;

use std::time::Duration;

use support::{record_exceptions, yield_many};
use tulip::{ExceptionKind, Loop};

const THRESHOLD: Duration = Duration::from_millis(5);
/// Well past the threshold; `thread::sleep` never sleeps less.
const SLOW: Duration = Duration::from_millis(20);

fn debug_loop(on: bool) -> Loop {
    Loop::builder()
        .debug(on)
        .slow_callback_duration(THRESHOLD)
        .build()
        .unwrap()
}

/// asyncio debug mode: "Callbacks taking longer than 100 milliseconds are logged. The
/// `loop.slow_callback_duration` attribute can be used to set the minimum execution duration in seconds
/// that is considered 'slow'." ("Executing <Task ...> took 0.153 seconds".) tulip reports a slow task
/// poll as `ExceptionKind::SlowCallback` with the task's name and spawn location.
#[test]
fn slow_task_poll_is_reported_with_the_task_name() {
    let lp = debug_loop(true);
    assert!(lp.debug());
    assert_eq!(lp.slow_callback_duration(), THRESHOLD);
    let records = record_exceptions(&lp);
    let line = lp.block_on(async {
        let builder = tulip::task::Builder::new().name("x");
        let (line, task) = (line!(), builder.spawn(async { std::thread::sleep(SLOW) }));
        task.await;
        line
    });
    let records = records.borrow();
    let slow: Vec<_> = records
        .iter()
        .filter(|r| matches!(r.kind, ExceptionKind::SlowCallback { .. }))
        .collect();
    assert_eq!(slow.len(), 1, "{records:?}");
    let r = slow[0];
    let ExceptionKind::SlowCallback { elapsed } = r.kind else {
        unreachable!()
    };
    assert!(elapsed >= SLOW, "{elapsed:?}");
    assert_eq!(r.task_name.as_deref(), Some("x"));
    assert_eq!(r.task_location, Some((file!(), line)));
    assert!(r.message.contains("'x'"), "{}", r.message);
}

/// asyncio debug mode times callbacks too ("Executing <Handle ...> took ... seconds").
#[test]
fn slow_callback_is_reported() {
    let lp = debug_loop(true);
    let records = record_exceptions(&lp);
    lp.call_soon(|| std::thread::sleep(SLOW));
    lp.block_on(yield_many(2));
    let records = records.borrow();
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(matches!(records[0].kind, ExceptionKind::SlowCallback { elapsed } if elapsed >= SLOW));
    assert_eq!(records[0].task_name, None);
}

/// asyncio: debug mode is off by default, and then nothing is timed or reported. The same slow task and
/// callback on a loop with debug off report nothing.
#[test]
fn nothing_reported_when_debug_is_off() {
    let lp = debug_loop(false);
    assert!(!lp.debug());
    let records = record_exceptions(&lp);
    lp.call_soon(|| std::thread::sleep(SLOW));
    lp.block_on(async {
        tulip::task::Builder::new()
            .name("x")
            .spawn(async { std::thread::sleep(SLOW) })
            .await;
    });
    assert!(records.borrow().is_empty(), "{:?}", records.borrow());
}

/// Fast polls are not reported, even in debug mode (a generous threshold: nothing here takes seconds).
#[test]
fn fast_polls_are_not_reported() {
    let lp = Loop::builder()
        .debug(true)
        .slow_callback_duration(Duration::from_secs(10))
        .build()
        .unwrap();
    let records = record_exceptions(&lp);
    lp.block_on(async {
        for _ in 0..10 {
            tulip::spawn(tulip::yield_now()).await;
        }
        tulip::call_soon(|| {});
        yield_many(2).await;
    });
    assert!(records.borrow().is_empty());
}

/// asyncio, `loop.set_debug(enabled)` and assigning `loop.slow_callback_duration` at run time.
#[test]
fn debug_can_be_switched_at_run_time() {
    let lp = debug_loop(false);
    let records = record_exceptions(&lp);
    lp.call_soon(|| std::thread::sleep(SLOW));
    lp.block_on(yield_many(2));
    assert!(records.borrow().is_empty());
    lp.set_debug(true);
    lp.set_slow_callback_duration(Duration::from_millis(1));
    assert_eq!(lp.slow_callback_duration(), Duration::from_millis(1));
    lp.call_soon(|| std::thread::sleep(SLOW));
    lp.block_on(yield_many(2));
    assert_eq!(records.borrow().len(), 1);
}

/// asyncio's default `slow_callback_duration` is 100 ms.
#[test]
fn default_threshold_is_100ms() {
    assert_eq!(
        Loop::new().unwrap().slow_callback_duration(),
        Duration::from_millis(100)
    );
}
