//! The epoll selector's wait with a nanosecond timeout: `epoll_pwait2` where the kernel has it (Linux
//! 5.11+), probed once per process; `epoll_pwait` with the timeout rounded up to whole milliseconds
//! elsewhere.
//!
//! Why `epoll_pwait2` and not a timerfd: it is the same single syscall per wait as `epoll_pwait`, where
//! a timerfd costs a `timerfd_settime` before each wait that has a timeout (and a read after it fires).
//! Why a probe and not the `linux_5_11` feature of rustix: with it rustix calls `epoll_pwait2`
//! unconditionally, which fails on older kernels and under seccomp filters that predate it.
//!
//! The fallback never wakes early either (it rounds up); it wakes up to a millisecond late, and the loop
//! then fires what is due, since each timer is checked against its exact deadline.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use rustix::event::epoll::{self, Event};
use rustix::event::Timespec;
use rustix::io::Errno;

/// What the probe found: not yet run, `epoll_pwait2` works, or it does not (ENOSYS, or EPERM from a
/// seccomp filter).
const UNKNOWN: u8 = 0;
const PRECISE: u8 = 1;
const MILLIS_ONLY: u8 = 2;

static PWAIT2: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Waits on `epoll` for at most `timeout` (`None`: until an event), into the spare capacity of
/// `events`, whose length it sets to the number of events. Not retried on `EINTR`; the caller loops.
pub(super) fn wait(
    epoll: impl AsFd,
    events: &mut Vec<Event>,
    timeout: Option<Duration>,
) -> Result<usize, Errno> {
    let epoll = epoll.as_fd();
    if let Some(d) = timeout {
        // Whole milliseconds (zero included) lose nothing in `epoll_pwait`'s unit.
        if d.subsec_nanos() % 1_000_000 != 0 && PWAIT2.load(Ordering::Relaxed) != MILLIS_ONLY {
            match pwait2(epoll, events, d) {
                Err(Errno::NOSYS | Errno::PERM) => PWAIT2.store(MILLIS_ONLY, Ordering::Relaxed),
                r => {
                    PWAIT2.store(PRECISE, Ordering::Relaxed);
                    return r;
                }
            }
        }
    }
    let ts = timeout.map(timespec);
    // rustix (without `linux_5_11`) calls `epoll_pwait` with the timeout rounded up to milliseconds.
    epoll::wait(epoll, rustix::buffer::spare_capacity(events), ts.as_ref())
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// One `epoll_pwait2` with a nanosecond timeout and no signal mask.
fn pwait2(epoll: BorrowedFd<'_>, events: &mut Vec<Event>, d: Duration) -> Result<usize, Errno> {
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        // Below 10^9: fits a `c_long` of any width.
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    let spare = events.capacity() - events.len();
    let max = libc::c_int::try_from(spare).unwrap_or(libc::c_int::MAX);
    // SAFETY: `epoll` is an open epoll descriptor (borrowed for this call). The kernel writes at most
    // `max` `struct epoll_event`s at the pointer, which addresses `spare >= max` uninitialised slots of
    // `events`' buffer; rustix's `epoll::Event` is `#[repr(C)]` (packed on x86_64, as the kernel's
    // `struct epoll_event`) with the same two fields, flags then 64-bit data. `ts` lives across the call;
    // a null signal mask leaves the mask alone (its size argument is then unused).
    let n = unsafe {
        libc::syscall(
            libc::SYS_epoll_pwait2,
            epoll.as_raw_fd(),
            events.as_mut_ptr().add(events.len()),
            max,
            &ts as *const libc::timespec,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        )
    };
    if n < 0 {
        return Err(Errno::from_io_error(&std::io::Error::last_os_error()).unwrap_or(Errno::IO));
    }
    let n = n as usize;
    debug_assert!(
        n <= spare,
        "epoll_pwait2 returned {n} events for {spare} slots"
    );
    // SAFETY: the kernel initialised the first `n <= max <= spare` slots past the old length.
    unsafe { events.set_len(events.len() + n) };
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::epoll::CreateFlags;
    use std::time::Instant;

    /// A sub-millisecond wait with no event lasts at least its timeout (never returns early), on
    /// either path.
    #[test]
    fn a_sub_millisecond_wait_is_never_short() {
        let ep = epoll::create(CreateFlags::CLOEXEC).unwrap();
        let mut events = Vec::with_capacity(8);
        for d in [Duration::from_micros(300), Duration::from_nanos(1_500_001)] {
            let t = Instant::now();
            let n = wait(&ep, &mut events, Some(d)).unwrap();
            assert_eq!(n, 0);
            assert!(t.elapsed() >= d, "waited {:?} for {d:?}", t.elapsed());
        }
        assert_ne!(PWAIT2.load(Ordering::Relaxed), UNKNOWN);
    }
}
