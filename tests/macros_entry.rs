//! `#[tulip::test]` (feature `macros`, on by default): each test on a fresh loop, with the options given.

use std::time::Duration;

#[tulip::test]
async fn body_runs_on_a_running_loop() {
    let lp = tulip::get_running_loop();
    let t = tulip::spawn(async { 6 * 7 });
    assert_eq!(t.await, 42);
    assert!(lp.is_running());
}

#[tulip::test(start_paused = true)]
async fn start_paused_jumps_to_the_next_timer() {
    let start = tulip::time::now();
    let wall = std::time::Instant::now();
    tulip::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(tulip::time::now() - start, Duration::from_secs(600));
    // A real clock could not have slept ten minutes without the test being killed first; the paused
    // one jumped.
    assert!(wall.elapsed() < Duration::from_secs(600));
}

#[tulip::test(debug = true)]
async fn debug_true_turns_debug_mode_on() {
    assert!(tulip::get_running_loop().debug());
}

#[tulip::test(debug = false)]
async fn debug_false_turns_debug_mode_off() {
    assert!(!tulip::get_running_loop().debug());
}

#[tulip::test]
async fn a_test_may_return_a_result() -> std::io::Result<()> {
    let l = tulip::net::TcpListener::bind("127.0.0.1:0").await?;
    assert_ne!(l.local_addr()?.port(), 0);
    Ok(())
}

#[tulip::test]
#[should_panic(expected = "boom")]
async fn other_attributes_are_kept() {
    tulip::yield_now().await;
    panic!("boom");
}

#[test]
fn each_call_gets_a_fresh_loop() {
    #[tulip::main]
    async fn leaves_a_task_behind() -> usize {
        tulip::spawn(std::future::pending::<()>()).detach();
        tulip::yield_now().await;
        tulip::all_tasks().len()
    }
    #[tulip::main]
    async fn counts_tasks() -> usize {
        tulip::all_tasks().len()
    }
    assert_eq!(leaves_a_task_behind(), 1);
    // The pending task belonged to the first loop, closed when its function returned.
    assert_eq!(counts_tasks(), 0);
}

#[test]
fn the_loop_is_gone_after_the_test() {
    #[tulip::main]
    async fn main() -> u32 {
        tulip::spawn(async { 7 }).await
    }
    assert_eq!(main(), 7);
    assert!(tulip::try_get_running_loop().is_none());
}

#[tulip::test(workers = 3)]
async fn workers_runs_the_body_on_worker_0_of_the_runtime() {
    use tulip::runtime::{current_worker, RuntimeHandle};
    assert_eq!(current_worker(), Some(0));
    let rt = RuntimeHandle::current();
    assert_eq!(rt.workers(), 3);
    // `!Send` state in the body: it runs as a local task on worker 0.
    let local = std::rc::Rc::new(5);
    let tasks: Vec<_> = (0..3)
        .map(|i| rt.worker(i).spawn(async { current_worker() }))
        .collect();
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await);
    }
    assert_eq!(seen, [Some(0), Some(1), Some(2)]);
    assert_eq!(*local, 5);
}

#[tulip::test(workers = 2, start_paused = true, debug = true)]
async fn workers_options_reach_every_worker() {
    use tulip::runtime::RuntimeHandle;
    let rt = RuntimeHandle::current();
    let t = rt.worker(1).spawn(async {
        let start = tulip::time::now();
        tulip::time::sleep(Duration::from_secs(600)).await;
        (
            tulip::time::now() - start,
            tulip::get_running_loop().debug(),
        )
    });
    assert_eq!(t.await, (Duration::from_secs(600), true));
    assert!(tulip::get_running_loop().debug());
}

#[test]
fn workers_main_returns_the_value_and_cancels_what_is_left() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    static DROPPED: AtomicBool = AtomicBool::new(false);
    struct Flag;
    impl Drop for Flag {
        fn drop(&mut self) {
            DROPPED.store(true, Ordering::SeqCst);
        }
    }
    #[tulip::main(workers = 2)]
    async fn main() -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        let rt = tulip::runtime::RuntimeHandle::current();
        let started = Arc::new(AtomicBool::new(false));
        let s = started.clone();
        rt.worker(1)
            .spawn(async move {
                let _flag = Flag;
                s.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
            })
            .detach();
        while !started.load(Ordering::SeqCst) {
            tulip::yield_now().await;
        }
        Ok(rt.workers())
    }
    assert_eq!(main().unwrap(), 2);
    // The runtime shut down when `main` returned: the task left on worker 1 was cancelled there.
    assert!(DROPPED.load(Ordering::SeqCst));
    assert!(tulip::runtime::current_worker().is_none());
}
