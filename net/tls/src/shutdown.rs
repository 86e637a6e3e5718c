//! The time limit on closing a TLS connection ([`SHUTDOWN_TIMEOUT`]): a timer armed when the close
//! starts and cancelled when it completes, whose expiry aborts the connection.

use std::cell::{Cell, RefCell};
use std::fmt;

use tulip_core::TimerHandle;

use crate::SHUTDOWN_TIMEOUT;

/// One connection's close timer.
///
/// States: idle (`timer` empty, not `expired`) → armed (`timer` holds the loop's timer callback, as
/// asyncio arms `ssl_shutdown_timeout` with `call_later`; no task, so nothing shows in `all_tasks()`)
/// → idle again when the close completes ([`disarm`](ShutdownTimer::disarm), which cancels the
/// callback), or expired (the callback ran the expiry; final: never armed again).
#[derive(Default)]
pub(crate) struct ShutdownTimer {
    /// The callback due at the limit, while armed.
    timer: RefCell<Option<TimerHandle>>,
    /// The limit passed before the close completed: the connection was aborted.
    expired: Cell<bool>,
}

impl fmt::Debug for ShutdownTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownTimer")
            .field("armed", &self.timer.try_borrow().map(|t| t.is_some()).ok())
            .field("expired", &self.expired.get())
            .finish()
    }
}

impl ShutdownTimer {
    /// Starts the clock: `on_expiry` runs [`SHUTDOWN_TIMEOUT`] from now unless
    /// [`disarm`](ShutdownTimer::disarm) comes first. A no-op when armed already or expired, and
    /// outside a running loop (nothing can wait on the connection there, so there is no limit to keep).
    pub(crate) fn arm(&self, on_expiry: impl FnOnce() + 'static) {
        if self.expired.get() {
            return;
        }
        let Ok(mut timer) = self.timer.try_borrow_mut() else {
            return;
        };
        if timer.is_some() {
            return;
        }
        let Some(lp) = tulip_core::try_get_running_loop() else {
            return;
        };
        *timer = Some(lp.call_later(SHUTDOWN_TIMEOUT, on_expiry));
    }

    /// The close completed (or failed on its own): the limit no longer applies; the callback is
    /// cancelled.
    pub(crate) fn disarm(&self) {
        let timer = self.timer.try_borrow_mut().ok().and_then(|mut t| t.take());
        if let Some(timer) = timer {
            timer.cancel(); // with the slot released
        }
    }

    /// Marks the limit as passed; called by the expiry, from the timer's own callback (its handle
    /// is let go: the callback is running, there is nothing to cancel).
    pub(crate) fn expire(&self) {
        self.expired.set(true);
        drop(self.timer.try_borrow_mut().ok().and_then(|mut t| t.take()));
    }

    /// Whether the limit passed and the connection was aborted.
    #[inline]
    pub(crate) fn expired(&self) -> bool {
        self.expired.get()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use super::ShutdownTimer;
    use crate::SHUTDOWN_TIMEOUT;

    /// Arms `timer` with an expiry that marks it expired (as the socket's does) and counts the calls.
    fn arm(timer: &Rc<ShutdownTimer>, calls: &Rc<Cell<u32>>) {
        let (t, c) = (Rc::downgrade(timer), calls.clone());
        timer.arm(move || {
            if let Some(t) = t.upgrade() {
                t.expire();
            }
            c.set(c.get() + 1);
        });
    }

    fn paused_loop() -> tulip_core::Loop {
        tulip_core::Loop::builder()
            .start_paused(true)
            .build()
            .unwrap()
    }

    /// Armed (twice: the second is a no-op), the expiry runs once, exactly `SHUTDOWN_TIMEOUT`
    /// after the first arming; arming an expired timer does nothing.
    #[test]
    fn an_armed_timer_expires_once_at_the_limit() {
        paused_loop().block_on(async {
            let timer = Rc::new(ShutdownTimer::default());
            let calls = Rc::new(Cell::new(0));
            arm(&timer, &calls);
            tulip_time::sleep(Duration::from_secs(1)).await;
            arm(&timer, &calls);
            tulip_time::sleep(SHUTDOWN_TIMEOUT - Duration::from_secs(1) - Duration::from_millis(1))
                .await;
            assert!(!timer.expired());
            assert_eq!(calls.get(), 0);
            tulip_time::sleep(Duration::from_millis(1)).await;
            tulip_core::yield_now().await;
            assert!(timer.expired());
            assert_eq!(calls.get(), 1);
            arm(&timer, &calls);
            tulip_time::sleep(SHUTDOWN_TIMEOUT * 2).await;
            assert_eq!(calls.get(), 1);
        });
    }

    /// Disarmed before the limit, the expiry never runs; armed again, the limit counts from then.
    #[test]
    fn a_disarmed_timer_does_not_expire_and_can_be_armed_again() {
        paused_loop().block_on(async {
            let timer = Rc::new(ShutdownTimer::default());
            let calls = Rc::new(Cell::new(0));
            arm(&timer, &calls);
            tulip_time::sleep(SHUTDOWN_TIMEOUT / 2).await;
            timer.disarm();
            tulip_time::sleep(SHUTDOWN_TIMEOUT * 2).await;
            assert!(!timer.expired());
            assert_eq!(calls.get(), 0);
            arm(&timer, &calls);
            tulip_time::sleep(SHUTDOWN_TIMEOUT - Duration::from_millis(1)).await;
            assert_eq!(calls.get(), 0);
            tulip_time::sleep(Duration::from_millis(1)).await;
            tulip_core::yield_now().await;
            assert_eq!(calls.get(), 1);
            assert!(timer.expired());
        });
    }

    /// Outside a running loop there is no task to wait on the connection and no timer to run the
    /// expiry: arming does nothing (and does not panic).
    #[test]
    fn arming_outside_a_loop_does_nothing() {
        let timer = Rc::new(ShutdownTimer::default());
        let calls = Rc::new(Cell::new(0));
        arm(&timer, &calls);
        assert!(timer.timer.borrow().is_none());
        assert!(!timer.expired());
    }
}
