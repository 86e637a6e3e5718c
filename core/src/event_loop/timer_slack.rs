//! The loop thread's timer slack, lowered while the loop runs with timers so its poller wait ends at
//! the deadline rather than up to 50 µs after it.
//!
//! Linux lets a blocking wait with a timeout (`epoll_pwait2`, `ppoll`) end anywhere in
//! `[timeout, timeout + slack]`, where the slack of a normal thread is the larger of 50 µs (the thread's
//! `PR_GET_TIMERSLACK`) and a thousandth of the timeout, to coalesce wake-ups. Measured on the 1 ms
//! sleep of the lateness bench: 88 µs late at the median with the default slack, 29-36 µs without. A
//! loop lowers its thread's slack to 1 ns on its first timed wait of a run (one `prctl` pair, not one
//! per wait) and puts the old value back when the run ends. Elsewhere this does nothing.

use std::cell::Cell;

/// The slack the thread had before the loop lowered it, while lowered.
#[derive(Debug, Default)]
pub(crate) struct TimerSlack {
    saved: Cell<Option<u64>>,
}

/// The slack a loop waits with: 1 ns (0 would mean "the thread's default").
#[cfg(any(target_os = "linux", target_os = "android"))]
const PRECISE: u64 = 1;

impl TimerSlack {
    /// Before a wait with a timeout: lowers this thread's slack if not done yet in this run.
    #[inline]
    pub(crate) fn lower(&self) {
        if self.saved.get().is_none() {
            self.saved.set(Some(lower_slow()));
        }
    }

    /// At the end of a run: puts the thread's slack back if it was lowered.
    pub(crate) fn restore(&self) {
        if let Some(previous) = self.saved.take() {
            set(previous);
        }
    }
}

#[cold]
fn lower_slow() -> u64 {
    let previous = get();
    set_precise(previous);
    previous
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn get() -> u64 {
    // SAFETY: PR_GET_TIMERSLACK takes no pointer and only reads the calling thread's setting.
    let r = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
    u64::try_from(r).unwrap_or(PRECISE)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_precise(previous: u64) {
    if previous > PRECISE {
        set(PRECISE);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set(slack: u64) {
    // A slack comes from `get` (a `c_int`) or is `PRECISE`: it fits a `c_ulong` on every target.
    let arg = slack as libc::c_ulong;
    // SAFETY: PR_SET_TIMERSLACK takes a value, no pointer, and changes only the calling thread's
    // slack. A failure leaves the slack as it was, which only costs precision.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, arg, 0, 0, 0);
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn get() -> u64 {
    0
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_precise(_previous: u64) {}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set(_slack: u64) {}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn lowering_then_restoring_gives_the_thread_its_slack_back() {
        std::thread::spawn(|| {
            set(70_000);
            let slack = TimerSlack::default();
            slack.lower();
            assert_eq!(get(), PRECISE);
            slack.lower(); // once per run
            assert_eq!(slack.saved.get(), Some(70_000));
            slack.restore();
            assert_eq!(get(), 70_000);
            slack.restore(); // nothing saved: a no-op
            assert_eq!(get(), 70_000);
        })
        .join()
        .unwrap();
    }
}
