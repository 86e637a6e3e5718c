//! A hierarchical timer wheel: timers keyed by integer ticks, inserted and cancelled in O(1).
//!
//! The wheel knows nothing of clocks or event loops: time is a `u64` count of ticks (the loop uses
//! one tick per millisecond) and the caller says how far to [`Wheel::advance`].
//!
//! # Implementation
//!
//! Six levels of 64 slots each. A timer sits in the level given by the highest bit in which
//! its deadline differs from the wheel's elapsed tick, in the slot given by the deadline's six bits at
//! that level. When the wheel reaches the start of a slot above level 0, the slot's timers cascade
//! into finer levels; a level-0 slot holds timers due at exactly one tick. Each level keeps a `u64`
//! of occupied slots, so the next slot to process is found with `trailing_zeros`, and `advance` jumps
//! from one occupied slot to the next however much empty time lies between.
//!
//! Deadlines beyond the wheel's `2^36`-tick epoch wait in an overflow list and enter the levels when
//! their epoch begins. Timers are nodes of doubly linked lists threaded through a [`Slab`] by `u32`
//! indices: no `unsafe`, and no allocation beyond the slab's growth.

mod level;

use std::fmt;

use slab::Slab;

use self::level::{level_for, slot_for, Expiration, Level, EPOCH, NUM_LEVELS};

/// Ticks in one epoch of the wheel (`2^36`): the span its levels cover; deadlines further ahead wait
/// in an overflow list.
pub const EPOCH_TICKS: u64 = EPOCH;

/// The "no node" index that ends a list.
const NIL: u32 = u32::MAX;

/// Identifies one timer inserted in a [`Wheel`].
///
/// A key stays valid until its timer fires or is cancelled; after that every method given the key
/// answers `None`, even once the timer's storage has been reused by a later insert (the key carries
/// a generation, the low 32 bits of the timer's insertion sequence number).
///
/// **asyncio:** the `TimerHandle` that `loop.call_at()` returns, without the callback.
///
/// # Examples
///
/// ```
/// use tulip_time::wheel::Wheel;
///
/// let mut wheel = Wheel::new();
/// let key = wheel.insert(10, "tea");
/// assert_eq!(wheel.cancel(key), Some("tea"));
/// assert_eq!(wheel.cancel(key), None); // stale
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey {
    /// Index of the timer's node in the slab.
    index: u32,
    /// Low 32 bits of the timer's sequence number, to tell it from a later occupant of `index`.
    generation: u32,
}

/// Head and tail of a doubly linked list of nodes, by slab index ([`NIL`] when empty).
#[derive(Debug, Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

impl List {
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    #[inline]
    fn is_empty(&self) -> bool {
        self.head == NIL
    }
}

/// Which list a node is linked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Location {
    /// Due at once: inserted with a deadline at or before the elapsed tick.
    Pending,
    /// A slot of a level.
    Slot { level: u8, slot: u8 },
    /// Beyond the current epoch.
    Overflow,
    /// In no list: collected by the running `advance`, about to be handed out.
    Due,
}

/// One timer: its value, its ordering keys and its links.
#[derive(Debug)]
struct Node<T> {
    value: T,
    deadline: u64,
    /// Insertion sequence number: orders timers with equal deadlines; its low bits are the generation.
    seq: u64,
    prev: u32,
    next: u32,
    location: Location,
}

/// What `advance` must process next.
#[derive(Debug, Clone, Copy)]
enum Next {
    Slot(Expiration),
    /// The overflow list, at the start of the epoch of its earliest deadline.
    Overflow(u64),
}

impl Next {
    #[inline]
    fn tick(self) -> u64 {
        match self {
            Next::Slot(exp) => exp.tick,
            Next::Overflow(tick) => tick,
        }
    }
}

