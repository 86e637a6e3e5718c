//! `spawn_blocking` / `Handle::run_in_executor`: results come back and the loop keeps running meanwhile.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use support::real_loop;
use tulip::time::{interval, timeout};

/// asyncio, `loop.run_in_executor(None, func)`: "Arrange for func to be called in the specified
/// executor" and return an awaitable for its result; `asyncio.to_thread`: "Asynchronously run function
/// func in a separate thread."
#[test]
fn results_come_back() {
    real_loop().block_on(async {
        let loop_thread = std::thread::current().id();
        let (n, on) =
            tulip::spawn_blocking(move || ((1..=100u64).sum::<u64>(), std::thread::current().id()))
                .await;
        assert_eq!(n, 5050);
        assert_ne!(on, loop_thread, "ran on a pool thread");
        let h = tulip::Handle::current();
        assert_eq!(
            h.run_in_executor(|| "from the pool".to_owned()).await,
            "from the pool"
        );
    });
}

/// asyncio: the point of `run_in_executor` is that "blocking (CPU-bound) code should not be called
/// directly" on the loop. Here the blocking job waits until the loop's 1 ms timer has ticked three
/// times: it can only finish if the loop keeps firing timers while it runs.
#[test]
fn blocking_work_does_not_block_the_loop() {
    real_loop().block_on(async {
        let (tx, rx) = mpsc::channel::<u32>();
        let job = tulip::spawn_blocking(move || {
            (0..3)
                .map(|_| rx.recv_timeout(Duration::from_secs(60)))
                .collect::<Result<Vec<_>, _>>()
        });
        let ticker = tulip::spawn(async move {
            let mut every = interval(Duration::from_millis(1));
            for n in 1..=3 {
                every.tick().await;
                tx.send(n).unwrap();
            }
        });
        assert_eq!(
            job.await,
            Ok(vec![1, 2, 3]),
            "the loop ticked while the job blocked"
        );
        ticker.await;

        let h = tulip::Handle::current();
        let (tx, rx) = mpsc::channel::<()>();
        let job = h.run_in_executor(move || rx.recv_timeout(Duration::from_secs(60)).is_ok());
        let mut every = interval(Duration::from_millis(1));
        every.tick().await;
        every.tick().await;
        tx.send(()).unwrap();
        assert!(job.await);
    });
}

/// Several blocking jobs run at once on the pool (each waits for all the others to start).
#[test]
fn jobs_run_in_parallel() {
    const JOBS: usize = 4;
    real_loop().block_on(async {
        let barrier = Arc::new(Barrier::new(JOBS));
        let jobs: Vec<_> = (0..JOBS)
            .map(|i| {
                let b = barrier.clone();
                tulip::spawn_blocking(move || {
                    b.wait();
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for j in jobs {
            sum += timeout(Duration::from_secs(60), j)
                .await
                .expect("all jobs met");
        }
        assert_eq!(sum, 6);
    });
}

/// asyncio, `run_in_executor`: an exception in `func` is raised by the awaitable. A panic in a blocking
/// job resumes in the task that awaits it, which `join` then reports.
#[test]
fn panic_in_a_job_reaches_the_awaiting_task() {
    real_loop().block_on(async {
        let err = tulip::spawn(async { tulip::spawn_blocking(|| panic!("in the pool")).await })
            .join()
            .await
            .unwrap_err();
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"in the pool"));
    });
}

/// `detach` lets a job finish in the background (its result is dropped).
#[test]
fn detached_job_runs_to_completion() {
    real_loop().block_on(async {
        let (tx, rx) = mpsc::channel();
        tulip::spawn_blocking(move || tx.send(7).unwrap()).detach();
        let got = tulip::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60))).await;
        assert_eq!(got, Ok(7));
    });
}
