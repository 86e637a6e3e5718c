//! The paused clock: time moves only when the loop is idle, straight to the next deadline.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use support::{paused_loop, yield_many, Rng};
use tulip::time::{now, sleep};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// asyncio: tasks sleeping for different delays wake in the order of their deadlines. On a paused clock
/// (tokio's `start_paused`, asyncio tests mock `loop.time()`), sleeps of hours, days and years finish
/// at once in wall time, in order, each exactly at its deadline.
#[test]
fn long_sleeps_finish_instantly_and_in_order() {
    let lp = paused_loop();
    assert!(lp.clock().is_paused());
    let woke = Rc::new(RefCell::new(Vec::new()));
    let w = woke.clone();
    let wall = Instant::now();
    lp.block_on(async move {
        let mut delays: Vec<Duration> = (1..=24)
            .map(|h| HOUR * h)
            .chain([
                DAY * 3,
                DAY * 40,
                DAY * 365 * 3,
                HOUR / 2 + Duration::from_micros(7),
            ])
            .collect();
        Rng::new(3).shuffle(&mut delays);
        let t0 = now();
        let tasks: Vec<_> = delays
            .into_iter()
            .map(|d| {
                let w = w.clone();
                tulip::spawn(async move {
                    sleep(d).await;
                    w.borrow_mut().push((d, now() - t0));
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
    // Generous: a real clock would have needed years.
    assert!(wall.elapsed() < Duration::from_secs(60));
    let woke = woke.borrow();
    assert_eq!(woke.len(), 28);
    assert!(woke.windows(2).all(|p| p[0].0 < p[1].0), "{woke:?}");
    for &(d, at) in woke.iter() {
        assert!(
            at >= d && at - d < tulip::time::RESOLUTION,
            "{d:?} woke at {at:?}"
        );
    }
}

/// The paused clock does not move while something is ready: a busy task sees the same `now()` on every
/// step ("time moves only when the loop has nothing ready to run").
#[test]
fn time_stands_still_while_the_loop_is_busy() {
    paused_loop().block_on(async {
        let t0 = now();
        let sleeper = tulip::spawn(sleep(Duration::from_millis(1)));
        for _ in 0..200 {
            tulip::yield_now().await;
            assert_eq!(now(), t0);
        }
        assert!(!sleeper.is_finished());
        sleeper.await;
        assert_eq!(now() - t0, Duration::from_millis(1));
    });
}

/// `Clock::advance` by hand: timers that came due fire on the next iteration.
#[test]
fn advancing_by_hand_fires_due_timers() {
    let lp = paused_loop();
    let t0 = lp.time();
    let fired = Rc::new(RefCell::new(Vec::new()));
    for s in [1u64, 2, 3] {
        let f = fired.clone();
        lp.call_later(Duration::from_secs(s), move || f.borrow_mut().push(s));
    }
    lp.clock().advance(Duration::from_millis(2500));
    assert_eq!(lp.time() - t0, Duration::from_millis(2500));
    lp.block_on(yield_many(3));
    assert_eq!(*fired.borrow(), [1, 2]);
    assert_eq!(
        lp.time() - t0,
        Duration::from_millis(2500),
        "nothing idle yet"
    );
    lp.block_on(sleep(Duration::from_secs(1)));
    assert_eq!(*fired.borrow(), [1, 2, 3]);
}

/// With no timer pending, an idle paused loop does not invent time: `now()` stays put.
#[test]
fn idle_without_timers_keeps_the_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.block_on(async {
        tulip::spawn_blocking(|| std::thread::sleep(Duration::from_millis(2))).await;
    });
    assert_eq!(lp.time(), t0);
}

/// A real-clock loop is not paused; pausing and resuming is the clock's business.
#[test]
fn real_clock_is_not_paused() {
    let lp = support::real_loop();
    assert!(!lp.clock().is_paused());
    let t = lp.time();
    assert!(lp.time() >= t);
}

/// asyncio's `loop.run_until_complete(asyncio.sleep(d))` sleeps `d` on that loop. A tulip `sleep` made
/// outside the loop that polls it measures its duration on that loop's clock too: here after the paused
/// clock was moved by hand, and for a `timeout` made outside the loop.
#[test]
fn sleep_made_outside_the_loop_uses_the_loop_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    lp.clock().advance(HOUR);
    lp.block_on(sleep(Duration::from_secs(2)));
    assert_eq!(lp.time() - t0, HOUR + Duration::from_secs(2));
    let res = lp.block_on(tulip::time::timeout(
        Duration::from_secs(5),
        std::future::pending::<()>(),
    ));
    assert!(res.is_err());
    assert_eq!(lp.time() - t0, HOUR + Duration::from_secs(7));
}

/// asyncio's clock never runs backwards or jumps. A paused clock moved far ahead and then resumed goes
/// on from where it stood, so a sleep started after `resume` lasts its full length, on the loop's clock
/// and in real time (before, the resumed clock fell back to the real instant and the wheel, already
/// past it, fired the sleep at once).
#[test]
fn resumed_clock_never_fires_a_timer_early_after_advancing() {
    let lp = paused_loop();
    lp.block_on(sleep(HOUR));
    lp.clock().resume();
    assert!(!lp.clock().is_paused());
    let d = Duration::from_millis(50);
    let (start, deadline) = (Instant::now(), lp.time() + d);
    lp.block_on(sleep(d));
    assert!(lp.time() >= deadline, "woke before its deadline");
    assert!(start.elapsed() >= d, "woke after {:?}", start.elapsed());
}

/// A timer set while the clock was paused, with real time passing meanwhile, still waits its full delay
/// once the clock resumes: the resumed clock starts from its paused reading, not from the real instant.
#[test]
fn resumed_clock_never_fires_a_paused_timer_early() {
    let lp = paused_loop();
    let d = Duration::from_millis(60);
    let fired = Rc::new(std::cell::Cell::new(None));
    let f = fired.clone();
    let h = lp.call_later(d, move || f.set(Some(Instant::now())));
    // Real time passes while the clock stands still (work on the pool holds it, see below).
    lp.block_on(tulip::spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(40))
    }));
    let resumed = Instant::now();
    lp.clock().resume();
    lp.block_on(async {
        while fired.get().is_none() {
            sleep(Duration::from_millis(5)).await;
        }
    });
    assert!(lp.time() >= h.when());
    let at = fired.get().expect("the timer fired");
    assert!(at - resumed >= d, "fired {:?} after resume", at - resumed);
}

/// With a paused clock, time does not jump while work is in flight on the blocking pool: the work takes
/// real time the paused clock cannot see. asyncio has no paused clock; its equivalent is that
/// `await asyncio.wait_for(loop.run_in_executor(None, work), 3600)` returns the work's result.
#[test]
fn blocking_work_holds_the_paused_clock() {
    let lp = paused_loop();
    let t0 = lp.time();
    let v = lp.block_on(tulip::time::timeout(
        HOUR,
        tulip::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(200));
            7
        }),
    ));
    assert_eq!(v, Ok(7));
    assert!(lp.time() - t0 < HOUR);
}

