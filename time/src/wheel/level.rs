//! One level of the timer wheel: 64 slots, their occupied bitfield and the slot arithmetic.

use std::fmt;

use super::List;

/// Number of bits of a tick consumed by one level: each level has `1 << LEVEL_BITS` slots.
pub(super) const LEVEL_BITS: u32 = 6;

/// Number of slots per level (64), so that one level's occupied slots fit in one `u64`.
///
/// Being a power of two lets every division below be a shift and every modulo a mask.
pub(super) const LEVEL_MULT: usize = 1 << LEVEL_BITS;

/// Number of levels. Six levels of 64 slots cover `64^6 = 2^36` ticks, about 2.2 years at 1 ms a
/// tick; deadlines further away wait in the wheel's overflow list until their epoch begins.
pub(super) const NUM_LEVELS: usize = 6;

/// Ticks covered by the whole wheel, `64^NUM_LEVELS = 2^36`.
///
/// Time is cut into *epochs* of this length aligned on multiples of it. Only deadlines in the same
/// epoch as the wheel's elapsed tick live in a level; later ones wait in the overflow list.
pub(super) const EPOCH: u64 = 1 << (LEVEL_BITS as usize * NUM_LEVELS);

/// Mask of the slot-index bits of a level, once shifted down: `LEVEL_MULT - 1`.
const SLOT_MASK: u64 = LEVEL_MULT as u64 - 1;

/// Ticks covered by one slot of `level`: `64^level` (1, 64, 4 096, …).
#[inline]
pub(super) const fn slot_range(level: usize) -> u64 {
    1 << (LEVEL_BITS as usize * level)
}

/// Ticks covered by all 64 slots of `level`: `64^(level + 1)`.
#[inline]
pub(super) const fn level_range(level: usize) -> u64 {
    slot_range(level) << LEVEL_BITS
}

/// The slot of `level` that holds `tick`: bits `6 * level .. 6 * level + 6` of `tick`.
#[inline]
pub(super) const fn slot_for(tick: u64, level: usize) -> usize {
    ((tick >> (LEVEL_BITS as usize * level)) & SLOT_MASK) as usize
}

/// The level that must hold a timer due at `deadline` when the wheel stands at `elapsed`, or `None`
/// when `deadline` lies in a later epoch (beyond the top level's range).
///
/// The level is given by the highest bit in which the two ticks differ: if they differ only in bits
/// `0..6` the timer goes to level 0, in bits `6..12` to level 1, and so on. Because the two ticks agree
/// on every bit above that level's six, the timer's slot is still ahead of `elapsed` on that level.
#[inline]
pub(super) fn level_for(elapsed: u64, deadline: u64) -> Option<usize> {
    debug_assert!(
        deadline > elapsed,
        "level_for: deadline={deadline} must be after elapsed={elapsed}"
    );
    // Setting the low bits caps the level at 0 when the ticks differ only within one level-0 range.
    let masked = (elapsed ^ deadline) | SLOT_MASK;
    if masked >= EPOCH {
        return None;
    }
    let significant = u64::BITS - 1 - masked.leading_zeros();
    Some((significant / LEVEL_BITS) as usize)
}

/// When a level's next occupied slot must be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Expiration {
    /// The level holding the slot.
    pub(super) level: usize,
    /// The slot index within that level.
    pub(super) slot: usize,
    /// The first tick covered by the slot: no timer in it is due earlier.
    pub(super) tick: u64,
}

/// One level of the wheel: 64 slots, each covering [`slot_range`]`(level)` ticks.
///
/// # Invariant
///
/// Every timer in a level shares with the wheel's elapsed tick all bits above the level's six, and
/// its slot is strictly after the slot of the elapsed tick. Occupied slots are therefore never
/// "behind" the wheel, and the next one is simply the lowest occupied bit.
pub(super) struct Level {
    /// Index of this level, 0 being the finest.
    level: usize,

    /// Which slots hold at least one timer; bit `i` stands for slot `i`.
    ///
    /// Kept in step with `slots` on every link and unlink, so that finding the next timer is a
    /// `trailing_zeros` instead of a scan of 64 lists.
    occupied: u64,

    /// Heads and tails of the per-slot lists of timers (indices into the wheel's slab).
    slots: [List; LEVEL_MULT],
}

impl Level {
    /// An empty level number `level`.
    pub(super) fn new(level: usize) -> Self {
        debug_assert!(level < NUM_LEVELS, "level={level} >= NUM_LEVELS");
        Level {
            level,
            occupied: 0,
            slots: [List::EMPTY; LEVEL_MULT],
        }
    }

