//! Whether a loop has anything left to run, for a runtime worker draining at shutdown.

use super::LoopInner;

impl LoopInner {
    /// No live task (one that has waited at least once), nothing queued to run, nothing sent from another
    /// thread. Timers alone do not count: a `call_later` callback is not waited for.
    pub(crate) fn is_idle(&self) -> bool {
        self.registry.borrow().len() == 0
            && self.ready.is_empty()
            && self.shared.injector.is_empty()
    }
}