/// The same rule with a timer due sooner than the work and several jobs at once: the clock jumps only
/// when no job is in flight, then runs the timers in order.
#[test]
fn blocking_work_in_tasks_holds_the_paused_clock() {
    let lp = paused_loop();
    lp.block_on(async {
        let t0 = now();
        let jobs: Vec<_> = (0..4u64)
            .map(|i| {
                tulip::spawn(async move {
                    tulip::spawn_blocking(move || {
                        std::thread::sleep(Duration::from_millis(20 * (i + 1)));
                        i
                    })
                    .await
                })
            })
            .collect();
        let timer = tulip::spawn(async move {
            sleep(Duration::from_millis(1)).await;
            now() - t0
        });
        let mut got = Vec::new();
        for j in jobs {
            got.push(tulip::time::timeout(Duration::from_millis(2), j).await);
        }
        assert_eq!(got, [Ok(0), Ok(1), Ok(2), Ok(3)]);
        assert_eq!(timer.await, Duration::from_millis(1));
    });
}

/// Every user of the pool counts: `tulip::fs` (file operations) and host name resolution.
#[test]
fn files_and_name_resolution_hold_the_paused_clock() {
    let dir = std::env::temp_dir().join(format!("tulip-paused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data");
    let lp = paused_loop();
    lp.block_on(async {
        let tiny = Duration::from_millis(1);
        let w = tulip::time::timeout(tiny, tulip::fs::write(&path, b"tulip")).await;
        assert!(matches!(w, Ok(Ok(()))), "{w:?}");
        let r = tulip::time::timeout(tiny, tulip::fs::read(&path)).await;
        assert_eq!(r.ok().and_then(Result::ok).as_deref(), Some(&b"tulip"[..]));
        let file = tulip::time::timeout(tiny, tulip::fs::File::open(&path)).await;
        assert!(matches!(file, Ok(Ok(_))));
        let addrs = tulip::time::timeout(tiny, tulip::net::lookup_host("localhost", 80)).await;
        assert!(matches!(&addrs, Ok(Ok(a)) if !a.is_empty()), "{addrs:?}");
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Work put on the pool while no loop runs counts on the loop that awaits it, from its first poll.
#[test]
fn blocking_work_made_outside_the_loop_holds_the_paused_clock() {
    let job = tulip::spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(100));
        "done"
    });
    let lp = paused_loop();
    let got = lp.block_on(tulip::time::timeout(Duration::from_millis(1), job));
    assert_eq!(got, Ok("done"));
}
