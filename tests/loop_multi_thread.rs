//! Several loops on several threads at once: no global loop, each with its own tasks, timers and clock.

mod support;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use support::Rng;
use tulip::time::{now, sleep, timeout};

const THREADS: usize = 4;

/// asyncio: "an event loop runs in a thread ... one event loop per thread". Four threads each run their
/// own loop at the same time (a barrier makes sure they overlap), with tasks and real-clock timers;
/// each loop sees only its own tasks.
#[test]
fn four_loops_on_four_threads_at_once() {
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                tulip::run(async move {
                    let name = format!("loop {t}");
                    let tasks: Vec<_> = (0..50u64)
                        .map(|i| {
                            tulip::task::Builder::new()
                                .name(name.as_str())
                                .spawn(async move {
                                    sleep(Duration::from_millis(i % 3)).await;
                                    tulip::yield_now().await;
                                    i
                                })
                        })
                        .collect();
                    tulip::yield_now().await;
                    // Every loop is running now, each with its own live tasks.
                    barrier.wait();
                    let infos = tulip::all_tasks();
                    assert!(infos.iter().all(|i| i.name() == Some(name.as_str())));
                    let mut sum = 0;
                    for task in tasks {
                        sum += task.await;
                    }
                    let t0 = now();
                    sleep(Duration::from_millis(2)).await;
                    assert!(now() - t0 >= Duration::from_millis(2));
                    assert!(tulip::all_tasks().is_empty());
                    sum
                })
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), (0..50).sum::<u64>());
    }
}

/// Paused and real clocks side by side: a paused loop's hours pass instantly while a real-clock loop on
/// another thread keeps real time; each loop's `now()` is its own.
#[test]
fn paused_and_real_clocks_on_different_threads() {
    let paused = thread::spawn(|| {
        let lp = support::paused_loop();
        lp.block_on(async {
            let t0 = now();
            let mut rng = Rng::new(1);
            let tasks: Vec<_> = (0..100)
                .map(|_| {
                    let d = Duration::from_secs(rng.below(86_400));
                    tulip::spawn(async move {
                        sleep(d).await;
                        d
                    })
                })
                .collect();
            let mut longest = Duration::ZERO;
            for t in tasks {
                longest = longest.max(t.await);
            }
            assert!(now() - t0 >= longest);
            now() - t0
        })
    });
    let real = thread::spawn(|| {
        tulip::run(async {
            let t0 = now();
            sleep(Duration::from_millis(3)).await;
            now() - t0
        })
    });
    let paused_elapsed = paused.join().unwrap();
    let real_elapsed = real.join().unwrap();
    assert!(paused_elapsed > Duration::from_secs(3600));
    assert!(real_elapsed >= Duration::from_millis(3));
    assert!(real_elapsed < Duration::from_secs(3600));
}

/// Loops on different threads talk through `Handle`s (asyncio `run_coroutine_threadsafe` between
/// loops): each of 4 loops spawns work on its right-hand neighbour and awaits it.
#[test]
fn loops_spawn_on_each_other_through_handles() {
    let (handle_tx, handle_rx): (Vec<_>, Vec<_>) =
        (0..THREADS).map(|_| std::sync::mpsc::channel()).unzip();
    let all_done = Arc::new(Barrier::new(THREADS));
    let mut handle_rx: Vec<_> = handle_rx.into_iter().map(Some).collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let own_tx = handle_tx[t].clone();
            let neighbour_rx = handle_rx[(t + 1) % THREADS].take().unwrap();
            let all_done = all_done.clone();
            thread::spawn(move || {
                tulip::run(async move {
                    own_tx.send(tulip::Handle::current()).unwrap();
                    let neighbour: tulip::Handle =
                        tulip::spawn_blocking(move || neighbour_rx.recv().unwrap()).await;
                    let me = thread::current().id();
                    let ran_on = timeout(
                        Duration::from_secs(60),
                        neighbour.spawn(async { thread::current().id() }),
                    )
                    .await
                    .expect("the neighbour loop ran the task");
                    assert_ne!(ran_on, me);
                    // Keep this loop alive until every neighbour has been served.
                    let barrier = all_done.clone();
                    tulip::spawn_blocking(move || {
                        barrier.wait();
                    })
                    .await;
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// `tulip::block_on` keeps one loop per thread: two threads get two different loops, each current only
/// on its own thread.
#[test]
fn block_on_makes_one_loop_per_thread() {
    let ids: Vec<_> = (0..2)
        .map(|_| {
            thread::spawn(|| {
                let a = tulip::block_on(async { tulip::spawn(async {}).id() });
                let same_loop =
                    tulip::block_on(async { format!("{:?}", tulip::Handle::current()) });
                (a, same_loop)
            })
        })
        .map(|t| t.join().unwrap())
        .collect();
    assert_ne!(ids[0].1, ids[1].1, "different threads, different loops");
    assert!(tulip::try_get_running_loop().is_none());
}
