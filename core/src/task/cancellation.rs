//! How cancellation works in tulip, for readers who know asyncio's `CancelledError`.
//!
//! **asyncio:** `Task.cancel()`, `asyncio.CancelledError`, `try: ... finally:` cleanup,
//! `asyncio.shield`. This module holds documentation only.
//!
//! # What a cancelled task observes
//!
//! In asyncio, `task.cancel()` throws `CancelledError` into the coroutine at the `await` it is suspended
//! on; the coroutine may catch it, clean up, even swallow it. In tulip (as everywhere in async Rust) a
//! task is cancelled by **dropping its future**:
//!
//! - The future is dropped at the `.await` it is parked on. **No code after that `.await` runs**, not
//!   even the rest of the statement; there is no exception to catch and no way to refuse.
//! - Everything the future owns at that point is dropped, innermost first, so every `Drop` impl runs:
//!   sockets close, timers are removed from the wheel, lock guards unlock, semaphore permits return.
//! - The drop happens on the task's loop thread, during a later loop iteration (the task is woken and
//!   its next poll drops the future instead of polling it). [`Task::cancel`](crate::Task::cancel)
//!   waits until that has happened; dropping the [`Task`](crate::Task) handle requests the same
//!   thing without waiting.
//!
//! What cancels a task: [`Task::cancel`](crate::Task::cancel), dropping its `Task` handle without
//! [`detach`](crate::Task::detach), loop shutdown ([`run`](crate::run) cancels what is left), a
//! failing sibling in a [`TaskGroup`](crate::task::TaskGroup). What cancels a *future* inside a task:
//! [`tulip_time::timeout`] / [`wait_for`](crate::wait_for) when the deadline passes,
//! [`try_gather`](crate::try_gather) when a sibling fails, and any combinator that stops polling it.
//!
//! # Where to clean up
//!
//! asyncio code cleans up in `finally:` or `except CancelledError:`. The Rust equivalent is a value
//! whose `Drop` does the cleanup (a *drop guard*), created before the `.await` that may be cancelled.
//! `Drop` is synchronous: it cannot `.await`. Cleanup that needs to await (a goodbye message, a
//! flush) must either be done by someone who is not cancelled (spawn it from `Drop` with
//! [`spawn`](crate::spawn)`(...).detach()`), or be protected from cancellation with
//! [`shield`](crate::shield).
//!
//! # Cancelling twice, or too late
//!
//! Harmless, as in asyncio: cancelling a task that already finished, panicked or was cancelled does
//! nothing (`Task::cancel` then returns the output if there was one, `None` otherwise), and a task's
//! future is dropped exactly once.
//!
//! # Example
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! /// Records "cleaned up" when dropped: the `finally:` block of this example.
//! struct Cleanup(Rc<RefCell<Vec<&'static str>>>);
//! impl Drop for Cleanup {
//!     fn drop(&mut self) {
//!         self.0.borrow_mut().push("cleaned up");
//!     }
//! }
//!
//! tulip_core::run(async {
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     let l = log.clone();
//!     let task = tulip_core::spawn(async move {
//!         let _guard = Cleanup(l.clone());
//!         l.borrow_mut().push("started");
//!         tulip_time::sleep(Duration::from_secs(3600)).await; // cancelled here
//!         l.borrow_mut().push("never printed");
//!         42
//!     });
//!     tulip_core::yield_now().await; // let the task start
//!
//!     // Cancel and wait until the future is gone: `None`, it did not finish.
//!     assert_eq!(task.cancel().await, None);
//!     assert_eq!(*log.borrow(), ["started", "cleaned up"]);
//!
//!     // Cancelling a finished task is harmless and gives its output back.
//!     let done = tulip_core::spawn(async { 7 });
//!     tulip_core::yield_now().await;
//!     assert_eq!(done.cancel().await, Some(7));
//! });
//! ```
//!
//! The Python it mirrors:
//!
//! ```python
//! async def work(log):
//!     try:
//!         log.append("started")
//!         await asyncio.sleep(3600)   # CancelledError raised here
//!         log.append("never printed")
//!     finally:
//!         log.append("cleaned up")
//!
//! task = asyncio.create_task(work(log))
//! await asyncio.sleep(0)
//! task.cancel()
//! with contextlib.suppress(asyncio.CancelledError):
//!     await task
//! ```
