//! The loop's timers: a clock plus a wheel of wakers and callbacks, and the scoped "current timers" slot.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::time::{Duration, Instant};

use crate::scoped::{self, Scoped, ScopedGuard};
use crate::wheel::{TimerKey, Wheel};
use crate::Clock;

/// How long one wheel tick lasts: the granularity of the timers' bookkeeping, and the shortest period
/// of an [`Interval`](crate::Interval).
///
/// Timers do not fire on tick boundaries: each keeps its exact deadline, the loop sleeps in its poller
/// until the earliest one (with a nanosecond timeout where the OS has one), and a timer fires once its
/// own deadline has passed, never before.
pub const RESOLUTION: Duration = Duration::from_millis(1);

/// [`RESOLUTION`] in nanoseconds; the tick arithmetic below assumes one tick is one millisecond.
const NANOS_PER_TICK: u64 = 1_000_000;
const _: () = assert!(RESOLUTION.as_nanos() == NANOS_PER_TICK as u128);

/// The tick of every deadline in the wheel's last epoch or past it (about 584 million years ahead):
/// "never". Such timers stay pending (they can be cancelled) but never fire.
const NEVER_TICK: u64 = u64::MAX;

/// The first tick of the wheel's last epoch: deadlines from here on are due "never" (a lower bound the
/// wheel reports at or past it stands for such timers only).
const NEVER_FROM: u64 = NEVER_TICK & !(crate::wheel::EPOCH_TICKS - 1);

/// What happens when a timer comes due.
pub enum TimerAction {
    /// A future (`sleep`, `timeout`, `interval`) waiting for its deadline: wake it.
    Wake(Waker),
    /// A `call_later` / `call_at` callback: the loop runs it.
    Call(Box<dyn FnOnce()>),
    /// A callback with a tag chosen by whoever inserted it, so it can be found once it fired (the loop
    /// uses it to cancel a `call_later` callback that is due but has not run yet, without a shared flag).
    /// A `u32` keeps this enum as small as with `Call` alone (the tag sits beside the discriminant).
    ///
    /// **asyncio:** a `TimerHandle` still in `_ready` after its deadline, which `cancel()` can stop.
    Tagged(u32, Box<dyn FnOnce()>),
}

impl fmt::Debug for TimerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerAction::Wake(w) => f.debug_tuple("Wake").field(w).finish(),
            TimerAction::Call(_) => f.write_str("Call(..)"),
            TimerAction::Tagged(tag, _) => write!(f, "Tagged({tag}, ..)"),
        }
    }
}

/// One stored timer: its exact deadline (the wheel only knows ticks: the millisecond it falls in) and
/// what to do.
#[derive(Debug)]
struct Entry {
    deadline: Instant,
    action: TimerAction,
}

/// Identifies a timer in one [`Timers`]; used to cancel it or to replace its waker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId {
    timers: u64,
    key: TimerKey,
}

impl TimerId {
    /// Whether this timer lives in `timers`.
    #[inline]
    pub fn belongs_to(&self, timers: &Timers) -> bool {
        self.timers == timers.id
    }
}

static NEXT_TIMERS_ID: AtomicU64 = AtomicU64::new(1);

/// A loop's timers: its [`Clock`] and a hierarchical [`Wheel`] holding both `call_later` callbacks and the
/// wakers of `sleep`/`timeout`/`interval` futures.
///
/// Loop-local (`!Send`): the loop owns one and makes it "current" on its thread while it runs, which is how
/// [`sleep`](crate::sleep) finds it. Insert and cancel are O(1); [`Timers::next_deadline`] is cheap
/// (after the earliest timers changed, one step per timer due in the wheel's next occupied tick).
///
/// **asyncio:** the loop's `_scheduled` heap of `TimerHandle`s.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tulip_time::{Clock, TimerAction, Timers};
///
/// let timers = Timers::new(Clock::paused());
/// let when = timers.now() + Duration::from_millis(10);
/// timers.insert(when, TimerAction::Call(Box::new(|| println!("due"))));
/// assert_eq!(timers.next_deadline(), Some(when));
/// timers.clock().advance(Duration::from_millis(10));
/// let mut due = Vec::new();
/// assert_eq!(timers.fire(timers.now(), &mut due), 1);
/// ```
pub struct Timers {
    id: u64,
    clock: Clock,
    /// The instant tick 0 stands for.
    origin: Instant,
    wheel: RefCell<Wheel<Entry>>,
    /// Scratch buffer reused by [`Timers::fire`].
    scratch: RefCell<Vec<Entry>>,
    fired: Cell<u64>,
    /// An instant no later than the earliest pending deadline (`None` when no timer can fire), so the
    /// loop tells "nothing due" from one compare instead of searching the wheel. Lowered by `insert`,
    /// recomputed by `fire` and, when not exact, by `next_deadline`; `cancel` leaves it (a lower bound
    /// stays one).
    due_hint: Cell<Option<Instant>>,
    /// `due_hint` is the earliest deadline itself, not only a lower bound.
    hint_exact: Cell<bool>,
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers")
            .field("id", &self.id)
            .field("clock", &self.clock)
            .field("len", &self.len())
            .finish()
    }
}

