//! `Event`: `set` wakes every waiter, `clear` re-arms, a set-then-clear still wakes current waiters.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::paused_loop;
use tulip::spawn;
use tulip::sync::Event;
use tulip::time::sleep;

/// asyncio: `set()` — "All tasks waiting for event to be set will be immediately awakened."
///
/// ```python
/// waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
/// event.set()
/// await asyncio.gather(*waiters)
/// ```
#[test]
fn set_wakes_every_waiter() {
    paused_loop().block_on(async {
        let event = Rc::new(Event::new());
        let woken = Rc::new(Cell::new(0));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let (event, woken) = (event.clone(), woken.clone());
                spawn(async move {
                    event.wait().await;
                    woken.set(woken.get() + 1);
                })
            })
            .collect();
        sleep(Duration::from_millis(10)).await;
        assert_eq!(woken.get(), 0);
        event.set();
        for w in waiters {
            w.await;
        }
        assert_eq!(woken.get(), 3);
        assert!(event.is_set());
        event.wait().await; // set: returns at once
    });
}

/// asyncio: `clear()` — "Subsequent tasks awaiting on wait() will now block until the set() method is
/// called again."
#[test]
fn clear_makes_later_waiters_wait() {
    paused_loop().block_on(async {
        let event = Rc::new(Event::new());
        event.set();
        event.clear();
        assert!(!event.is_set());
        let e = event.clone();
        let waiter = spawn(async move { e.wait().await });
        sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        event.set();
        waiter.await;
    });
}

/// asyncio: `set()` resolves the futures of the tasks already waiting, so they return even when
/// `clear()` follows before they run.
///
/// ```python
/// waiter = asyncio.create_task(event.wait())
/// await asyncio.sleep(0)
/// event.set(); event.clear()
/// await waiter            # returns True
/// ```
#[test]
fn set_then_clear_still_wakes_the_current_waiters() {
    paused_loop().block_on(async {
        let event = Rc::new(Event::new());
        let e = event.clone();
        let waiter = spawn(async move { e.wait().await });
        tulip::yield_now().await;
        event.set();
        event.clear();
        waiter.await;
        assert!(!event.is_set());
    });
}

/// Rust only: `Event` is `Send + Sync`; a thread can release a loop.
#[test]
fn a_thread_can_set_it() {
    let event = std::sync::Arc::new(Event::new());
    let e = event.clone();
    let setter = std::thread::spawn(move || e.set());
    tulip::run(async { event.wait().await });
    setter.join().unwrap();
}
