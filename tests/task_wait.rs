//! `wait` (each `ReturnWhen`, timeout), `as_completed`, `wait_for`.

mod support;

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use futures_lite::Stream;
use support::paused_loop;
use tulip::time::{now, sleep};
use tulip::{as_completed, spawn, wait_for, Task};
use tulip::{wait, ReturnWhen};

fn sleeper(ms: u64) -> Task<u64> {
    spawn(async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    })
}

/// asyncio: `FIRST_COMPLETED` — "The function will return when any future finishes or is cancelled."
///
/// ```python
/// done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
/// ```
#[test]
fn first_completed_returns_when_one_task_ends() {
    paused_loop().block_on(async {
        let t0 = now();
        let (done, pending) =
            wait([30, 10, 20].map(sleeper), ReturnWhen::FirstCompleted, None).await;
        assert_eq!(now() - t0, Duration::from_millis(10));
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 2);
        assert_eq!(done.into_iter().next().unwrap().await, 10);
        assert!(
            pending.iter().all(|t| !t.is_finished()),
            "nothing was cancelled"
        );
        for t in pending {
            t.await;
        }
    });
}

/// asyncio: `FIRST_EXCEPTION` — "The function will return when any future finishes by raising an
/// exception. If no future raises an exception then it is equivalent to ALL_COMPLETED."
///
/// ```python
/// done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
/// ```
#[test]
fn first_exception_returns_at_the_first_panic() {
    paused_loop().block_on(async {
        let t0 = now();
        let ok = sleeper(10);
        let crash = spawn(async {
            sleep(Duration::from_millis(20)).await;
            panic!("crash");
        });
        let slow = spawn(async {
            sleep(Duration::from_secs(3600)).await;
        });
        let tasks: Vec<Task<()>> = vec![
            spawn(async move {
                ok.await;
            }),
            crash,
            slow,
        ];
        let (done, pending) = wait(tasks, ReturnWhen::FirstException, None).await;
        assert_eq!(now() - t0, Duration::from_millis(20));
        assert_eq!((done.len(), pending.len()), (2, 1));
        assert!(done[1].outcome().unwrap().is_panicked());
    });
}

/// asyncio: with no exception, `FIRST_EXCEPTION` waits for everything.
#[test]
fn first_exception_without_a_panic_waits_for_all() {
    paused_loop().block_on(async {
        let t0 = now();
        let (done, pending) = wait([5, 15].map(sleeper), ReturnWhen::FirstException, None).await;
        assert_eq!(now() - t0, Duration::from_millis(15));
        assert_eq!((done.len(), pending.len()), (2, 0));
    });
}

/// asyncio: `ALL_COMPLETED` — "The function will return when all futures finish or are cancelled."
///
/// ```python
/// done, pending = await asyncio.wait(tasks)   # ALL_COMPLETED is the default
/// assert not pending
/// ```
#[test]
fn all_completed_waits_for_every_task() {
    paused_loop().block_on(async {
        let t0 = now();
        let (done, pending) = wait([30, 10, 20].map(sleeper), ReturnWhen::default(), None).await;
        assert_eq!(now() - t0, Duration::from_millis(30));
        assert!(pending.is_empty());
        let mut outs = Vec::new();
        for t in done {
            outs.push(t.await);
        }
        assert_eq!(outs, [30, 10, 20], "done keeps the input order");
    });
}

/// asyncio: "Note that this function does not raise TimeoutError. Futures or Tasks that aren't done
/// when the timeout occurs are simply returned in the second set."
///
/// ```python
/// done, pending = await asyncio.wait(tasks, timeout=0.05)
/// ```
#[test]
fn a_timeout_leaves_the_rest_pending_and_running() {
    paused_loop().block_on(async {
        let t0 = now();
        let (done, pending) = wait(
            [10, 100, 200].map(sleeper),
            ReturnWhen::AllCompleted,
            Some(Duration::from_millis(50)),
        )
        .await;
        assert_eq!(now() - t0, Duration::from_millis(50));
        assert_eq!((done.len(), pending.len()), (1, 2));
        let mut rest = Vec::new();
        for t in pending {
            rest.push(t.await);
        }
        assert_eq!(rest, [100, 200], "the pending tasks were not cancelled");
    });
}

/// asyncio raises `ValueError` for an empty set; tulip returns two empty `Vec`s at once.
#[test]
fn empty_input_returns_at_once() {
    paused_loop().block_on(async {
        let none: Vec<Task<()>> = Vec::new();
        let (done, pending) = wait(none, ReturnWhen::AllCompleted, None).await;
        assert!(done.is_empty() && pending.is_empty());
    });
}

/// asyncio: "Return an iterator of coroutines. Each coroutine returned can be awaited to get the
/// earliest next result from the iterable of the remaining awaitables."
///
/// ```python
/// for coro in asyncio.as_completed([work(0.03), work(0.01), work(0.02)]):
///     print(await coro)     # 0.01, 0.02, 0.03
/// ```
#[test]
fn as_completed_yields_in_completion_order() {
    paused_loop().block_on(async {
        let mut stream = as_completed([30u64, 10, 20].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            ms
        }));
        assert_eq!(stream.size_hint(), (3, Some(3)));
        let mut order = Vec::new();
        while let Some(ms) = stream.next().await {
            order.push((ms, now()));
        }
        let ms: Vec<_> = order.iter().map(|(ms, _)| *ms).collect();
        assert_eq!(ms, [10, 20, 30]);
        assert!(
            order[0].1 < order[1].1,
            "each output comes as soon as it is ready"
        );
        assert!(stream.is_empty());
    });
}

/// The same through the `futures_core::Stream` trait, with tasks' `join` futures.
#[test]
fn as_completed_is_a_stream() {
    paused_loop().block_on(async {
        let mut stream = as_completed([20, 10].map(|ms| sleeper(ms).join()));
        let first = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
        assert_eq!(first.unwrap().unwrap(), 10);
        let second = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
        assert_eq!(second.unwrap().unwrap(), 20);
        assert!(poll_fn(|cx| Pin::new(&mut stream).poll_next(cx))
            .await
            .is_none());
    });
}

/// asyncio: "Wait for the aw awaitable to complete with a timeout. ... If a timeout occurs, it cancels
/// the task and raises TimeoutError."
///
/// ```python
/// try:
///     await asyncio.wait_for(asyncio.sleep(3600), timeout=0.01)
/// except TimeoutError:
///     ...
/// ```
#[test]
fn wait_for_times_out_or_passes_the_output_through() {
    paused_loop().block_on(async {
        let t0 = now();
        let err = wait_for(sleep(Duration::from_secs(3600)), Duration::from_millis(10))
            .await
            .unwrap_err();
        assert_eq!(now() - t0, Duration::from_millis(10));
        assert_eq!(
            std::io::Error::from(err).kind(),
            std::io::ErrorKind::TimedOut
        );
        assert_eq!(
            wait_for(async { 5 }, Duration::from_millis(10)).await,
            Ok(5)
        );
    });
}
