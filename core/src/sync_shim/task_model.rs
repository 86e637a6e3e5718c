//! loom model of a task's cancellation racing its completion from another thread, on the real
//! `TaskMeta` outcome flags (`task/meta.rs`, on loom's atomics in a model build) and the real
//! `Injector`. In-crate because `TaskMeta` is crate-private; run by `scripts/loom.sh` (`--lib loom_`).
//!
//! The loop finishes the task (what the harness does: unless a cancel was requested or the task ended,
//! leave the output and record `Finished`), then handles the cancel requests that reached it and shuts
//! down. Another thread holding the `Task` reads its outcome and, while it is not done, sends a cancel
//! through the injector (as `Task::cancel` from another thread schedules the task on its loop).
//!
//! Properties: a thread that sees `Finished` also sees the output (the outcome is published with
//! release/acquire); the task gets exactly one outcome; a cancel request is refused or handled once.

use std::panic::Location;

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

use crate::sync_shim::Injector;
use crate::task::{TaskMeta, TaskOutcome};

#[test]
fn loom_cancel_racing_completion_from_another_thread() {
    loom::model(|| {
        // The task's loop: the metadata records it (the schedule function reads it); its reactor is
        // real but never polled here.
        let backend = crate::selector::Backend::new_default().expect("a selector");
        let shared = crate::executor::Shared::new(crate::reactor::Reactor::new(backend));
        let meta = Arc::new(TaskMeta::new(None, Location::caller(), shared, false));
        let output = Arc::new(UnsafeCell::new(None::<u32>));
        let injector = Arc::new(Injector::<()>::new());

        let canceller = {
            let (meta, output, injector) = (meta.clone(), output.clone(), injector.clone());
            thread::spawn(move || match meta.outcome() {
                Some(TaskOutcome::Finished) => {
                    // SAFETY: (model) the loop wrote the output before recording the outcome, and
                    // loom reports this read as a data race unless that write happens-before it.
                    let v = output.with(|p| unsafe { *p });
                    assert_eq!(v, Some(7), "saw Finished but not the output");
                    false
                }
                None => injector.push(()).is_ok(),
                other => panic!("unexpected outcome {other:?}"),
            })
        };

        // The loop runs the task once: it completes.
        if !meta.ended_or_cancel_requested() {
            // SAFETY: (model) only this thread writes, before publishing the outcome.
            output.with_mut(|p| unsafe { *p = Some(7) });
            meta.set_outcome(TaskOutcome::Finished);
        }
        // Then a later iteration handles the cancel requests, and the loop shuts down.
        let mut handled = 0;
        while injector.pop().is_some() {
            meta.request_cancel();
            handled += 1;
        }
        injector.close();
        while injector.pop().is_some() {
            meta.request_cancel();
            handled += 1;
        }
        let sent = canceller.join().unwrap();
        assert_eq!(
            handled,
            usize::from(sent),
            "a cancel request lost or handled twice"
        );
        // Exactly one outcome, and a late cancel does not change it.
        assert_eq!(meta.outcome(), Some(TaskOutcome::Finished));
    });
}
