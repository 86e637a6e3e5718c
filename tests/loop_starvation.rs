//! Starvation prevention: busy tasks (`yield_now`, always-ready futures) cannot keep timers from firing.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, real_loop, AlwaysReady};
use tulip::time::interval;

const TICKS: u32 = 5;

/// asyncio, `await asyncio.sleep(0)`: "Setting the delay to 0 provides an optimized path to allow other
/// tasks to run. This can be used by long-running functions to avoid blocking the event loop". A task
/// looping on `yield_now()` and a 1 ms interval both make progress.
#[test]
fn busy_yielding_task_and_1ms_interval_both_progress() {
    let spins = Rc::new(Cell::new(0u64));
    let stop = Rc::new(Cell::new(false));
    let (s, st) = (spins.clone(), stop.clone());
    let ticks = real_loop().block_on(async move {
        let busy = tulip::spawn(async move {
            while !st.get() {
                s.set(s.get() + 1);
                tulip::yield_now().await;
            }
        });
        let ticker = tulip::spawn(async {
            let mut every = interval(Duration::from_millis(1));
            let mut n = 0;
            for _ in 0..TICKS {
                every.tick().await;
                n += 1;
            }
            n
        });
        let n = ticker.await;
        stop.set(true);
        busy.await;
        n
    });
    assert_eq!(ticks, TICKS);
    assert!(spins.get() > 0);
}

/// The same with the `block_on` future itself as the busy one: the interval task still ticks.
#[test]
fn busy_main_future_does_not_starve_an_interval_task() {
    let ticked = Rc::new(Cell::new(0u32));
    let t = ticked.clone();
    real_loop().block_on(async move {
        let t2 = t.clone();
        let ticker = tulip::spawn(async move {
            let mut every = interval(Duration::from_millis(1));
            loop {
                every.tick().await;
                t2.set(t2.get() + 1);
            }
        });
        while t.get() < TICKS {
            tulip::yield_now().await;
        }
        drop(ticker);
    });
    assert!(ticked.get() >= TICKS);
}

/// asyncio has no budget: a coroutine whose awaits never suspend (a socket that is always readable)
/// starves the loop. tulip's cooperative budget (tokio's idea) forces a task that only ever awaits
/// always-ready runtime futures — futures that call `tulip::coop::poll_proceed` — to yield, so a timer
/// still fires.
///
/// On a paused clock, so nothing depends on how fast the machine is: the busy task schedules the timer
/// and moves the clock past its deadline before its first await, so the timer is due while the task
/// has not yielded once, and only the loop (which gets control back only when the task yields) can run
/// it. The loop is bounded so that a missing budget fails the test instead of hanging it.
#[test]
fn always_ready_future_is_forced_to_yield_so_a_timer_fires() {
    const BOUND: u64 = 1_000_000;
    let lp = paused_loop();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    let (awaited, forced) = lp.block_on(async move {
        let busy = tulip::spawn(async move {
            let lp = tulip::get_running_loop();
            let f2 = f.clone();
            lp.call_later(Duration::from_millis(2), move || f2.set(true));
            lp.clock().advance(Duration::from_millis(2));
            let (mut awaited, mut forced) = (0u64, 0u32);
            while !f.get() && awaited < BOUND {
                // Never returns Pending by itself, only when the budget runs out.
                if !tulip::coop::has_budget_remaining() {
                    forced += 1;
                }
                AlwaysReady.await;
                awaited += 1;
            }
            (awaited, forced)
        });
        busy.await
    });
    assert!(
        fired.get(),
        "the timer never fired: {awaited} always-ready awaits and the task never yielded"
    );
    assert!(
        forced > 0,
        "the task ran out of budget and was made to yield"
    );
    assert!(awaited > 0, "the task awaited before the timer fired");
}

/// The budget contract: a task poll gets a fresh budget; spending it makes `poll_proceed` return
/// `Pending` (after waking the task), and the task's next poll has budget again.
#[test]
fn budget_runs_out_within_one_poll_and_refills_on_the_next() {
    real_loop().block_on(async {
        let task = tulip::spawn(async {
            assert!(tulip::coop::has_budget_remaining());
            let mut spent = 0u32;
            while tulip::coop::has_budget_remaining() {
                AlwaysReady.await;
                spent += 1;
            }
            // Out of budget: the next always-ready await yields once, then the budget is back.
            AlwaysReady.await;
            assert!(tulip::coop::has_budget_remaining());
            spent
        });
        let spent = task.await;
        assert!(spent > 1, "a task may complete several operations per poll");
    });
}

/// Outside any task the budget is unlimited: `poll_proceed` never says `Pending`.
#[test]
fn no_budget_limit_outside_a_loop() {
    let waker = support::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    for _ in 0..100_000 {
        assert!(tulip::coop::poll_proceed(&mut cx).is_ready());
    }
    assert!(tulip::coop::has_budget_remaining());
}

/// Two busy tasks share the loop fairly enough that both advance (asyncio's ready queue is FIFO).
#[test]
fn two_busy_tasks_both_advance() {
    let (a, b) = (Rc::new(Cell::new(0u32)), Rc::new(Cell::new(0u32)));
    let (a2, b2) = (a.clone(), b.clone());
    real_loop().block_on(async move {
        let spin = |c: Rc<Cell<u32>>| async move {
            for _ in 0..1000 {
                c.set(c.get() + 1);
                AlwaysReady.await;
                tulip::yield_now().await;
            }
        };
        let (ta, tb) = (
            tulip::spawn(spin(a2.clone())),
            tulip::spawn(spin(b2.clone())),
        );
        while a2.get() < 1000 && b2.get() < 1000 {
            tulip::yield_now().await;
        }
        // When one finished, the other was well on its way.
        assert!(
            a2.get() >= 500 && b2.get() >= 500,
            "{} {}",
            a2.get(),
            b2.get()
        );
        ta.await;
        tb.await;
    });
    assert_eq!((a.get(), b.get()), (1000, 1000));
}
