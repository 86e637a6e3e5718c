//! `Loop::stop()` called before `run_forever()`: exactly one iteration runs, the handles ready when it
//! began (those queued before and after the `stop()`), and what they schedule waits for the next run.
//! python3, the same program:
//!
//! ```python
//! def a(): log.append('a'); loop.call_soon(lambda: log.append('c'))
//! loop.call_soon(a); loop.stop(); loop.call_soon(lambda: log.append('b'))
//! loop.run_forever(); log.append('|')
//! loop.call_soon(loop.stop); loop.run_forever()
//! # ['a', 'b', '|', 'c']
//! ```

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use support::paused_loop;

#[test]
fn stop_before_run_forever_runs_one_iteration_as_asyncio() {
    let lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    lp.call_soon(move || {
        l.borrow_mut().push("a");
        let l = l.clone();
        tulip::call_soon(move || l.borrow_mut().push("c"));
    });
    lp.stop();
    let l = log.clone();
    lp.call_soon(move || l.borrow_mut().push("b"));
    lp.run_forever();
    log.borrow_mut().push("|");
    let l2 = lp.clone();
    lp.call_soon(move || l2.stop());
    lp.run_forever();
    assert_eq!(*log.borrow(), ["a", "b", "|", "c"]);
}
