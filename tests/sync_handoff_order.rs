//! Who gets a lock, a semaphore permit or a queue item released in the same step that another caller
//! asks for it, compared with python3's asyncio (`scripts/asyncio_ref/handoff_order.py`).

use std::cell::RefCell;
use std::rc::Rc;

use tulip::sync::{Lock, Queue, Semaphore};

type Log = Rc<RefCell<Vec<String>>>;

/// ```python
/// await lock.acquire()
/// t = asyncio.create_task(b())        # b: async with lock: order.append("b")
/// await asyncio.sleep(0)
/// lock.release()
/// lock.locked()                           # False (b has not run yet)
/// async with lock: order.append("main")   # queued behind b: ['b', 'main']
/// ```
#[test]
fn a_lock_released_to_a_waiter_is_not_taken_by_a_caller_in_the_same_step() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let lock = Rc::new(Lock::new(()));
        let held = lock.acquire().await;
        let (l, ob) = (lock.clone(), o.clone());
        let t = tulip::spawn(async move {
            let _g = l.acquire().await;
            ob.borrow_mut().push("b".into());
        });
        tulip::yield_now().await;
        drop(held);
        // asyncio: `lock.locked()` is False here, though a new acquirer still waits behind b.
        o.borrow_mut().push(format!("locked={}", lock.locked()));
        assert!(lock.try_acquire().is_none());
        {
            let _g = lock.acquire().await;
            o.borrow_mut().push("main".into());
        }
        t.await;
    });
    assert_eq!(*order.borrow(), ["locked=false", "b", "main"]);
}

/// ```python
/// sem = asyncio.Semaphore(1); await sem.acquire()
/// t = asyncio.create_task(b()); await asyncio.sleep(0)     # b waits
/// sem.release()
/// sem.locked()                     # True: the permit is b's
/// async with sem: order.append("main")      # ['b', 'main']
/// ```
#[test]
fn a_permit_released_to_a_waiter_is_not_taken_by_a_caller_in_the_same_step() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let sem = Rc::new(Semaphore::new(1));
        let held = sem.acquire().await;
        let (s, ob) = (sem.clone(), o.clone());
        let t = tulip::spawn(async move {
            let _g = s.acquire().await;
            ob.borrow_mut().push("b".into());
        });
        tulip::yield_now().await;
        drop(held);
        o.borrow_mut().push(format!("locked={}", sem.locked()));
        {
            let _g = sem.acquire().await;
            o.borrow_mut().push("main".into());
        }
        t.await;
    });
    assert_eq!(*order.borrow(), ["locked=true", "b", "main"]);
}

/// ```python
/// t = asyncio.create_task(getter()); await asyncio.sleep(0)     # getter waits in q.get()
/// q.put_nowait(1)
/// q.get_nowait()                   # 1: the item stays in the queue until the getter runs
/// q.put_nowait(2)                  # the getter gets 2: [('main get_nowait', 1), ('getter', 2)]
/// ```
#[test]
fn a_queue_item_put_for_a_waiting_getter_can_be_taken_by_get_nowait_first() {
    let order: Log = Rc::default();
    let o = order.clone();
    tulip::run(async move {
        let q = Rc::new(Queue::new());
        let (q2, og) = (q.clone(), o.clone());
        let t = tulip::spawn(async move {
            let v: u32 = q2.get().await.unwrap();
            og.borrow_mut().push(format!("getter {v}"));
        });
        tulip::yield_now().await;
        q.put_nowait(1).unwrap();
        match q.get_nowait() {
            Ok(v) => o.borrow_mut().push(format!("main get_nowait {v}")),
            Err(_) => o.borrow_mut().push("main get_nowait empty".into()),
        }
        q.put_nowait(2).unwrap();
        t.await;
    });
    assert_eq!(*order.borrow(), ["main get_nowait 1", "getter 2"]);
}
