//! `Queue.shutdown()` / `shutdown(immediate=True)` and `QueueShutDown` (asyncio 3.13), for the FIFO,
//! priority and LIFO queues.

mod support;

use std::rc::Rc;

use support::{paused_loop, yield_many};
use tulip::spawn;
use tulip::sync::{LifoQueue, PriorityQueue, Queue, QueueShutDown, TryGetError, TryPutError};

/// asyncio: after `shutdown()`, "all blocked callers of put() will be unblocked" and raise
/// `QueueShutDown`; `put_nowait` raises too. Here the item comes back.
#[test]
fn shutdown_wakes_a_blocked_putter_with_its_item_and_refuses_new_puts() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::bounded(1));
        q.put(1).await.unwrap();
        let q2 = q.clone();
        let putter = spawn(async move { q2.put(2).await });
        yield_many(2).await;
        assert!(!putter.is_finished());
        q.shutdown();
        assert_eq!(putter.await, Err(QueueShutDown(2)));
        assert_eq!(q.put_nowait(3), Err(TryPutError::ShutDown(3)));
        assert!(q.is_shut_down());
    });
}

/// asyncio: "get() ... raise QueueShutDown once the queue is empty": queued items are still handed
/// out after a graceful shutdown, then getters fail.
#[test]
fn graceful_shutdown_hands_out_queued_items_then_get_fails() {
    paused_loop().block_on(async {
        let q = Queue::new();
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        q.shutdown();
        let mut got = Vec::new();
        while let Ok(item) = q.get().await {
            got.push(item);
        }
        assert_eq!(got, [0, 1, 2]);
        assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
    });
}

/// Blocked getters (workers waiting on an empty queue) are all woken by `shutdown()` and end.
#[test]
fn shutdown_wakes_every_blocked_getter() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::<u32>::new());
        let getters: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                spawn(async move { q.get().await })
            })
            .collect();
        yield_many(2).await;
        q.shutdown();
        for g in getters {
            assert_eq!(g.await, Err(QueueShutDown(())));
        }
    });
}

/// asyncio: `shutdown(immediate=True)` empties the queue and calls `task_done` for each removed item,
/// so a `join()` waiting on them returns. tulip returns the removed items instead of dropping them.
#[test]
fn immediate_shutdown_returns_the_items_and_releases_join() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        let q2 = q.clone();
        let joiner = spawn(async move { q2.join().await });
        yield_many(2).await;
        assert!(!joiner.is_finished());
        assert_eq!(q.shutdown_immediate(), [0, 1, 2]);
        joiner.await;
        assert_eq!(q.get().await, Err(QueueShutDown(())));
        assert!(q.empty());
    });
}

/// An item handed out before the shutdown still needs its `task_done` for `join` (asyncio counts only
/// the removed items).
#[test]
fn immediate_shutdown_keeps_join_waiting_for_items_already_handed_out() {
    paused_loop().block_on(async {
        let q = Rc::new(Queue::new());
        q.put_nowait("taken").unwrap();
        q.put_nowait("queued").unwrap();
        assert_eq!(q.get().await, Ok("taken"));
        assert_eq!(q.shutdown_immediate(), ["queued"]);
        let q2 = q.clone();
        let joiner = spawn(async move { q2.join().await });
        yield_many(3).await;
        assert!(!joiner.is_finished());
        q.task_done().unwrap();
        joiner.await;
    });
}

/// The priority and LIFO queues shut down the same way; the removed items come in get order.
#[test]
fn priority_and_lifo_queues_shut_down_in_get_order() {
    paused_loop().block_on(async {
        let pq = PriorityQueue::new();
        for i in [5, 1, 3] {
            pq.put_nowait(i).unwrap();
        }
        assert_eq!(pq.shutdown_immediate(), [1, 3, 5]);
        assert!(pq.put(0).await.is_err());

        let lq = LifoQueue::new();
        for i in [5, 1, 3] {
            lq.put_nowait(i).unwrap();
        }
        lq.shutdown();
        assert_eq!(lq.get().await, Ok(3));
        assert_eq!(lq.shutdown_immediate(), [1, 5]);
        assert_eq!(lq.get_nowait(), Err(TryGetError::ShutDown));
    });
}
