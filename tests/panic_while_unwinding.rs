//! Two user bugs at once: the main future (or a task) panics, and while the loop shuts down or the
//! panic unwinds, a `Drop` panics too (one that does not check `std::thread::panicking()`). A double
//! panic inside one drop would abort the process; tulip must catch the second panic where it drops
//! user values so the process survives and the first panic reaches the caller.
//!
//! Each scenario runs in a child process (this test binary, re-run with `TULIP_TEST_CHILD`
//! set): an abort fails only its own test.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use support::child::isolated;

/// Panics whenever it is dropped, even during unwinding (a careless `Drop`).
struct AlwaysPanicsOnDrop;

impl Drop for AlwaysPanicsOnDrop {
    fn drop(&mut self) {
        panic!("careless drop");
    }
}

fn payload_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// The main future panics; a detached task's future panics when shutdown drops it.
#[test]
fn main_panics_and_a_task_drop_panics_at_shutdown() {
    isolated("main_panics_and_a_task_drop_panics_at_shutdown", || {
        let res = catch_unwind(|| {
            tulip::run(async {
                tulip::spawn(async {
                    let _g = AlwaysPanicsOnDrop;
                    std::future::pending::<()>().await;
                })
                .detach();
                tulip::yield_now().await;
                panic!("main failed");
            })
        });
        let err = res.expect_err("run returned normally");
        assert_eq!(payload_message(&*err), "main failed");
    });
}

/// The main future panics while a pending timer's closure holds a careless value: `tulip::run` used to
/// leave the loop to `Drop` while the main panic unwound, and the timer closure's drop panic in that
/// shutdown aborted the process (SIGABRT, "panic in a destructor during cleanup"). Now the loop is closed
/// before the main panic resumes; the main panic reaches the caller.
#[test]
fn main_panics_while_a_timer_closure_is_careless() {
    isolated("main_panics_while_a_timer_closure_is_careless", || {
        let res = catch_unwind(AssertUnwindSafe(|| {
            tulip::run(async {
                let g = AlwaysPanicsOnDrop;
                tulip::call_later(Duration::from_secs(60), move || {
                    std::mem::forget(g);
                });
                tulip::yield_now().await;
                panic!("main failed");
            })
        }));
        let err = res.expect_err("run returned normally");
        assert_eq!(payload_message(&*err), "main failed");
    });
}

/// The same through `#[tulip::main]`'s expansion (`#[tulip::test]`'s calls the same function).
#[test]
fn macro_entry_point_main_panics_while_a_timer_closure_is_careless() {
    isolated(
        "macro_entry_point_main_panics_while_a_timer_closure_is_careless",
        || {
            #[tulip::main]
            async fn body() {
                let g = AlwaysPanicsOnDrop;
                tulip::call_later(Duration::from_secs(60), move || {
                    std::mem::forget(g);
                });
                tulip::yield_now().await;
                panic!("main failed");
            }
            let err = catch_unwind(body).expect_err("the body returned normally");
            assert_eq!(payload_message(&*err), "main failed");
        },
    );
}

/// The same on the multi-core runtime (`#[tulip::main(workers = 2)]`): the body runs on worker 0's
/// thread and the runtime shuts its workers down as the panic comes back.
#[test]
fn runtime_main_panics_while_a_timer_closure_is_careless() {
    isolated(
        "runtime_main_panics_while_a_timer_closure_is_careless",
        || {
            #[tulip::main(workers = 2)]
            async fn body() {
                let g = AlwaysPanicsOnDrop;
                tulip::call_later(Duration::from_secs(60), move || {
                    std::mem::forget(g);
                });
                tulip::yield_now().await;
                panic!("main failed");
            }
            let err = catch_unwind(body).expect_err("the body returned normally");
            assert_eq!(payload_message(&*err), "main failed");
        },
    );
}

/// `gather!` fails fast: a panic in one future drops the others. If one of those has a careless
/// `Drop`, dropping it while the first panic unwinds would abort; the task's panic must instead reach
/// the awaiter (or `join`) and the process live.
#[test]
fn gather_fail_fast_with_a_careless_sibling() {
    isolated("gather_fail_fast_with_a_careless_sibling", || {
        let lp = support::real_loop();
        let _reports = support::record_exceptions(&lp);
        let joined = lp.block_on(async {
            tulip::spawn(async {
                tulip::gather!(
                    async {
                        tulip::yield_now().await;
                        panic!("first failed");
                    },
                    async {
                        let _g = AlwaysPanicsOnDrop;
                        std::future::pending::<()>().await;
                    }
                )
                .await
            })
            .join()
            .await
        });
        assert!(joined.unwrap_err().is_panic());
    });
}