/// A hierarchical timer wheel holding values of type `T` due at integer ticks.
///
/// Insert and cancel are O(1); [`advance`](Wheel::advance) costs O(1) per occupied slot it passes
/// and per timer it cascades or hands out, never per tick of empty time. Timers come out ordered by
/// deadline, and timers with equal deadlines in the order they were inserted.
///
/// **asyncio:** the event loop's `_scheduled` heap of `TimerHandle`s, which `call_at()` pushes to and
/// `_run_once()` pops from.
///
/// # Examples
///
/// ```
/// use tulip_time::wheel::Wheel;
///
/// let mut wheel = Wheel::new();
/// wheel.insert(250, "b");
/// wheel.insert(40, "a");
/// wheel.insert(250, "c");
///
/// let mut fired = Vec::new();
/// assert_eq!(wheel.advance(100, &mut fired), 1);
/// assert_eq!(fired, ["a"]);
/// wheel.advance(1_000, &mut fired);
/// assert_eq!(fired, ["a", "b", "c"]);
/// assert!(wheel.is_empty());
/// ```
pub struct Wheel<T> {
    /// The tick the wheel has advanced to. Every timer with a deadline at or before it has been
    /// handed out, except those inserted since, which wait in `pending`.
    elapsed: u64,

    /// Sequence number of the next insert.
    next_seq: u64,

    /// Storage of all live timers; lists link them by index.
    entries: Slab<Node<T>>,

    /// The levels. With one tick per millisecond:
    ///
    /// * level 0: 1 ms slots, 64 ms range
    /// * level 1: 64 ms slots, ~ 4 s range
    /// * level 2: ~ 4 s slots, ~ 4.4 min range
    /// * level 3: ~ 4.4 min slots, ~ 4.7 h range
    /// * level 4: ~ 4.7 h slots, ~ 12.4 day range
    /// * level 5: ~ 12.4 day slots, ~ 2.2 year range (one epoch)
    levels: [Level; NUM_LEVELS],

    /// Timers inserted with a deadline at or before `elapsed`: the next `advance` hands them out.
    pending: List,

    /// A lower bound of the deadlines in `pending` (`u64::MAX` when it is empty).
    pending_min: u64,

    /// Timers due in a later epoch than `elapsed`.
    ///
    /// `advance` passes over the whole list when the epoch of `overflow_min` begins, moving the
    /// timers of that epoch into the levels: O(overflow length) once per epoch that holds a timer.
    overflow: List,

    /// A lower bound of the deadlines in `overflow` (`u64::MAX` when it is empty); exact after
    /// every pass over the list, lower after a cancel.
    overflow_min: u64,

    /// Scratch for `advance`: `(deadline, seq, index)` of the timers it hands out, kept to reuse the
    /// allocation.
    due: Vec<(u64, u64, u32)>,
}

impl<T> Wheel<T> {
    /// Creates an empty wheel standing at tick 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let wheel: Wheel<()> = Wheel::new();
    /// assert_eq!(wheel.elapsed(), 0);
    /// assert!(wheel.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// Creates an empty wheel standing at tick 0 with room for `n` timers before it allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::with_capacity(1_000);
    /// wheel.insert(5, ());
    /// assert_eq!(wheel.len(), 1);
    /// ```
    pub fn with_capacity(n: usize) -> Self {
        Wheel {
            elapsed: 0,
            next_seq: 0,
            entries: Slab::with_capacity(n),
            levels: std::array::from_fn(Level::new),
            pending: List::EMPTY,
            pending_min: u64::MAX,
            overflow: List::EMPTY,
            overflow_min: u64::MAX,
            due: Vec::new(),
        }
    }

    /// The tick the wheel has advanced to.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel: Wheel<()> = Wheel::new();
    /// wheel.advance(42, &mut Vec::new());
    /// assert_eq!(wheel.elapsed(), 42);
    /// wheel.advance(7, &mut Vec::new()); // time never goes back
    /// assert_eq!(wheel.elapsed(), 42);
    /// ```
    #[inline]
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The number of timers that have neither fired nor been cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.insert(1, 'a');
    /// wheel.insert(2, 'b');
    /// assert_eq!(wheel.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the wheel holds no timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// assert!(wheel.is_empty());
    /// let key = wheel.insert(3, ());
    /// assert!(!wheel.is_empty());
    /// wheel.cancel(key);
    /// assert!(wheel.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Consumes the wheel and returns every timer's value, in no particular order, so the caller
    /// decides how each one is dropped (the loop drops them one by one when it closes, each under its
    /// own guard against a panicking `Drop`).
    ///
    /// **asyncio:** what `loop.close()` does to `_scheduled` (`clear()`, the handles never run).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.insert(1, 'a');
    /// wheel.insert(500_000, 'b');
    /// let mut values = wheel.into_values();
    /// values.sort();
    /// assert_eq!(values, ['a', 'b']);
    /// ```
    pub fn into_values(self) -> Vec<T> {
        self.entries
            .into_iter()
            .map(|(_, node)| node.value)
            .collect()
    }