    /// Whether no slot of this level holds a timer.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.occupied == 0
    }

    /// The list of `slot`, to read.
    #[inline]
    pub(super) fn slot(&self, slot: usize) -> &List {
        &self.slots[slot]
    }

    /// The list of `slot`, for linking a timer into it; call [`Level::sync_occupied`] afterwards.
    #[inline]
    pub(super) fn slot_mut(&mut self, slot: usize) -> &mut List {
        &mut self.slots[slot]
    }

    /// Brings the occupied bit of `slot` in line with its list after a link or an unlink.
    #[inline]
    pub(super) fn sync_occupied(&mut self, slot: usize) {
        let bit = 1u64 << slot;
        if self.slots[slot].is_empty() {
            self.occupied &= !bit;
        } else {
            self.occupied |= bit;
        }
    }

    /// Detaches the whole list of `slot`, leaving the slot empty.
    pub(super) fn take_slot(&mut self, slot: usize) -> List {
        self.occupied &= !(1u64 << slot);
        std::mem::replace(&mut self.slots[slot], List::EMPTY)
    }

    /// The next occupied slot and the tick at which it starts, with the wheel standing at `elapsed`.
    ///
    /// The tick is the slot's first tick in the current range of this level: `elapsed` with its
    /// low `6 * (level + 1)` bits cleared, plus `slot * slot_range(level)`.
    pub(super) fn next_expiration(&self, elapsed: u64) -> Option<Expiration> {
        if self.occupied == 0 {
            return None;
        }
        let slot = self.occupied.trailing_zeros() as usize;
        let current = slot_for(elapsed, self.level);
        debug_assert!(
            slot > current,
            "level={}: occupied slot {slot} is not after the elapsed slot {current}; elapsed={elapsed}, occupied={:#066b}",
            self.level,
            self.occupied,
        );
        let level_start = elapsed & !(level_range(self.level) - 1);
        let tick = level_start + slot as u64 * slot_range(self.level);
        debug_assert!(
            tick > elapsed,
            "level={}: slot {slot} starts at {tick}, not after elapsed={elapsed}",
            self.level
        );
        Some(Expiration {
            level: self.level,
            slot,
            tick,
        })
    }
}

impl fmt::Debug for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Level")
            .field("level", &self.level)
            .field("occupied", &format_args!("{:#066b}", self.occupied))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(slot_range(0), 1);
        assert_eq!(level_range(0), 64);
        assert_eq!(slot_range(1), 64);
        assert_eq!(level_range(1), 4_096);
        assert_eq!(slot_range(5), 1 << 30);
        assert_eq!(level_range(5), EPOCH);
        assert_eq!(EPOCH, 64u64.pow(6));
    }

    #[test]
    fn slot_for_each_level() {
        for pos in 0..64u64 {
            assert_eq!(slot_for(pos, 0), pos as usize);
            for level in 1..NUM_LEVELS {
                let tick = pos * slot_range(level);
                assert_eq!(
                    slot_for(tick, level),
                    pos as usize,
                    "tick={tick} level={level}"
                );
                assert_eq!(slot_for(tick + slot_range(level) - 1, level), pos as usize);
                // Wraps around at the end of the level's range.
                assert_eq!(slot_for(tick + level_range(level), level), pos as usize);
            }
        }
    }

    #[test]
    fn level_for_from_zero() {
        for deadline in 1..64 {
            assert_eq!(level_for(0, deadline), Some(0), "deadline={deadline}");
        }
        for level in 1..NUM_LEVELS {
            let lo = slot_range(level);
            let hi = level_range(level) - 1;
            assert_eq!(level_for(0, lo), Some(level), "lo={lo}");
            assert_eq!(level_for(0, hi), Some(level), "hi={hi}");
        }
        assert_eq!(level_for(0, EPOCH - 1), Some(NUM_LEVELS - 1));
        assert_eq!(level_for(0, EPOCH), None);
        assert_eq!(level_for(0, u64::MAX), None);
    }

    #[test]
    fn level_for_depends_on_alignment_not_distance() {
        // One tick away, but across a level-1 boundary: bits 6.. differ, so level 1.
        assert_eq!(level_for(63, 64), Some(1));
        // Across a level-2 boundary.
        assert_eq!(level_for(4_095, 4_096), Some(2));
        // Across an epoch boundary: overflow, however close.
        assert_eq!(level_for(EPOCH - 1, EPOCH), None);
        // Within the same level-0 range far from zero.
        assert_eq!(level_for(EPOCH + 64, EPOCH + 127), Some(0));
    }

    #[test]
    fn next_expiration_uses_lowest_occupied_slot() {
        let mut level = Level::new(1);
        assert!(level.is_empty());
        assert_eq!(level.next_expiration(0), None);
        // Mark slots 5 and 9 occupied through a fake non-empty list.
        for slot in [9, 5] {
            *level.slot_mut(slot) = List { head: 0, tail: 0 };
            level.sync_occupied(slot);
        }
        let elapsed = 3 * level_range(1) + 64 * 2 + 7; // slot 2 of level 1 in its fourth range
        let exp = level.next_expiration(elapsed).unwrap();
        assert_eq!(exp.slot, 5);
        assert_eq!(exp.tick, 3 * level_range(1) + 5 * 64);
        let taken = level.take_slot(5);
        assert!(!taken.is_empty());
        assert_eq!(level.next_expiration(elapsed).unwrap().slot, 9);
        *level.slot_mut(9) = List::EMPTY;
        level.sync_occupied(9);
        assert!(level.is_empty());
    }
}
