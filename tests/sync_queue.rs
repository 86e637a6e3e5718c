//! `Queue`, `PriorityQueue`, `LifoQueue`: order, bounds, nowait errors, `task_done` / `join`.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use support::paused_loop;
use tulip::spawn;
use tulip::sync::{LifoQueue, PriorityQueue, Queue, TaskDoneError, TryGetError, TryPutError};
use tulip::time::{now, sleep};

/// asyncio: "Block until all items in the queue have been gotten and processed. The count of
/// unfinished tasks goes up whenever an item is added to the queue. The count goes down whenever a
/// consumer coroutine calls task_done()."
///
/// ```python
/// for job in range(6):
///     q.put_nowait(job)
/// workers = [asyncio.create_task(worker(q)) for _ in range(3)]
/// await q.join()          # returns only after the 6th task_done()
/// ```
#[test]
fn join_waits_for_every_task_done() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        let processed = Rc::new(Cell::new(0));
        for job in 0..6u64 {
            q.put_nowait(job).unwrap();
        }
        for _ in 0..3 {
            let (q, processed) = (q.clone(), processed.clone());
            spawn(async move {
                loop {
                    let job = q.get().await.unwrap();
                    sleep(Duration::from_millis(10 * (job + 1))).await;
                    processed.set(processed.get() + 1);
                    q.task_done().unwrap();
                }
            })
            .detach();
        }
        let t0 = now();
        q.join().await;
        assert_eq!(
            processed.get(),
            6,
            "join returned only after the last task_done"
        );
        assert!(q.empty());
        assert!(now() - t0 >= Duration::from_millis(60));
        q.join().await; // nothing unfinished: returns at once
    });
}

/// asyncio: `join` waits for `task_done`, not for `get`: an item taken but not marked keeps it waiting.
#[test]
fn join_does_not_return_on_get_alone() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        q.put_nowait(1).unwrap();
        let q2 = q.clone();
        let joiner = spawn(async move { q2.join().await });
        assert_eq!(q.get().await.unwrap(), 1);
        sleep(Duration::from_millis(10)).await;
        assert!(
            !joiner.is_finished(),
            "the item was got but not marked done"
        );
        q.task_done().unwrap();
        joiner.await;
    });
}

/// asyncio: "If the queue is full, wait until a free slot is available before adding the item."
///
/// ```python
/// q = asyncio.Queue(maxsize=1)
/// await q.put(1)
/// putter = asyncio.create_task(q.put(2))   # blocks
/// ```
#[test]
fn a_bounded_put_waits_while_the_queue_is_full() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::bounded(1));
        q.put(1).await.unwrap();
        assert!(q.full());
        let q2 = q.clone();
        let putter = spawn(async move { q2.put(2).await });
        sleep(Duration::from_millis(10)).await;
        assert!(!putter.is_finished(), "the putter waits for room");
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get().await.unwrap(), 1);
        putter.await.unwrap();
        assert_eq!(q.get_nowait(), Ok(2));
    });
}

/// asyncio: `put_nowait` — "If no free slot is immediately available, raise QueueFull";
/// `get_nowait` — "Return an item if one is immediately available, else raise QueueEmpty."
#[test]
fn nowait_calls_return_typed_errors() {
    let q = Queue::bounded(2);
    assert_eq!(q.get_nowait(), Err(TryGetError::Empty));
    q.put_nowait("a").unwrap();
    q.put_nowait("b").unwrap();
    let TryPutError::Full(back) = q.put_nowait("c").unwrap_err() else {
        panic!("expected Full")
    };
    assert_eq!(back, "c", "the rejected item comes back");
    assert_eq!((q.qsize(), q.maxsize(), q.full()), (2, Some(2), true));
    let unbounded = Queue::new();
    for i in 0..10_000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.full());
    assert_eq!(unbounded.maxsize(), None);
}

/// asyncio: `task_done` — "Raises ValueError if called more times than there were items placed in the
/// queue."
#[test]
fn task_done_called_too_often_is_an_error() {
    let q = Queue::new();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    q.put_nowait(()).unwrap();
    q.get_nowait().unwrap();
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(
        TaskDoneError.to_string(),
        "task_done() called too many times"
    );
}

/// asyncio: `Queue` is FIFO, `PriorityQueue` "retrieves entries in priority order (lowest first)",
/// `LifoQueue` "retrieves most recently added entries first".
///
/// ```python
/// for item in (3, 1, 2):
///     q.put_nowait(item)
/// [q.get_nowait() for _ in range(3)]   # [3, 1, 2] / [1, 2, 3] / [2, 1, 3]
/// ```
#[test]
fn each_queue_hands_items_out_in_its_order() {
    let fifo = Queue::new();
    let prio = PriorityQueue::new();
    let lifo = LifoQueue::new();
    for item in [3, 1, 2] {
        fifo.put_nowait(item).unwrap();
        prio.put_nowait(item).unwrap();
        lifo.put_nowait(item).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, TryGetError>| -> Vec<i32> {
        std::iter::from_fn(|| get().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.get_nowait()), [3, 1, 2]);
    assert_eq!(drain(&|| prio.get_nowait()), [1, 2, 3]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 1, 3]);
}

/// asyncio: "entries are typically tuples of the form (priority_number, data)".
#[test]
fn priority_tuples_come_out_smallest_first() {
    paused_loop().block_on(async {
        let q = PriorityQueue::bounded(3);
        q.put((2, "normal")).await.unwrap();
        q.put((9, "low")).await.unwrap();
        q.put((0, "urgent")).await.unwrap();
        assert_eq!(q.get().await.unwrap(), (0, "urgent"));
        assert_eq!(q.get().await.unwrap(), (2, "normal"));
        assert_eq!(q.get().await.unwrap(), (9, "low"));
    });
}

/// asyncio: getters are served in the order they started waiting.
#[test]
fn waiting_getters_are_served_in_order() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        let got = Rc::new(RefCell::new(Vec::new()));
        let getters: Vec<_> = (0..3)
            .map(|id| {
                let (q, got) = (q.clone(), got.clone());
                spawn(async move {
                    let item = q.get().await.unwrap();
                    got.borrow_mut().push((id, item));
                })
            })
            .collect();
        tulip::yield_now().await;
        for item in ["a", "b", "c"] {
            q.put_nowait(item).unwrap();
        }
        for g in getters {
            g.await;
        }
        assert_eq!(*got.borrow(), [(0, "a"), (1, "b"), (2, "c")]);
    });
}

/// asyncio: a cancelled `get()` takes no item; the item goes to the next getter.
#[test]
fn a_cancelled_getter_loses_no_item() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        let (q1, q2) = (q.clone(), q.clone());
        let first = spawn(async move { q1.get().await.unwrap() });
        let second = spawn(async move { q2.get().await.unwrap() });
        tulip::yield_now().await;
        q.put_nowait(1).unwrap(); // wakes `first`...
        assert_eq!(first.cancel().await, None); // ...which is cancelled before it runs
        assert_eq!(second.await, 1, "the wake-up passed on to the next getter");
    });
}

/// Rust only: the queues are `Send + Sync`, so a thread can feed a loop.
#[test]
fn a_thread_can_feed_a_loop() {
    let q = Arc::new(Queue::bounded(4));
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let lp = tulip::Loop::new().unwrap();
            lp.block_on(async {
                for i in 0..100 {
                    q.put(i).await.unwrap();
                }
            });
        })
    };
    let sum = tulip::run(async {
        let mut sum = 0;
        for _ in 0..100 {
            sum += q.get().await.unwrap();
        }
        sum
    });
    producer.join().unwrap();
    assert_eq!(sum, 4950);
}
