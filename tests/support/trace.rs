//! A trace for the asyncio ports (`tests/asyncio_ports/*.py`): the Rust port pushes the lines its
//! python3 original prints, and the test compares them with python3's output pasted into it.

use std::cell::RefCell;
use std::fmt::Display;
use std::rc::Rc;

/// The lines a ported program printed, in order; clones share one list.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trace(Rc<RefCell<Vec<String>>>);

impl Trace {
    pub(crate) fn new() -> Self {
        Trace::default()
    }

    /// `trace.append(line)`.
    pub(crate) fn push(&self, line: impl Display) {
        self.0.borrow_mut().push(line.to_string());
    }

    /// Asserts that the lines are exactly `expected`'s (python3's output, one line per entry).
    #[track_caller]
    pub(crate) fn assert_eq_python(&self, expected: &str) {
        let got = self.0.borrow();
        let want: Vec<&str> = expected.lines().collect();
        if *got != want {
            let first = got
                .iter()
                .map(String::as_str)
                .zip(want.iter().copied())
                .position(|(g, w)| g != w)
                .unwrap_or(got.len().min(want.len()));
            panic!(
                "tulip's trace differs from python3's at line {}\n--- tulip\n{}\n--- python3\n{}",
                first + 1,
                got.join("\n"),
                want.join("\n")
            );
        }
    }
}

/// Runs `f` when dropped: the port of a `finally:` block (cancellation is drop, see
/// `tulip::task::cancellation`).
pub(crate) fn finally<F: FnOnce()>(f: F) -> Finally<F> {
    Finally(Some(f))
}

/// The guard [`finally`] returns.
pub(crate) struct Finally<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Finally<F> {
    /// Drops the guard without running `f`: the port of an `except CancelledError:` block that the
    /// normal path skips.
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl<F: FnOnce()> Drop for Finally<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}
