//! asyncio's `Queue` worker pool ported to tulip (`tests/asyncio_ports/queue_workers.py`): a producer
//! blocked on a full bounded queue, three workers with `task_done`, `join`, then the workers cancelled.
//! The port must print python3's trace line for line.

mod support;

use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use support::trace::{finally, Trace};
use tulip::sync::Queue;
use tulip::time::{now, sleep};

/// What `python3 tests/asyncio_ports/queue_workers.py` prints (CPython 3.11, on the paused clock of
/// `vclock.py`): who gets which job and when the producer gets room, in the bounded queue's wake-up
/// order.
const PYTHON_TRACE: &str = "\
put 30 qsize=1
put 10 qsize=2
w0 got 30
w1 got 10
put 20 qsize=1
put 10 qsize=2
w2 got 20
put 5 qsize=2
w1 done 10
w1 got 10
put 40 qsize=2
w2 done 20
w2 got 5
w1 done 10
w1 got 40
w2 done 5
w0 done 30
w1 done 40
joined at 60
cancel requested
w0 cancelled
w1 cancelled
w2 cancelled
workers gone";

/// ```python
/// async def worker(name, q):
///     try:
///         while True:
///             job = await q.get()
///             trace.append(f"{name} got {job}")
///             await asyncio.sleep(job / 1000)
///             trace.append(f"{name} done {job}")
///             q.task_done()
///     finally:
///         trace.append(f"{name} cancelled")
/// ```
async fn worker(name: &'static str, q: Rc<Queue<u64>>, trace: Trace) {
    let t = trace.clone();
    let _finally = finally(move || t.push(format!("{name} cancelled")));
    loop {
        let job = q.get().await.expect("the queue is never shut down");
        trace.push(format!("{name} got {job}"));
        sleep(Duration::from_millis(job)).await;
        trace.push(format!("{name} done {job}"));
        q.task_done().expect("one task_done per job");
    }
}

/// ```python
/// q = asyncio.Queue(maxsize=2)
/// workers = [asyncio.create_task(worker(f"w{i}", q)) for i in range(3)]
/// for job in [30, 10, 20, 10, 5, 40]:
///     await q.put(job)
///     trace.append(f"put {job} qsize={q.qsize()}")
/// await q.join()
/// trace.append(f"joined at {round((loop.time() - t0) * 1000)}")
/// for w in workers:
///     w.cancel()
/// trace.append("cancel requested")
/// await asyncio.gather(*workers, return_exceptions=True)
/// trace.append("workers gone")
/// ```
///
/// `w.cancel()` does not wait in asyncio; `Task::cancel()` is a future that requests the cancellation
/// when first polled and ends once the task's future is dropped, so the port gathers those futures.
#[test]
fn bounded_queue_worker_pool_runs_in_asyncio_order() {
    let trace = Trace::new();
    let t = trace.clone();
    paused_loop().block_on(async move {
        let t0 = now();
        let q = Rc::new(Queue::bounded(2));
        let workers: Vec<_> = ["w0", "w1", "w2"]
            .into_iter()
            .map(|name| tulip::spawn(worker(name, q.clone(), t.clone())))
            .collect();
        for job in [30, 10, 20, 10, 5, 40] {
            q.put(job).await.unwrap();
            t.push(format!("put {job} qsize={}", q.qsize()));
        }
        q.join().await;
        t.push(format!("joined at {}", (now() - t0).as_millis()));
        let cancels: Vec<_> = workers.into_iter().map(|w| w.cancel()).collect();
        t.push("cancel requested");
        tulip::gather(cancels).await;
        t.push("workers gone");
    });
    trace.assert_eq_python(PYTHON_TRACE);
}
