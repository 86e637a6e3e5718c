//! The loop's signal handlers (`add_signal_handler` / `remove_signal_handler`): one listener task per
//! (loop, signal) that schedules the callback with `call_soon` on every delivery.
//!
//! The table is thread-local, keyed by loop id: a `Loop` is `!Send`, so its handlers are only ever
//! added, replaced and removed on its own thread. An entry's [`Registration`] sits in the table, not in
//! the task, so removing a handler unregisters it at once (the task's future is dropped later, at the
//! loop's next iteration). When the loop closes first, the cancelled task's guard unregisters it.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;

use super::{Registration, Signal};
use crate::event_loop::{ExceptionContext, ExceptionKind};
use crate::{Loop, Task};

type SharedRegistration = Rc<RefCell<Option<Registration>>>;

struct Entry {
    loop_id: u64,
    signum: i32,
    reg: SharedRegistration,
    task: Task<()>,
}

thread_local! {
    static HANDLERS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Unregisters on drop: held by the listener task, so a loop that closes with a handler still
/// installed does not keep the signal captured.
struct Unregister(SharedRegistration);

impl Drop for Unregister {
    fn drop(&mut self) {
        let reg = self.0.borrow_mut().take();
        drop(reg);
    }
}

/// Installs `callback` as `lp`'s handler for `signum`, replacing the previous one (registered before
/// the old one is removed, so no delivery in between falls back to the default action).
pub(crate) fn add_handler(lp: &Loop, signum: i32, callback: Rc<dyn Fn()>) -> io::Result<()> {
    if lp.is_closed() {
        return Err(io::Error::other("add_signal_handler: the loop is closed"));
    }
    let (reg, mut pipe) = Signal::new(signum)?.into_parts();
    let reg: SharedRegistration = Rc::new(RefCell::new(Some(reg)));
    let guard = Unregister(reg.clone());
    let task = lp.spawn(async move {
        let _guard = guard;
        loop {
            match poll_fn(|cx| pipe.poll_recv(cx)).await {
                Ok(()) => {
                    let cb = callback.clone();
                    crate::call_soon(move || cb());
                }
                Err(e) => {
                    report_failure(signum, &e);
                    return;
                }
            }
        }
    });
    let loop_id = lp.inner().shared.id;
    let entry = Entry {
        loop_id,
        signum,
        reg,
        task,
    };
    let old = HANDLERS.with(|h| {
        let mut h = h.borrow_mut();
        let old = take_entry(&mut h, loop_id, signum);
        h.push(entry);
        old
    });
    // Dropped outside the borrow: dropping a task may run code that reaches the table again.
    drop(old);
    Ok(())
}

/// Removes `lp`'s handler for `signum`; whether there was one.
pub(crate) fn remove_handler(lp: &Loop, signum: i32) -> bool {
    let loop_id = lp.inner().shared.id;
    let old = HANDLERS
        .try_with(|h| take_entry(&mut h.borrow_mut(), loop_id, signum))
        .ok()
        .flatten();
    match old {
        Some(entry) => {
            let reg = entry.reg.borrow_mut().take();
            let was_live = reg.is_some();
            drop(reg);
            drop(entry);
            was_live
        }
        None => false,
    }
}

/// Takes the entry for (`loop_id`, `signum`) out of the table, and with it any entry whose loop has
/// gone (their tasks were cancelled at shutdown). The stale ones are dropped by the caller's return.
fn take_entry(table: &mut Vec<Entry>, loop_id: u64, signum: i32) -> Option<Entry> {
    let mut found = None;
    let mut i = 0;
    while i < table.len() {
        let e = &table[i];
        if e.loop_id == loop_id && e.signum == signum {
            found = Some(table.swap_remove(i));
        } else if e.task.is_finished() {
            // A stale entry: its loop closed (dropping a finished task runs no code).
            table.swap_remove(i);
        } else {
            i += 1;
        }
    }
    found
}

#[cold]
fn report_failure(signum: i32, err: &io::Error) {
    let ctx = ExceptionContext {
        kind: ExceptionKind::ReactorError,
        message: format!("the handler for signal {signum} stopped: {err}"),
        task: None,
        panic: None,
    };
    if crate::context::with_current(|inner| inner.call_exception_handler(&ctx)).is_none() {
        crate::default_exception_handler(&ctx);
    }
}
