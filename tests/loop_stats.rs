//! `Loop::stats`: the loop's counters of iterations, task polls, I/O wake-ups and timers fired.

use std::time::Duration;

use tulip::{Loop, LoopStats};

#[test]
fn a_new_loop_has_counted_nothing() {
    let lp = Loop::new().unwrap();
    assert_eq!(lp.stats(), LoopStats::default());
}

#[test]
fn task_polls_count_every_step_of_every_task() {
    let lp = Loop::new().unwrap();
    lp.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                tulip::spawn(async {
                    // Three steps: two that yield, one that returns.
                    tulip::yield_now().await;
                    tulip::yield_now().await;
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
    assert_eq!(lp.stats().task_polls, 12);
}

#[test]
fn iterations_grow_with_each_trip_through_the_loop() {
    let lp = Loop::new().unwrap();
    lp.block_on(async {});
    let one = lp.stats().iterations;
    assert!(one >= 1);
    lp.block_on(async {
        for _ in 0..10 {
            tulip::yield_now().await;
        }
    });
    // Each yield of the main future puts it behind the iteration's end.
    assert!(lp.stats().iterations >= one + 10, "{:?}", lp.stats());
}

#[test]
fn timers_fired_counts_sleeps_and_call_later() {
    let lp = Loop::builder().start_paused(true).build().unwrap();
    let l2 = lp.clone();
    lp.block_on(async move {
        let _cb = l2.call_later(Duration::from_secs(1), || {});
        tulip::time::sleep(Duration::from_secs(2)).await;
        tulip::time::sleep(Duration::from_secs(3)).await;
    });
    assert_eq!(lp.stats().timers_fired, 3);
}

#[test]
fn a_cancelled_timer_does_not_count() {
    let lp = Loop::builder().start_paused(true).build().unwrap();
    let l2 = lp.clone();
    lp.block_on(async move {
        let cb = l2.call_later(Duration::from_secs(1), || {});
        cb.cancel();
        tulip::time::sleep(Duration::from_secs(2)).await;
    });
    assert_eq!(lp.stats().timers_fired, 1);
}

#[test]
fn io_events_count_readiness_wakeups() {
    let lp = Loop::new().unwrap();
    let before = lp.stats().io_events;
    lp.block_on(async {
        let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tulip::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.unwrap();
            buf
        });
        let c = tulip::net::TcpStream::connect(addr).await.unwrap();
        // Let the server block on its read first, so the bytes arrive as a readiness event.
        for _ in 0..4 {
            tulip::yield_now().await;
        }
        c.write_all(b"ping").await.unwrap();
        assert_eq!(&server.await, b"ping");
    });
    assert!(lp.stats().io_events > before, "{:?}", lp.stats());
}
