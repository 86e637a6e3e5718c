//! A source's readiness: one atomic word holding per-direction readiness flags and a tick that counts
//! the poller events delivered to the source.
//!
//! # The word
//!
//! | bits | flag | meaning |
//! | --- | --- | --- |
//! | 0 | `READABLE` | a read may find data (an event said so, or nothing has shown otherwise yet) |
//! | 1 | `WRITABLE` | a write may find room |
//! | 2 | `READ_CLOSED` | the peer closed its side or the descriptor broke: reads never wait again |
//! | 3 | `WRITE_CLOSED` | the descriptor hung up or broke: writes never wait again |
//! | 4 | `READ_RECHECK` | the level is unknown (`READABLE` was consumed without seeing the descriptor drained, or nothing was ever reported): operations try their syscall, and an edge-triggered poller must look at the level again before the source waits for a report |
//! | 5 | `WRITE_RECHECK` | the same for writes |
//! | 6 | `UNREGISTERED` | not (yet) in the poller of the loop it belongs to |
//! | 7 | `READ_REPORTED` | an event reported the direction since `readable()` last returned: only `readable()` takes it, so a read in another task that drains the descriptor does not swallow the report a `readable()` waiter was woken for |
//! | 8 | `WRITE_REPORTED` | the same for `writable()` |
//! | 9 | `READ_URGENT` | TCP urgent data arrived once (`EPOLLPRI`): a read stops short at its mark with data behind it, so from then on a short read no longer clears readiness (only `WouldBlock` does) |
//! | 10.. | tick | incremented by every event the reactor delivers |
//!
//! # The race the tick closes
//!
//! An operation reads the word, runs its syscall, and clears readiness when the syscall shows the
//! descriptor drained (`WouldBlock`, or fewer bytes than asked). An event that arrives between the load
//! and the clear must survive: the clear only happens when the tick is still the one loaded, so a newer
//! event keeps its flag and the operation runs again instead of waiting for an edge that already came.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Interest;
use crate::selector::ready as ev;

pub(crate) const READABLE: usize = 1 << 0;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const READ_RECHECK: usize = 1 << 4;
pub(crate) const WRITE_RECHECK: usize = 1 << 5;
pub(crate) const UNREGISTERED: usize = 1 << 6;
pub(crate) const READ_REPORTED: usize = 1 << 7;
pub(crate) const WRITE_REPORTED: usize = 1 << 8;
pub(crate) const READ_URGENT: usize = 1 << 9;
/// One step of the tick.
const TICK: usize = 1 << 10;

/// The state of a source no poller knows yet: operations try their syscall at once (the source is
/// registered lazily, on the first `WouldBlock`), but nothing has reported readiness.
pub(crate) const FRESH: usize = READABLE | WRITABLE | READ_RECHECK | WRITE_RECHECK | UNREGISTERED;

/// The flags of one direction.
#[derive(Clone, Copy)]
pub(crate) struct Dir {
    pub(crate) ready: usize,
    pub(crate) closed: usize,
    pub(crate) recheck: usize,
    pub(crate) reported: usize,
}

impl Interest {
    #[inline]
    pub(crate) fn flags(self) -> Dir {
        match self {
            Interest::Read => Dir {
                ready: READABLE,
                closed: READ_CLOSED,
                recheck: READ_RECHECK,
                reported: READ_REPORTED,
            },
            Interest::Write => Dir {
                ready: WRITABLE,
                closed: WRITE_CLOSED,
                recheck: WRITE_RECHECK,
                reported: WRITE_REPORTED,
            },
        }
    }
}

/// The readiness word of a source (see the module docs).
pub(crate) struct Readiness(AtomicUsize);

impl Readiness {
    pub(crate) fn new() -> Self {
        Readiness(AtomicUsize::new(FRESH))
    }

