//! `gather`, `try_gather`, `gather_all`, `gather!`: outputs in input order, fail fast, or every outcome.

mod support;

use std::cell::Cell;
use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, DropCount};
use tulip::time::{now, sleep};
use tulip::{gather, gather_all, try_gather};

/// asyncio: "If all awaitables are completed successfully, the result is an aggregate list of returned
/// values. The order of result values corresponds to the order of awaitables in aws."
///
/// ```python
/// results = await asyncio.gather(work(0.03), work(0.01), work(0.02))
/// assert results == [0.03, 0.01, 0.02]
/// ```
#[test]
fn outputs_come_in_input_order_and_run_concurrently() {
    paused_loop().block_on(async {
        let t0 = now();
        let out = gather([30u64, 10, 20].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            ms
        }))
        .await;
        assert_eq!(out, [30, 10, 20]);
        let took = now() - t0;
        assert!(
            took >= Duration::from_millis(30) && took < Duration::from_millis(60),
            "{took:?}"
        );
    });
}

/// asyncio: `await asyncio.gather()` with no awaitables returns `[]` at once.
#[test]
fn empty_input_gives_an_empty_vec() {
    paused_loop().block_on(async {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(gather(none).await.is_empty());
    });
}

/// asyncio: "If return_exceptions is False (default), the first raised exception is immediately
/// propagated to the task that awaits on gather()." tulip also drops (cancels) the other futures,
/// where asyncio leaves them running.
///
/// ```python
/// await asyncio.gather(asyncio.sleep(3600), crash_after(0.01))   # raises at 0.01
/// ```
#[test]
fn a_panic_propagates_at_once_and_drops_the_others() {
    paused_loop().block_on(async {
        let drops = DropCount::new();
        let tokens = [drops.token(), drops.token()];
        let t0 = now();
        let task = tulip::spawn(async move {
            let [a, b] = tokens;
            let futs: Vec<Pin<Box<dyn Future<Output = ()>>>> = vec![
                Box::pin(async move {
                    let _a = a;
                    sleep(Duration::from_secs(3600)).await;
                }),
                Box::pin(async {
                    sleep(Duration::from_millis(10)).await;
                    panic!("crash");
                }),
                Box::pin(async move {
                    let _b = b;
                    pending::<()>().await;
                }),
            ];
            gather(futs).await
        });
        let err = task.join().await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(drops.get(), 2, "both other futures were dropped");
        assert!(now() - t0 < Duration::from_secs(1));
    });
}

/// asyncio: the first exception propagates from `gather`; tulip's `try_gather` returns the first
/// `Err` at once and cancels the rest.
///
/// ```python
/// try:
///     await asyncio.gather(fetch("a"), fetch("bad"), fetch("c"))
/// except ValueError as e:
///     ...
/// ```
#[test]
fn try_gather_returns_the_first_err_and_cancels_the_rest() {
    paused_loop().block_on(async {
        let drops = DropCount::new();
        let t0 = now();
        let res = try_gather([50u64, 10, 20, 3_600_000].map(|ms| {
            let token = drops.token();
            async move {
                let _token = token;
                sleep(Duration::from_millis(ms)).await;
                if ms == 20 {
                    Err(format!("failed after {ms} ms"))
                } else {
                    Ok(ms)
                }
            }
        }))
        .await;
        assert_eq!(res, Err("failed after 20 ms".to_owned()));
        assert_eq!(now() - t0, Duration::from_millis(20));
        assert_eq!(
            drops.get(),
            4,
            "finished and cancelled futures were all dropped"
        );

        let ok = try_gather([1u8, 2].map(|n| async move { Ok::<_, ()>(n) })).await;
        assert_eq!(ok, Ok(vec![1, 2]));
    });
}

/// asyncio: "If return_exceptions is True, exceptions are treated the same as successful results, and
/// aggregated in the result list."
///
/// ```python
/// results = await asyncio.gather(ok(), crash(), ok(), return_exceptions=True)
/// assert isinstance(results[1], Exception)
/// ```
#[test]
fn gather_all_collects_every_outcome_and_lets_the_others_finish() {
    paused_loop().block_on(async {
        let futs: Vec<Pin<Box<dyn Future<Output = u32>>>> = vec![
            Box::pin(async {
                sleep(Duration::from_millis(30)).await;
                1
            }),
            Box::pin(async {
                sleep(Duration::from_millis(10)).await;
                panic!("crash");
            }),
            Box::pin(async {
                sleep(Duration::from_millis(20)).await;
                3
            }),
        ];
        let out = gather_all(futs).await;
        assert_eq!(out.len(), 3);
        assert_eq!(*out[0].as_ref().unwrap(), 1);
        let payload = out[1].as_ref().unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"crash"));
        assert_eq!(*out[2].as_ref().unwrap(), 3);
    });
}

/// asyncio: `gather` takes awaitables of any type.
///
/// ```python
/// n, s = await asyncio.gather(count(), name())
/// ```
#[test]
fn the_macro_gathers_mixed_types_into_a_tuple() {
    paused_loop().block_on(async {
        let t0 = now();
        let (n, s, unit) = tulip::gather!(
            async {
                sleep(Duration::from_millis(20)).await;
                7u8
            },
            async {
                sleep(Duration::from_millis(10)).await;
                String::from("seven")
            },
            sleep(Duration::from_millis(15)),
        )
        .await;
        assert_eq!((n, s.as_str(), unit), (7, "seven", ()));
        assert_eq!(now() - t0, Duration::from_millis(20));
    });
}

/// Rust only: the futures run in place, so they may borrow local data (no `'static`, no tasks).
#[test]
fn gathered_futures_may_borrow() {
    paused_loop().block_on(async {
        let words = [String::from("a"), String::from("bb")];
        let lens = gather(words.iter().map(|w| async move { w.len() })).await;
        assert_eq!(lens, [1, 2]);
        assert_eq!(words.len(), 2);
    });
}

/// A wake-up polls only the future that was woken: a thousand sleepers with 17 distinct deadlines
/// are polled at most twice each (asyncio schedules one task step per wake-up too).
#[test]
fn a_wake_up_polls_only_the_woken_future() {
    paused_loop().block_on(async {
        let polls = Rc::new(Cell::new(0usize));
        let out = gather((0..1000u64).map(|i| {
            let polls = polls.clone();
            let mut sleeper = Box::pin(sleep(Duration::from_millis(i % 17 + 1)));
            poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                sleeper.as_mut().poll(cx).map(|()| i)
            })
        }))
        .await;
        assert_eq!(out, (0..1000).collect::<Vec<_>>());
        assert_eq!(polls.get(), 2000);
    });
}
