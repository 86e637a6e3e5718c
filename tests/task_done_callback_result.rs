//! Task done-callbacks that read the result (`add_result_callback`, `into_promise`),
//! `Task::remove_done_callback` and `Task::get_loop`.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::{paused_loop, yield_many};
use tulip::time::sleep;

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// asyncio: `task.add_done_callback(lambda t: print(t.result()))`: the callback reads the result, and
/// the task runs to completion although nobody else holds it.
#[test]
fn result_callback_gets_the_output_of_a_task_nobody_else_holds() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        tulip::spawn(async {
            sleep(Duration::from_millis(5)).await;
            "reply"
        })
        .add_result_callback(move |r| s.borrow_mut().push(r.unwrap().to_string()));
        sleep(Duration::from_millis(10)).await;
    });
    assert_eq!(*seen.borrow(), ["reply"]);
}

/// A callback added after the task ended still gets the result, scheduled rather than inline.
#[test]
fn result_callback_on_a_finished_task_is_scheduled_with_the_result() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let t = tulip::spawn(async { 7 });
        yield_many(2).await;
        assert!(t.is_finished());
        let s2 = s.clone();
        t.add_result_callback(move |r| s2.borrow_mut().push(format!("{}", r.unwrap())));
        assert!(s.borrow().is_empty());
        yield_many(2).await;
    });
    assert_eq!(*seen.borrow(), ["7"]);
}

/// asyncio: `t.exception()` inside the callback of a task that raised; here the panic arrives as a
/// `TaskError` and counts as observed (the exception handler hears nothing).
#[test]
fn result_callback_of_a_panicking_task_gets_the_panic_as_an_error() {
    let seen = log();
    let s = seen.clone();
    let lp = paused_loop();
    let reports = support::record_exceptions(&lp);
    lp.block_on(async move {
        tulip::spawn(async { panic!("boom") }).add_result_callback(move |r: Result<(), _>| {
            let e = r.unwrap_err();
            s.borrow_mut().push(format!("panic={}", e.is_panic()));
        });
        yield_many(3).await;
    });
    assert_eq!(*seen.borrow(), ["panic=true"]);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow());
}

/// Several readers of one task's result: `into_promise` gives a future that many tasks await and many
/// done-callbacks read by reference.
#[test]
fn into_promise_shares_one_result_with_several_awaiters_and_callbacks() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let p = tulip::spawn(async {
            sleep(Duration::from_millis(3)).await;
            String::from("data")
        })
        .into_promise();
        for name in ["cb1", "cb2"] {
            let s = s.clone();
            p.add_done_callback(move |f| {
                s.borrow_mut()
                    .push(format!("{name}:{}", f.result().unwrap()))
            });
        }
        let awaiters: Vec<_> = (0..3)
            .map(|_| {
                let p = p.clone();
                tulip::spawn(async move { p.await.unwrap() })
            })
            .collect();
        for a in awaiters {
            assert_eq!(a.await, "data");
        }
    });
    assert_eq!(*seen.borrow(), ["cb1:data", "cb2:data"]);
}

/// asyncio: `task.remove_done_callback(fn)` before the task ends: that callback never runs, the others
/// do, in order.
#[test]
fn removed_task_callback_never_runs_and_others_keep_their_order() {
    let seen = log();
    let s = seen.clone();
    paused_loop().block_on(async move {
        let t = tulip::spawn(sleep(Duration::from_millis(2)));
        let ids: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|n| {
                let s = s.clone();
                t.add_done_callback(move |_| s.borrow_mut().push(n.to_string()))
            })
            .collect();
        assert!(t.remove_done_callback(ids[1]));
        assert!(!t.remove_done_callback(ids[1]));
        t.await;
        yield_many(2).await;
    });
    assert_eq!(*seen.borrow(), ["a", "c"]);
}

/// Once the task has ended its callbacks are scheduled: removing one then returns false (asyncio: 0).
#[test]
fn removing_a_callback_after_the_task_ended_returns_false() {
    paused_loop().block_on(async {
        let t = tulip::spawn(async {});
        let id = t.add_done_callback(|_| {});
        yield_many(2).await;
        assert!(t.is_finished());
        assert!(!t.remove_done_callback(id));
    });
}

/// `task.get_loop()` is the running loop on its thread.
#[test]
fn task_get_loop_is_the_running_loop() {
    let lp = paused_loop();
    let l2 = lp.clone();
    lp.block_on(async move {
        let t = tulip::spawn(async {});
        let got = t.get_loop().expect("on the loop's thread");
        assert!(got.is_running());
        assert_eq!(
            format!("{got:?}").split(',').next(),
            format!("{l2:?}").split(',').next()
        );
    });
}