    /// The current word.
    #[inline]
    pub(crate) fn load(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// May an operation in `dir` try its syscall, given the word `w`? Yes when ready, closed, or the
    /// level is unknown.
    #[inline]
    pub(crate) fn may_try(w: usize, dir: Dir) -> bool {
        w & (dir.ready | dir.closed | dir.recheck) != 0
    }

    /// Has a poller reported `dir` ready (not merely "not known to be drained") since the report was
    /// last consumed, given `w`?
    #[inline]
    pub(crate) fn reported(w: usize, dir: Dir) -> bool {
        w & (dir.closed | dir.reported) != 0
    }

    /// An event arrived with the [`ready`](crate::selector::ready) flags `bits`: set them and advance
    /// the tick. A reported direction's level is known again, so its re-check flag goes.
    #[inline]
    pub(crate) fn deliver(&self, bits: u8) {
        let mut set = 0;
        let mut known = 0;
        if bits & (ev::READABLE | ev::READ_CLOSED) != 0 {
            set |= READABLE | READ_REPORTED;
            known |= READ_RECHECK;
        }
        if bits & (ev::WRITABLE | ev::WRITE_CLOSED) != 0 {
            set |= WRITABLE | WRITE_REPORTED;
            known |= WRITE_RECHECK;
        }
        if bits & ev::READ_CLOSED != 0 {
            set |= READ_CLOSED;
        }
        if bits & ev::WRITE_CLOSED != 0 {
            set |= WRITE_CLOSED;
        }
        if bits & ev::URGENT != 0 {
            set |= READ_URGENT;
        }
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                Some((w.wrapping_add(TICK) & !known) | set)
            });
    }

    /// An operation that loaded `seen` found `dir` drained: clears its readiness (and, when `blocked`,
    /// i.e. the syscall returned `WouldBlock`, its closed flag, which was then no reason to try) unless
    /// an event arrived since `seen` was loaded. A short read of a source that has had urgent data
    /// clears nothing (the read may have stopped at the urgent mark).
    #[inline]
    pub(crate) fn clear(&self, seen: usize, dir: Dir, blocked: bool) {
        let mask = if blocked {
            dir.ready | dir.recheck | dir.closed
        } else {
            dir.ready | dir.recheck
        };
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                let urgent_cut = !blocked && dir.ready == READABLE && w & READ_URGENT != 0;
                (w & !(TICK - 1) == seen & !(TICK - 1) && w & mask != 0 && !urgent_cut)
                    .then_some(w & !mask)
            });
    }

    /// Takes a reported readiness of `dir` for a caller that will not tell whether it drained the
    /// descriptor (`Async::readable`): clears it and marks the level as unknown. Returns whether there
    /// was one. A closed direction stays ready. A report survives operations that clear readiness in
    /// between (another task's read), so it may be stale: `readable()` can return when the data it was
    /// woken for is already gone.
    #[inline]
    pub(crate) fn consume(&self, dir: Dir) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                Readiness::reported(w, dir).then_some(if w & dir.closed != 0 {
                    w & !dir.reported
                } else {
                    (w & !(dir.ready | dir.reported)) | dir.recheck
                })
            })
            .is_ok()
    }

    /// Sets `bits` (no tick).
    #[inline]
    pub(crate) fn set(&self, bits: usize) {
        self.0.fetch_or(bits, Ordering::AcqRel);
    }

    /// Clears `bits` (no tick).
    #[inline]
    pub(crate) fn unset(&self, bits: usize) {
        self.0.fetch_and(!bits, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Dir = Dir {
        ready: READABLE,
        closed: READ_CLOSED,
        recheck: READ_RECHECK,
        reported: READ_REPORTED,
    };

    fn registered() -> Readiness {
        let r = Readiness::new();
        r.unset(FRESH);
        r
    }

    #[test]
    fn a_fresh_source_lets_operations_try_but_reports_nothing() {
        let r = Readiness::new();
        assert!(Readiness::may_try(r.load(), R));
        assert!(!Readiness::reported(r.load(), R));
    }

    #[test]
    fn an_event_between_the_syscall_and_the_clear_survives() {
        let r = registered();
        r.deliver(ev::READABLE);
        let seen = r.load();
        // The operation's syscall runs here; meanwhile another event arrives.
        r.deliver(ev::READABLE);
        r.clear(seen, R, true);
        assert!(Readiness::may_try(r.load(), R), "the newer event was lost");
        // Without an event in between, the clear takes effect.
        let seen = r.load();
        r.clear(seen, R, true);
        assert!(!Readiness::may_try(r.load(), R));
    }

    #[test]
    fn a_short_read_keeps_the_closed_flag_and_would_block_drops_it() {
        let r = registered();
        r.deliver(ev::READABLE | ev::READ_CLOSED);
        let seen = r.load();
        r.clear(seen, R, false);
        assert!(
            Readiness::may_try(r.load(), R),
            "end of stream must stay readable"
        );
        let seen = r.load();
        r.clear(seen, R, true);
        assert!(!Readiness::may_try(r.load(), R));
    }

    #[test]
    fn consuming_a_report_leaves_the_level_to_be_checked() {
        let r = registered();
        r.deliver(ev::READABLE);
        assert!(r.consume(R));
        assert!(!r.consume(R), "one report, consumed once");
        let w = r.load();
        assert!(w & READ_RECHECK != 0 && Readiness::may_try(w, R));
        // The next event makes the level known again.
        r.deliver(ev::READABLE);
        assert!(r.load() & READ_RECHECK == 0);
        assert!(r.consume(R));
    }

    #[test]
    fn a_report_survives_a_drained_read_until_consumed() {
        let r = registered();
        r.deliver(ev::READABLE);
        // Another task's short read drains the descriptor before the `readable()` waiter runs.
        let seen = r.load();
        r.clear(seen, R, false);
        assert!(!Readiness::may_try(r.load(), R));
        assert!(
            r.consume(R),
            "the waiter's report was swallowed by the read"
        );
        assert!(!r.consume(R));
    }

    #[test]
    fn after_urgent_data_only_would_block_clears_reads() {
        let r = registered();
        r.deliver(ev::READABLE | ev::URGENT);
        let seen = r.load();
        r.clear(seen, R, false);
        assert!(Readiness::may_try(r.load(), R), "a short read at the mark");
        let seen = r.load();
        r.clear(seen, R, true);
        assert!(!Readiness::may_try(r.load(), R));
    }

    #[test]
    fn the_tick_wraps_without_touching_the_flags() {
        let r = Readiness(AtomicUsize::new(usize::MAX & !(TICK - 1)));
        r.deliver(ev::WRITABLE);
        assert_eq!(r.load(), WRITABLE | WRITE_REPORTED);
    }
}
