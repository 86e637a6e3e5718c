//! `Barrier`: a meeting point where a fixed number of tasks wait for each other.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::BrokenBarrierError;

const PENDING: u8 = 0;
const RELEASED: u8 = 1;
const BROKEN: u8 = 2;

/// One round of the barrier: the parties that arrive until it fills (or breaks) wait on its event.
struct Round {
    /// `PENDING`, then `RELEASED` or `BROKEN`, written once under the barrier's lock.
    outcome: AtomicU8,
    event: event_listener::Event,
}

impl Round {
    fn new() -> Arc<Round> {
        Arc::new(Round {
            outcome: AtomicU8::new(PENDING),
            event: event_listener::Event::new(),
        })
    }

    fn finish(&self, outcome: u8) {
        self.outcome.store(outcome, Ordering::Release);
        self.event.notify(usize::MAX);
    }
}

struct State {
    /// Parties waiting in the current round.
    count: usize,
    round: Arc<Round>,
    /// Set by `abort()` until `reset()`.
    broken: bool,
}

/// Makes `parties` tasks wait for each other: each calls [`wait`](Barrier::wait), and all are released
/// together when the last one arrives. Then the barrier is ready for the next round (it is cyclic).
///
/// [`wait`](Barrier::wait) returns the party's arrival index, `0` for the first to arrive up to
/// `parties - 1` for the one that released the others.
///
/// **asyncio:** `asyncio.Barrier` (Python 3.11). Differences: errors are `Err(BrokenBarrierError)`; a
/// party arriving while the previous round's parties are still leaving joins the next round at once
/// (asyncio makes it wait for the "draining" to finish, which is not observable otherwise); `Send +
/// Sync`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tulip_core::sync::Barrier;
/// tulip_core::run(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             tulip_core::spawn(async move { b.wait().await.unwrap() })
///         })
///         .collect();
///     let mut indices = Vec::new();
///     for t in tasks {
///         indices.push(t.await);
///     }
///     indices.sort();
///     assert_eq!(indices, [0, 1, 2]);
/// });
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

impl Barrier {
    /// A barrier for `parties` tasks. A barrier for 0 parties behaves as one for 1 party (each `wait`
    /// is released at once), as `std::sync::Barrier::new(0)` does.
    ///
    /// **asyncio:** `asyncio.Barrier(parties)`. Differences: `parties` 0 is taken as 1, where asyncio
    /// raises `ValueError`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::Barrier::new(2).parties(), 2);
    /// assert_eq!(tulip_core::sync::Barrier::new(0).parties(), 1);
    /// ```
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            parties: parties.max(1),
            state: Mutex::new(State {
                count: 0,
                round: Round::new(),
                broken: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `parties` tasks are waiting, then returns this party's arrival index.
    ///
    /// **asyncio:** `await barrier.wait()` / `async with barrier as index:`.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] when the barrier is broken ([`abort`](Barrier::abort)) on arrival or while
    /// waiting, or is [`reset`](Barrier::reset) while waiting.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while it waits withdraws the party: the round then needs one more arrival
    /// (as in asyncio).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::run(async {
    ///     let b = tulip_core::sync::Barrier::new(1);
    ///     assert_eq!(b.wait().await, Ok(0)); // one party: released at once
    ///     assert_eq!(b.wait().await, Ok(0)); // next round
    /// });
    /// ```
    pub async fn wait(&self) -> Result<usize, BrokenBarrierError> {
        let (index, round, listener) = {
            let mut st = self.lock();
            if st.broken {
                return Err(BrokenBarrierError);
            }
            let index = st.count;
            st.count += 1;
            if st.count == self.parties {
                st.count = 0;
                let round = std::mem::replace(&mut st.round, Round::new());
                round.finish(RELEASED);
                return Ok(index);
            }
            let round = st.round.clone();
            // Listening under the lock: the round cannot finish before the listener exists.
            let listener = round.event.listen();
            (index, round, listener)
        };
        let mut leave = Leave {
            barrier: self,
            round: &round,
            armed: true,
        };
        let outcome = || match round.outcome.load(Ordering::Acquire) {
            RELEASED => Some(Ok(index)),
            BROKEN => Some(Err(BrokenBarrierError)),
            _ => None,
        };
        let mut listener = Some(listener);
        loop {
            if let Some(l) = listener.take() {
                l.await;
            }
            if let Some(res) = outcome() {
                leave.armed = false;
                return res;
            }
            // Only `Round::finish` notifies, so this is not reached; stay correct if it ever is.
            listener = Some(round.event.listen());
            if let Some(res) = outcome() {
                leave.armed = false;
                return res;
            }
        }
    }

    /// Breaks the barrier: every waiting party and every later `wait` gets [`BrokenBarrierError`],
    /// until [`reset`](Barrier::reset).
    ///
    /// **asyncio:** `await barrier.abort()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tulip_core::sync::Barrier::new(2);
    /// b.abort();
    /// assert!(b.broken());
    /// ```
    pub fn abort(&self) {
        let mut st = self.lock();
        st.broken = true;
        st.count = 0;
        let round = std::mem::replace(&mut st.round, Round::new());
        round.finish(BROKEN);
    }

    /// Returns the barrier to its empty, unbroken state. Parties waiting in the current round get
    /// [`BrokenBarrierError`].
    ///
    /// **asyncio:** `await barrier.reset()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tulip_core::sync::Barrier::new(2);
    /// b.abort();
    /// b.reset();
    /// assert!(!b.broken());
    /// ```
    pub fn reset(&self) {
        let mut st = self.lock();
        st.broken = false;
        if st.count > 0 {
            st.count = 0;
            let round = std::mem::replace(&mut st.round, Round::new());
            round.finish(BROKEN);
        }
    }

    /// The number of parties needed to release a round.
    ///
    /// **asyncio:** `Barrier.parties`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_core::sync::Barrier::new(3).parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of parties waiting in the current round.
    ///
    /// **asyncio:** `Barrier.n_waiting`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// tulip_core::run(async {
    ///     let b = Rc::new(tulip_core::sync::Barrier::new(2));
    ///     let b2 = b.clone();
    ///     let t = tulip_core::spawn(async move { b2.wait().await });
    ///     tulip_core::yield_now().await;
    ///     assert_eq!(b.n_waiting(), 1);
    ///     b.wait().await.unwrap();
    ///     assert_eq!(t.await, Ok(0));
    /// });
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.lock().count
    }

    /// Whether the barrier is broken ([`abort`](Barrier::abort)ed and not [`reset`](Barrier::reset)).
    ///
    /// **asyncio:** `Barrier.broken`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!tulip_core::sync::Barrier::new(2).broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.lock().broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &st.count)
            .field("broken", &st.broken)
            .finish()
    }
}

/// Withdraws a waiting party whose `wait` future is dropped before its round ends.
struct Leave<'a> {
    barrier: &'a Barrier,
    round: &'a Arc<Round>,
    armed: bool,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let mut st = self.barrier.lock();
        if Arc::ptr_eq(&st.round, self.round)
            && self.round.outcome.load(Ordering::Acquire) == PENDING
        {
            st.count -= 1;
        }
    }
}