    /// Inserts `value`, due at tick `deadline`, and returns its key. O(1).
    ///
    /// A deadline at or before [`elapsed`](Wheel::elapsed) is due at once: the next `advance`
    /// returns it, whatever tick it is given.
    ///
    /// **asyncio:** `loop.call_at()` pushing a `TimerHandle` onto `_scheduled`.
    ///
    /// # Panics
    ///
    /// If the wheel already holds `u32::MAX` timers.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.advance(100, &mut Vec::new());
    /// wheel.insert(20, "late"); // already past: due at once
    /// let mut fired = Vec::new();
    /// wheel.advance(0, &mut fired);
    /// assert_eq!(fired, ["late"]);
    /// ```
    #[track_caller]
    pub fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let vacant = self.entries.vacant_entry();
        let index = vacant.key();
        assert!(
            index < NIL as usize,
            "Wheel::insert: more than {} timers",
            NIL - 1
        );
        let index = index as u32;
        vacant.insert(Node {
            value,
            deadline,
            seq,
            prev: NIL,
            next: NIL,
            location: Location::Due,
        });
        if deadline <= self.elapsed {
            self.pending_min = self.pending_min.min(deadline);
            self.link(index, Location::Pending);
        } else {
            self.schedule(index, deadline);
        }
        TimerKey {
            index,
            generation: seq as u32,
        }
    }

    /// Removes a timer that has not fired yet and returns its value. O(1).
    ///
    /// Returns `None` for a key whose timer already fired or was cancelled, including when its
    /// storage has since been reused by another timer.
    ///
    /// **asyncio:** `TimerHandle.cancel()`, except that the entry leaves the wheel at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// let key = wheel.insert(10, 'x');
    /// assert_eq!(wheel.cancel(key), Some('x'));
    /// let mut fired = Vec::new();
    /// wheel.advance(20, &mut fired);
    /// assert!(fired.is_empty());
    /// ```
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let index = self.live(key)?;
        self.unlink(index);
        Some(self.entries.remove(index as usize).value)
    }

    /// A mutable reference to the value of a timer that has not fired yet, e.g. to replace a stored
    /// `Waker`. `None` for a stale key.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// let key = wheel.insert(10, 1);
    /// *wheel.get_mut(key).unwrap() += 1;
    /// assert_eq!(wheel.cancel(key), Some(2));
    /// assert_eq!(wheel.get_mut(key), None);
    /// ```
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        let index = self.live(key)?;
        Some(&mut self.entries[index as usize].value)
    }

    /// The deadline of a timer that has not fired yet; `None` for a stale key.
    ///
    /// **asyncio:** `TimerHandle.when()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// let key = wheel.insert(1_234, ());
    /// assert_eq!(wheel.deadline(key), Some(1_234));
    /// wheel.advance(2_000, &mut Vec::new());
    /// assert_eq!(wheel.deadline(key), None);
    /// ```
    pub fn deadline(&self, key: TimerKey) -> Option<u64> {
        let index = self.live(key)?;
        Some(self.entries[index as usize].deadline)
    }

    /// The earliest tick at which [`advance`](Wheel::advance) may return something; `None` when the
    /// wheel is empty.
    ///
    /// Never later than the earliest deadline. It may be earlier when the earliest timer sits on a
    /// coarse level: advancing there then returns nothing but moves timers to finer levels, and
    /// asking again gives a closer answer. Costs a few bit operations per level, no scan of timers.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// assert_eq!(wheel.next_deadline(), None);
    /// wheel.insert(30, ());
    /// assert_eq!(wheel.next_deadline(), Some(30)); // level 0 is exact
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.insert(1_000, ());
    /// let mut fired = Vec::new();
    /// while fired.is_empty() {
    ///     let tick = wheel.next_deadline().unwrap();
    ///     assert!(tick <= 1_000);
    ///     wheel.advance(tick, &mut fired);
    /// }
    /// assert_eq!(wheel.elapsed(), 1_000);
    /// ```
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.pending.is_empty() {
            return Some(self.pending_min);
        }
        self.next_expiration().map(Next::tick)
    }

    /// Advances the wheel to tick `now` and appends to `out` every timer due at or before it, ordered
    /// by deadline and, for equal deadlines, by insertion. Returns how many were appended.
    ///
    /// A `now` before [`elapsed`](Wheel::elapsed) counts as `elapsed`. No timer is returned early,
    /// and none due by `now` is left behind. The cost does not depend on how far `now` is.
    ///
    /// **asyncio:** the part of `_run_once()` that pops every `TimerHandle` whose `when()` has come.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.insert(5_000, "far, first");
    /// wheel.advance(4_990, &mut Vec::new());
    /// wheel.insert(5_000, "near, second");
    /// wheel.insert(4_995, "earlier");
    ///
    /// let mut fired = Vec::new();
    /// assert_eq!(wheel.advance(10 * 86_400_000, &mut fired), 3);
    /// assert_eq!(fired, ["earlier", "far, first", "near, second"]);
    /// ```
    pub fn advance(&mut self, now: u64, out: &mut Vec<T>) -> usize {
        self.advance_until(now, out, |_| true)
    }

    /// [`advance`](Wheel::advance), except that a timer for which `due` answers `false` is not handed
    /// out: it stays in the wheel, due at once (its key stays valid), and the next advance offers it
    /// again. A caller whose ticks are coarser than its deadlines uses this to hand out only the
    /// timers of the current tick whose exact deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// // Tick 3, exact deadlines in microseconds within it.
    /// wheel.insert(3, 3_400);
    /// let later = wheel.insert(3, 3_900);
    /// let mut fired = Vec::new();
    /// assert_eq!(wheel.advance_until(3, &mut fired, |&us| us <= 3_500), 1);
    /// assert_eq!(fired, [3_400]);
    /// assert_eq!(wheel.deadline(later), Some(3)); // still in the wheel
    /// wheel.advance_until(3, &mut fired, |&us| us <= 3_950);
    /// assert_eq!(fired, [3_400, 3_900]);
    /// ```
    pub fn advance_until(
        &mut self,
        now: u64,
        out: &mut Vec<T>,
        mut due: impl FnMut(&T) -> bool,
    ) -> usize {
        let now = now.max(self.elapsed);
        self.take_pending();

        while let Some(next) = self.next_expiration() {
            let tick = next.tick();
            if tick > now {
                break;
            }
            debug_assert!(
                tick > self.elapsed,
                "advance: expiration {next:?} is not after elapsed={}",
                self.elapsed
            );
            self.elapsed = tick;
            let (list, from_level) = match next {
                Next::Slot(exp) => (self.levels[exp.level].take_slot(exp.slot), exp.level),
                Next::Overflow(_) => {
                    self.overflow_min = u64::MAX;
                    (
                        std::mem::replace(&mut self.overflow, List::EMPTY),
                        NUM_LEVELS,
                    )
                }
            };
            self.cascade(list, tick, from_level);
        }
        self.elapsed = now;

        // Equal deadlines may have reached the same tick from different levels: restore insertion
        // order. The scratch is nearly sorted already, which the sort detects.
        self.due.sort_unstable();
        out.reserve(self.due.len());
        let mut due_list = std::mem::take(&mut self.due);
        let mut fired = 0;
        for &(deadline, _, index) in &due_list {
            if due(&self.entries[index as usize].value) {
                out.push(self.entries.remove(index as usize).value);
                fired += 1;
            } else {
                // Held back: pending again, in (deadline, insertion) order since `due` is sorted.
                self.pending_min = self.pending_min.min(deadline);
                self.link(index, Location::Pending);
            }
        }
        due_list.clear();
        self.due = due_list;
        fired
    }

    /// The timers [`next_deadline`](Wheel::next_deadline) stands for when it is exact: those due at
    /// once (inserted at or before [`elapsed`](Wheel::elapsed), or held back by
    /// [`advance_until`](Wheel::advance_until)) if there are any, else those of the next level-0 slot,
    /// which are all due at that one tick. `None` when the earliest timers sit in a coarser slot (or
    /// the overflow list), where the answer would need a scan of timers with later deadlines too.
    ///
    /// Every other timer in the wheel is due at a later tick than each one listed. Costs one step per
    /// timer listed.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_time::wheel::Wheel;
    ///
    /// let mut wheel = Wheel::new();
    /// wheel.insert(5, 'b');
    /// wheel.insert(5, 'a');
    /// wheel.insert(9, 'c');
    /// let first: Vec<char> = wheel.earliest().unwrap().copied().collect();
    /// assert_eq!(first, ['b', 'a']);
    ///
    /// let mut far = Wheel::new();
    /// far.insert(100_000, ());
    /// assert!(far.earliest().is_none()); // on a coarse level: only a lower bound is known
    /// ```
    pub fn earliest(&self) -> Option<impl Iterator<Item = &T> + '_> {
        let list = if !self.pending.is_empty() {
            self.pending
        } else {
            match self.next_expiration()? {
                Next::Slot(exp) if exp.level == 0 => *self.levels[0].slot(exp.slot),
                _ => return None,
            }
        };
        let mut cur = list.head;
        Some(std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let node = &self.entries[cur as usize];
            cur = node.next;
            Some(&node.value)
        }))
    }

    /// Moves every node of `list`, detached from a slot of `from_level` (or from the overflow when
    /// `from_level == NUM_LEVELS`) that starts at `tick == elapsed`, to `due` or to a finer place.
    fn cascade(&mut self, list: List, tick: u64, from_level: usize) {
        let mut cur = list.head;
        while cur != NIL {
            let node = &self.entries[cur as usize];
            let (next, deadline) = (node.next, node.deadline);
            debug_assert!(
                deadline >= tick,
                "cascade: node {cur} due at {deadline} found in a slot of level {from_level} starting at {tick}"
            );
            if deadline <= tick {
                self.make_due(cur);
            } else {
                let location = self.schedule(cur, deadline);
                debug_assert!(
                    match location {
                        Location::Slot { level, .. } => usize::from(level) < from_level,
                        _ => from_level == NUM_LEVELS,
                    },
                    "cascade: node {cur} due at {deadline} moved from level {from_level} to {location:?} at tick {tick}"
                );
            }
            cur = next;
        }
    }

    /// Moves every pending node to `due`.
    fn take_pending(&mut self) {
        let list = std::mem::replace(&mut self.pending, List::EMPTY);
        self.pending_min = u64::MAX;
        let mut cur = list.head;
        while cur != NIL {
            let next = self.entries[cur as usize].next;
            self.make_due(cur);
            cur = next;
        }
    }

    /// Marks an unlinked node as handed out by the running `advance`.
    #[inline]
    fn make_due(&mut self, index: u32) {
        let node = &mut self.entries[index as usize];
        node.location = Location::Due;
        self.due.push((node.deadline, node.seq, index));
    }

    /// Links node `index`, due at `deadline > elapsed`, into its level slot or the overflow list.
    fn schedule(&mut self, index: u32, deadline: u64) -> Location {
        let location = match level_for(self.elapsed, deadline) {
            Some(level) => Location::Slot {
                level: level as u8,
                slot: slot_for(deadline, level) as u8,
            },
            None => {
                self.overflow_min = self.overflow_min.min(deadline);
                Location::Overflow
            }
        };
        self.link(index, location);
        location
    }

    /// What `advance` must process next. Levels are checked from the finest: every occupied slot of
    /// a level starts before any occupied slot of the levels above it, and the overflow after all.
    fn next_expiration(&self) -> Option<Next> {
        for level in &self.levels {
            if let Some(exp) = level.next_expiration(self.elapsed) {
                debug_assert!(
                    self.levels[exp.level + 1..]
                        .iter()
                        .filter_map(|l| l.next_expiration(self.elapsed))
                        .all(|later| later.tick > exp.tick),
                    "next_expiration: a level above {exp:?} expires no later; elapsed={}",
                    self.elapsed
                );
                return Some(Next::Slot(exp));
            }
        }
        if self.overflow.is_empty() {
            return None;
        }
        let tick = self.overflow_min & !(EPOCH - 1);
        debug_assert!(
            tick > self.elapsed,
            "next_expiration: overflow epoch {tick} (min deadline {}) is not after elapsed={}",
            self.overflow_min,
            self.elapsed
        );
        Some(Next::Overflow(tick))
    }

    /// The slab index of `key`'s timer if it is still in the wheel.
    #[inline]
    fn live(&self, key: TimerKey) -> Option<u32> {
        let node = self.entries.get(key.index as usize)?;
        (node.seq as u32 == key.generation).then(|| {
            debug_assert_ne!(
                node.location,
                Location::Due,
                "live: key {key:?} is mid-advance"
            );
            key.index
        })
    }

    /// Appends node `index` to the list of `location`.
    #[inline(always)]
    fn link(&mut self, index: u32, location: Location) {
        let list = list_mut(
            &mut self.levels,
            &mut self.pending,
            &mut self.overflow,
            location,
        );
        let tail = list.tail;
        list.tail = index;
        if tail == NIL {
            list.head = index;
        } else {
            self.entries[tail as usize].next = index;
        }
        let node = &mut self.entries[index as usize];
        node.prev = tail;
        node.next = NIL;
        node.location = location;
        if let Location::Slot { level, slot } = location {
            self.levels[usize::from(level)].sync_occupied(usize::from(slot));
        }
    }

    /// Removes node `index` from the list it is linked into.
    fn unlink(&mut self, index: u32) {
        let node = &self.entries[index as usize];
        let (prev, next, location) = (node.prev, node.next, node.location);
        let list = list_mut(
            &mut self.levels,
            &mut self.pending,
            &mut self.overflow,
            location,
        );
        if prev == NIL {
            debug_assert_eq!(list.head, index, "unlink: {location:?} head");
            list.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            debug_assert_eq!(list.tail, index, "unlink: {location:?} tail");
            list.tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
        let emptied = list.is_empty();
        match location {
            Location::Slot { level, slot } => {
                self.levels[usize::from(level)].sync_occupied(usize::from(slot));
            }
            Location::Pending if emptied => self.pending_min = u64::MAX,
            Location::Overflow if emptied => self.overflow_min = u64::MAX,
            _ => {}
        }
    }
}