impl Timers {
    /// Empty timers reading `clock`.
    pub fn new(clock: Clock) -> Self {
        let origin = clock.now();
        Timers {
            id: NEXT_TIMERS_ID.fetch_add(1, Ordering::Relaxed),
            clock,
            origin,
            wheel: RefCell::new(Wheel::new()),
            scratch: RefCell::new(Vec::new()),
            fired: Cell::new(0),
            due_hint: Cell::new(None),
            hint_exact: Cell::new(true),
        }
    }

    /// The clock these timers read.
    #[inline]
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The clock's current instant.
    #[inline]
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// How many timers are pending.
    #[inline]
    pub fn len(&self) -> usize {
        self.wheel.borrow().len()
    }

    /// Whether no timer is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.wheel.borrow().is_empty()
    }

    /// How many timers have fired since these timers were made.
    #[inline]
    pub fn fired_count(&self) -> u64 {
        self.fired.get()
    }

    /// The tick a deadline falls in (rounded down: the wheel hands the timer out when that tick has
    /// begun, and [`Timers::fire`] keeps it until its exact deadline has passed); [`NEVER_TICK`] from
    /// the wheel's last epoch on.
    #[inline]
    fn tick_of(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.origin);
        // u64 arithmetic (a u128 division costs a libcall).
        let ms = since.as_secs().saturating_mul(1000);
        let tick = ms.saturating_add(u64::from(since.subsec_nanos()) / NANOS_PER_TICK);
        if tick >= NEVER_FROM {
            NEVER_TICK
        } else {
            tick
        }
    }

    /// The instant tick `tick` begins at; `None` for the "never" ticks.
    fn instant_of(&self, tick: u64) -> Option<Instant> {
        if tick >= NEVER_FROM {
            return None;
        }
        let nanos = u128::from(tick) * RESOLUTION.as_nanos();
        let offset = Duration::new(
            u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX),
            (nanos % 1_000_000_000) as u32,
        );
        Some(
            self.origin
                .checked_add(offset)
                .unwrap_or(self.origin + Duration::from_secs(86400 * 365 * 30)),
        )
    }

    /// Makes `due_hint` the earliest deadline if the wheel can say it without a long search (the next
    /// timers are due within one tick), else the start of the slot that holds them.
    fn refresh_hint(&self, wheel: &Wheel<Entry>) {
        let (hint, exact) = match wheel.earliest() {
            Some(first) => (first.map(|e| e.deadline).min(), true),
            None => match wheel.next_deadline() {
                None => (None, true),
                Some(tick) => match self.instant_of(tick) {
                    None => (None, true),
                    Some(at) => (Some(at), false),
                },
            },
        };
        self.due_hint.set(hint);
        self.hint_exact.set(exact);
    }

    /// The tick that has fully passed at `now`: rounded down, and never [`NEVER_TICK`], which no clock
    /// reaches (not even one advanced by `Duration::MAX`).
    #[inline]
    fn tick_passed(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.origin);
        let ms = since.as_secs().saturating_mul(1000);
        ms.saturating_add(u64::from(since.subsec_nanos()) / NANOS_PER_TICK)
            .min(NEVER_TICK - 1)
    }

    /// Whether a timer may be due at `now`: `false` means [`Timers::fire`] would return nothing. Cheap
    /// (no search of the wheel); it can answer `true` when nothing is due (the earliest timer was
    /// cancelled), never `false` when something is.
    ///
    /// **asyncio:** `_run_once()` comparing `_scheduled[0].when()` with the loop's time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::{Clock, TimerAction, Timers};
    ///
    /// let timers = Timers::new(Clock::paused());
    /// assert!(!timers.may_be_due(timers.now()));
    /// timers.insert(timers.now() + Duration::from_millis(5), TimerAction::Call(Box::new(|| {})));
    /// assert!(!timers.may_be_due(timers.now()));
    /// assert!(timers.may_be_due(timers.now() + Duration::from_millis(5)));
    /// ```
    #[inline]
    pub fn may_be_due(&self, now: Instant) -> bool {
        matches!(self.due_hint.get(), Some(hint) if now >= hint)
    }

    /// Whether any timer that can fire is pending (one due "never" does not count); cheaper than
    /// [`Timers::is_empty`] and exact the other way round: `false` means none is pending, `true` may
    /// follow a cancel.
    ///
    /// **asyncio:** `_run_once()` testing whether `_scheduled` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::{Clock, TimerAction, Timers};
    ///
    /// let timers = Timers::new(Clock::paused());
    /// assert!(!timers.may_have_pending());
    /// timers.insert(timers.now() + Duration::from_millis(5), TimerAction::Call(Box::new(|| {})));
    /// assert!(timers.may_have_pending());
    /// ```
    #[inline]
    pub fn may_have_pending(&self) -> bool {
        self.due_hint.get().is_some()
    }

    /// Adds a timer due at `deadline`. O(1).
    pub fn insert(&self, deadline: Instant, action: TimerAction) -> TimerId {
        let tick = self.tick_of(deadline);
        if tick != NEVER_TICK {
            match self.due_hint.get() {
                // A deadline at or before a lower bound of the others is the earliest one.
                Some(hint) if hint < deadline => {}
                _ => {
                    self.due_hint.set(Some(deadline));
                    self.hint_exact.set(true);
                }
            }
        }
        let key = self
            .wheel
            .borrow_mut()
            .insert(tick, Entry { deadline, action });
        TimerId {
            timers: self.id,
            key,
        }
    }

    /// Removes a pending timer and returns its action; `None` if it already fired, was cancelled, or belongs
    /// to other timers. O(1).
    pub fn cancel(&self, id: TimerId) -> Option<TimerAction> {
        if id.timers != self.id {
            return None;
        }
        let mut wheel = self.wheel.borrow_mut();
        let entry = wheel.cancel(id.key)?;
        if wheel.is_empty() {
            self.due_hint.set(None);
            self.hint_exact.set(true);
        } else if self.due_hint.get() == Some(entry.deadline) {
            // Still a lower bound, no longer the earliest deadline.
            self.hint_exact.set(false);
        }
        Some(entry.action)
    }

    /// Whether the timer is still pending here.
    pub fn contains(&self, id: TimerId) -> bool {
        id.timers == self.id && self.wheel.borrow().deadline(id.key).is_some()
    }

    /// The deadline of a pending timer.
    pub fn deadline(&self, id: TimerId) -> Option<Instant> {
        if id.timers != self.id {
            return None;
        }
        let mut wheel = self.wheel.borrow_mut();
        wheel.get_mut(id.key).map(|e| e.deadline)
    }

    /// Makes a pending `Wake` timer wake `waker` instead; returns `false` if the timer is not pending here
    /// (it fired or was cancelled), so the caller inserts a new one.
    pub fn update_waker(&self, id: TimerId, waker: &Waker) -> bool {
        if id.timers != self.id {
            return false;
        }
        let mut wheel = self.wheel.borrow_mut();
        match wheel.get_mut(id.key) {
            Some(Entry {
                action: TimerAction::Wake(w),
                ..
            }) => {
                if !w.will_wake(waker) {
                    w.clone_from(waker);
                }
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    /// The earliest instant a timer may come due, never later than the real earliest deadline: the
    /// earliest deadline itself, to the nanosecond, when the next timers fall within the wheel's next
    /// occupied tick; when they sit further out on a coarse level of the wheel, the start of their slot
    /// (the loop then fires nothing, the wheel moves them to a finer level, and the loop asks again).
    /// `None` when no timer is pending. Timers due "never" (a deadline past the wheel's last tick,
    /// such as `call_later(Duration::MAX, f)`) do not count: with only those pending the answer is
    /// `None`.
    ///
    /// **asyncio:** `_run_once()` computing its `select` timeout from `_scheduled[0].when()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::{Clock, TimerAction, Timers};
    ///
    /// let timers = Timers::new(Clock::paused());
    /// let when = timers.now() + Duration::from_micros(1_250);
    /// timers.insert(when, TimerAction::Call(Box::new(|| {})));
    /// assert_eq!(timers.next_deadline(), Some(when)); // to the nanosecond
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        if !self.hint_exact.get() {
            self.refresh_hint(&self.wheel.borrow());
        }
        self.due_hint.get()
    }

    /// Drops every pending timer. The entries are dropped after the wheel is released, so a `Drop`
    /// that touches these timers does not find them borrowed.
    pub fn clear(&self) {
        drop(self.take_all());
    }

    /// Removes every pending timer and returns their actions, in no particular order, leaving these
    /// timers empty. The loop does this when it closes and drops each action under its own guard, so
    /// a callback whose captured values panic in `Drop` cannot stop the others from being dropped.
    ///
    /// **asyncio:** `loop.close()` clearing `_scheduled`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tulip_time::{Clock, TimerAction, Timers};
    ///
    /// let timers = Timers::new(Clock::paused());
    /// timers.insert(timers.now() + Duration::from_secs(1), TimerAction::Call(Box::new(|| {})));
    /// assert_eq!(timers.take_all().len(), 1);
    /// assert!(timers.is_empty());
    /// ```
    pub fn take_all(&self) -> Vec<TimerAction> {
        let old = std::mem::take(&mut *self.wheel.borrow_mut());
        self.due_hint.set(None);
        self.hint_exact.set(true);
        old.into_values().into_iter().map(|e| e.action).collect()
    }

    /// Moves every timer whose exact deadline is at or before `now` to `out`, ordered by deadline and,
    /// for equal deadlines, by insertion (asyncio runs same-deadline callbacks in the order they were
    /// scheduled). Returns how many. A timer due later in the current tick stays pending.
    pub fn fire(&self, now: Instant, out: &mut Vec<TimerAction>) -> usize {
        let tick = self.tick_passed(now);
        let mut scratch = self.scratch.borrow_mut();
        let n = {
            let mut wheel = self.wheel.borrow_mut();
            // The earliest deadline held back (due later in this tick) is the earliest pending
            // deadline: every timer still in the wheel's slots falls in a later tick.
            let mut held: Option<Instant> = None;
            let n = wheel.advance_until(tick, &mut scratch, |e| {
                if e.deadline <= now {
                    return true;
                }
                held = Some(held.map_or(e.deadline, |h| h.min(e.deadline)));
                false
            });
            match held {
                Some(at) => {
                    self.due_hint.set(Some(at));
                    self.hint_exact.set(true);
                }
                None => self.refresh_hint(&wheel),
            }
            n
        };
        if n > 1 {
            // The wheel orders by (tick, insertion); order by exact deadline inside a tick. Stable, so equal
            // deadlines keep insertion order.
            scratch.sort_by_key(|e| e.deadline);
        }
        out.extend(scratch.drain(..).map(|e| e.action));
        self.fired.set(self.fired.get() + n as u64);
        n
    }
}

thread_local! {
    static CURRENT: Scoped<Timers> = const { Scoped::new() };
}

/// Restores the previous "current timers" when dropped; see [`enter`].
pub type EnterGuard = ScopedGuard<Timers>;

/// Makes `timers` the current timers of this thread until the guard drops (the loop does this while it
/// runs). Nested calls stack.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tulip_time::{timers, Clock, Timers};
/// let t = Rc::new(Timers::new(Clock::paused()));
/// let _g = timers::enter(t.clone());
/// assert!(timers::with_current(|c| c.len()).is_some());
/// ```
pub fn enter(timers: Rc<Timers>) -> EnterGuard {
    scoped::enter(&CURRENT, timers)
}

/// Runs `f` with this thread's current timers; `None` when no loop is running here.
#[inline]
pub fn with_current<R>(f: impl FnOnce(&Timers) -> R) -> Option<R> {
    scoped::with(&CURRENT, |t| f(t))
}

/// Runs `f` with this thread's current timers.
///
/// # Panics
///
/// When no tulip loop is running on this thread: timer futures must be polled by a loop.
#[track_caller]
#[inline]
pub(crate) fn expect_current<R>(f: impl FnOnce(&Timers) -> R) -> R {
    match with_current(f) {
        Some(r) => r,
        None => no_loop(),
    }
}

#[cold]
#[track_caller]
fn no_loop() -> ! {
    panic!("a tulip timer was polled outside a running tulip loop: run it with tulip::run or tulip::block_on")
}

/// The current instant on the running loop's clock (`loop.time()`); [`Instant::now`] when no loop runs.
///
/// **asyncio:** `loop.time()`.
///
/// # Examples
///
/// ```
/// let t = tulip_time::now();
/// assert!(t <= std::time::Instant::now());
/// ```
#[doc(alias = "time")]
pub fn now() -> Instant {
    with_current(|t| t.now()).unwrap_or_else(Instant::now)
}