/// The list a node at `location` is linked into. A free function so that the caller can go on
/// borrowing the slab.
fn list_mut<'a>(
    levels: &'a mut [Level; NUM_LEVELS],
    pending: &'a mut List,
    overflow: &'a mut List,
    location: Location,
) -> &'a mut List {
    match location {
        Location::Pending => pending,
        Location::Overflow => overflow,
        Location::Slot { level, slot } => levels[usize::from(level)].slot_mut(usize::from(slot)),
        Location::Due => unreachable!("a due node is in no list"),
    }
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len())
            .field("next_deadline", &self.next_deadline())
            .field("levels", &self.levels)
            .field("pending", &!self.pending.is_empty())
            .field("overflow", &!self.overflow.is_empty())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::level::{level_range, slot_range};
    use super::*;

    const HOUR: u64 = 3_600_000;
    const DAY: u64 = 24 * HOUR;

    fn fire<T>(wheel: &mut Wheel<T>, now: u64) -> Vec<T> {
        let mut out = Vec::new();
        let n = wheel.advance(now, &mut out);
        assert_eq!(n, out.len());
        out
    }

    /// Checks that `deadline` fires at exactly that tick, stepping by `next_deadline`.
    fn assert_fires_exactly_at(deadline: u64) {
        let mut wheel = Wheel::new();
        wheel.insert(deadline, deadline);
        assert!(
            fire(&mut wheel, deadline - 1).is_empty(),
            "early: {deadline}"
        );
        assert_eq!(wheel.len(), 1);
        assert_eq!(fire(&mut wheel, deadline), [deadline]);
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_deadline(), None);
    }

    #[test]
    fn new_wheel_is_empty() {
        let wheel: Wheel<u8> = Wheel::default();
        assert_eq!(wheel.elapsed(), 0);
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_deadline(), None);
        assert!(format!("{wheel:?}").starts_with("Wheel"));
    }

    #[test]
    fn fires_at_deadline_not_before() {
        let mut wheel = Wheel::new();
        wheel.insert(3, 'a');
        wheel.insert(70, 'b');
        assert!(fire(&mut wheel, 2).is_empty());
        assert_eq!(fire(&mut wheel, 3), ['a']);
        assert!(fire(&mut wheel, 69).is_empty());
        assert_eq!(fire(&mut wheel, 70), ['b']);
        assert_eq!(wheel.elapsed(), 70);
    }

    #[test]
    fn level_boundaries_fire_exactly() {
        for level in 0..NUM_LEVELS {
            for deadline in [
                slot_range(level),
                slot_range(level) + 1,
                level_range(level) - 1,
                level_range(level),
                level_range(level) + 1,
            ] {
                assert_fires_exactly_at(deadline);
            }
        }
    }

    #[test]
    fn past_deadline_is_due_at_once_in_order() {
        let mut wheel = Wheel::new();
        fire(&mut wheel, 1_000);
        wheel.insert(900, 'c');
        wheel.insert(10, 'a');
        wheel.insert(1_000, 'd');
        wheel.insert(10, 'b');
        assert_eq!(wheel.next_deadline(), Some(10));
        wheel.insert(1_001, 'e');
        // `now` before `elapsed` counts as `elapsed`.
        assert_eq!(fire(&mut wheel, 5), ['a', 'b', 'c', 'd']);
        assert_eq!(wheel.elapsed(), 1_000);
        assert_eq!(wheel.next_deadline(), Some(1_001));
    }

    #[test]
    fn cancel_and_stale_keys() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, 'a');
        let b = wheel.insert(10, 'b');
        let c = wheel.insert(5_000, 'c');
        assert_eq!(wheel.deadline(b), Some(10));
        assert_eq!(wheel.cancel(b), Some('b'));
        assert_eq!(wheel.cancel(b), None);
        assert_eq!(wheel.deadline(b), None);
        assert_eq!(wheel.get_mut(b), None);
        assert_eq!(fire(&mut wheel, 10), ['a']);
        // Stale after firing.
        assert_eq!(wheel.cancel(a), None);
        assert_eq!(wheel.deadline(a), None);
        // Slot reuse: the new timer takes a freed index but not the old key's generation.
        let d = wheel.insert(20, 'd');
        assert!(
            d.index == a.index || d.index == b.index,
            "{d:?} {a:?} {b:?}"
        );
        assert_eq!(wheel.cancel(a), None);
        assert_eq!(wheel.cancel(b), None);
        assert_eq!(wheel.get_mut(d), Some(&mut 'd'));
        assert_eq!(wheel.cancel(c), Some('c'));
        assert_eq!(wheel.len(), 1);
        assert_eq!(fire(&mut wheel, u64::MAX), ['d']);
    }

    #[test]
    fn cancel_keeps_occupied_bits_and_lists_consistent() {
        let mut wheel = Wheel::new();
        let keys: Vec<_> = (0..5).map(|i| wheel.insert(100, i)).collect();
        // Unlink the middle, the head and the tail.
        for i in [2, 0, 4] {
            assert_eq!(wheel.cancel(keys[i]), Some(i));
        }
        assert_eq!(fire(&mut wheel, 100), [1, 3]);
        let k = wheel.insert(200, 9);
        wheel.cancel(k);
        assert_eq!(wheel.next_deadline(), None);
        assert!(wheel.levels.iter().all(Level::is_empty));
    }

    fn level_of<T>(wheel: &Wheel<T>, key: TimerKey) -> Location {
        wheel.entries[key.index as usize].location
    }

    #[test]
    fn same_deadline_is_fifo_across_levels() {
        let mut wheel = Wheel::new();
        let deadline = 3 * DAY + 17;
        let mut keys = vec![wheel.insert(deadline, 0)];
        fire(&mut wheel, deadline - HOUR);
        keys.push(wheel.insert(deadline, 1));
        fire(&mut wheel, deadline - 1_000);
        keys.push(wheel.insert(deadline, 2));
        wheel.insert(deadline - 1, -1);
        fire(&mut wheel, deadline - 10);
        keys.push(wheel.insert(deadline, 3));
        // Inserted at levels 4, 3, 1 and 0 (checked below), all four now share one level-0 slot.
        let placed: Vec<_> = keys.iter().map(|&k| level_of(&wheel, k)).collect();
        let slot = |level: u8| Location::Slot {
            level,
            slot: slot_for(deadline, level.into()) as u8,
        };
        assert_eq!(placed, [slot(0), slot(0), slot(0), slot(0)]);
        assert_eq!(level_for(0, deadline), Some(4));
        assert_eq!(level_for(deadline - HOUR, deadline), Some(3));
        assert_eq!(level_for(deadline - 1_000, deadline), Some(1));
        assert_eq!(level_for(deadline - 10, deadline), Some(0));
        assert_eq!(fire(&mut wheel, deadline + 1), [-1, 0, 1, 2, 3]);
    }

    #[test]
    fn same_deadline_is_fifo_in_one_jump() {
        let mut wheel = Wheel::new();
        let mut expected = Vec::new();
        for (i, deadline) in [EPOCH + 5, 70, EPOCH + 5, 70, 4_100, 70, EPOCH + 5]
            .into_iter()
            .enumerate()
        {
            wheel.insert(deadline, (deadline, i));
            expected.push((deadline, i));
        }
        expected.sort();
        assert_eq!(fire(&mut wheel, 2 * EPOCH), expected);
    }

    #[test]
    fn far_deadlines() {
        for deadline in [
            HOUR,
            5 * HOUR + 3,
            10 * DAY,
            400 * DAY + 1,
            EPOCH - 1,
            EPOCH,
            EPOCH + 1,
            3 * EPOCH + 12_345,
            (1 << 50) + 7,
            u64::MAX,
        ] {
            assert_fires_exactly_at(deadline);
        }
    }

    #[test]
    fn far_deadline_from_a_late_elapsed() {
        let mut wheel = Wheel::new();
        let start = 5 * EPOCH - 3;
        fire(&mut wheel, start);
        let deadlines = [start + 2, start + 5, start + EPOCH, start + 7 * EPOCH + 1];
        for d in deadlines {
            wheel.insert(d, d);
        }
        for d in deadlines {
            assert!(fire(&mut wheel, d - 1).is_empty(), "early: {d}");
            assert_eq!(fire(&mut wheel, d), [d]);
        }
    }

    #[test]
    fn huge_jump_visits_only_occupied_slots() {
        let mut wheel = Wheel::new();
        wheel.insert(10 * DAY, 'b');
        wheel.insert(7, 'a');
        wheel.insert(u64::MAX - 1, 'd');
        wheel.insert(900 * DAY, 'c');
        // Would take ages tick by tick, or epoch by epoch (2^28 epochs).
        assert_eq!(fire(&mut wheel, u64::MAX), ['a', 'b', 'c', 'd']);
        assert_eq!(wheel.elapsed(), u64::MAX);
        wheel.insert(u64::MAX, 'e');
        assert_eq!(fire(&mut wheel, u64::MAX), ['e']);
    }

    #[test]
    fn cancelled_overflow_minimum_is_harmless() {
        let mut wheel = Wheel::new();
        let early = wheel.insert(2 * EPOCH + 5, 'x');
        wheel.insert(9 * EPOCH + 5, 'y');
        wheel.cancel(early);
        let next = wheel.next_deadline().unwrap();
        assert!(next <= 9 * EPOCH + 5);
        assert!(fire(&mut wheel, next).is_empty());
        assert!(fire(&mut wheel, 9 * EPOCH + 4).is_empty());
        assert_eq!(fire(&mut wheel, 9 * EPOCH + 5), ['y']);
    }

    #[test]
    fn next_deadline_is_never_late() {
        let mut wheel = Wheel::new();
        // Live deadlines, with multiplicity.
        let mut live = std::collections::BTreeMap::<u64, usize>::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = wheel.elapsed() + (x % (1 << (x % 45)));
            wheel.insert(d, d);
            *live.entry(d).or_default() += 1;
            let min = *live.keys().next().unwrap();
            let next = wheel.next_deadline().unwrap();
            assert!(next <= min, "next_deadline={next} > min={min}");
            if x % 3 == 1 {
                for d in fire(&mut wheel, next) {
                    assert!(d <= next, "early: {d} at {next}");
                    let count = live.get_mut(&d).unwrap();
                    *count -= 1;
                    if *count == 0 {
                        live.remove(&d);
                    }
                }
                assert!(
                    live.range(..=next).next().is_none(),
                    "left behind at {next}"
                );
            }
        }
    }

    #[test]
    fn stepping_by_next_deadline_reaches_each_timer() {
        let mut wheel = Wheel::new();
        let deadlines = [1, 63, 64, 65, 4_095, 4_096, 300_000, 7 * DAY, 3 * EPOCH];
        for d in deadlines {
            wheel.insert(d, d);
        }
        let mut fired = Vec::new();
        let mut steps = 0;
        while let Some(next) = wheel.next_deadline() {
            let before = fired.len();
            wheel.advance(next, &mut fired);
            assert!(
                fired[before..].iter().all(|&d| d == next),
                "early at {next}"
            );
            steps += 1;
        }
        assert_eq!(fired, deadlines);
        assert!(steps < 60, "{steps} steps");
    }
}
