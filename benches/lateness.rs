//! Timer lateness of a 1 ms sleep on tulip, tokio current_thread and smol, with the machine's floor
//! measured in the same run: a bare loop of `clock_nanosleep` and one of `epoll_pwait2`, each with the
//! thread's timer slack at 1 ns (as tulip's loop sets it while it waits on a timer). No runtime can
//! wake earlier after its deadline than the kernel wakes a bare thread, so the floor shows what this
//! machine allows at the moment; a runtime's lateness above the floor is its own.
//!
//! ```text
//! cargo bench -p tulip-benches --bench lateness                  # RUNS (5) rounds of N (1 000) sleeps
//! cargo bench -p tulip-benches --bench lateness -- RUNS N
//! ```
//!
//! Each round measures every runner once, one after another, so a change of the machine's load lands
//! on all of them; each row printed is one (runner, round): `lateness RUNNER ROUND p50 p90 p99 max` in
//! microseconds (lateness = measured sleep minus 1 ms). `scripts/benchmarks.py` turns these into the
//! BENCHMARKS.md table (median over rounds of each quantile).

#[path = "echo/lateness.rs"]
mod lateness;

use std::time::{Duration, Instant};

/// Runners in the order each round measures them.
const RUNNERS: [&str; 5] = [
    "floor-nanosleep",
    "floor-epoll_pwait2",
    "tulip",
    "tokio",
    "smol",
];

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = args.first().copied().unwrap_or(5).max(1);
    let n = args.get(1).copied().unwrap_or(1000).max(1);
    for round in 1..=runs {
        for runner in RUNNERS {
            let v = match runner {
                "floor-nanosleep" => floor::measure(n, floor::Wait::Nanosleep),
                "floor-epoll_pwait2" => floor::measure(n, floor::Wait::EpollPwait2),
                rt => lateness::measure(rt, n),
            };
            println!(
                "lateness {runner} {round} {:.1} {:.1} {:.1} {:.1}",
                lateness::quantile(&v, 0.5),
                lateness::quantile(&v, 0.9),
                lateness::quantile(&v, 0.99),
                lateness::quantile(&v, 1.0)
            );
        }
    }
}

/// The floor: what the kernel gives a bare thread waiting 1 ms, with no runtime around it.
mod floor {
    use super::{Duration, Instant};

    const PERIOD: Duration = Duration::from_millis(1);

    #[derive(Clone, Copy)]
    pub(crate) enum Wait {
        /// `clock_nanosleep(CLOCK_MONOTONIC, 0, 1 ms)` (`std::thread::sleep`).
        Nanosleep,
        /// `epoll_pwait2` on an empty epoll set with a 1 ms timeout: tulip's wait, minus the loop.
        EpollPwait2,
    }

    /// Lateness of `n` waits of 1 ms, sorted, in microseconds; the thread's timer slack at 1 ns
    /// meanwhile.
    pub(crate) fn measure(n: usize, wait: Wait) -> Vec<f64> {
        // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take values, no pointers, and change only
        // the calling thread's slack.
        let saved = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
        // SAFETY: as above.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
        // SAFETY: epoll_create1 takes flags only; the descriptor is closed below.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(epfd >= 0, "epoll_create1 failed");
        let ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: PERIOD.as_nanos() as libc::c_long,
        };
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 1];
        let mut late = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            match wait {
                Wait::Nanosleep => std::thread::sleep(PERIOD),
                Wait::EpollPwait2 => {
                    // SAFETY: `epfd` is an open epoll descriptor; the kernel writes at most one event
                    // into `events`, which has room for one; `ts` lives across the call; a null
                    // signal mask leaves the mask alone. An early return (EINTR) only shows as a
                    // negative lateness, which the table would show.
                    unsafe {
                        libc::syscall(
                            libc::SYS_epoll_pwait2,
                            epfd,
                            events.as_mut_ptr(),
                            1,
                            &ts as *const libc::timespec,
                            std::ptr::null::<libc::sigset_t>(),
                            0usize,
                        )
                    };
                }
            }
            late.push((t.elapsed().as_secs_f64() - PERIOD.as_secs_f64()) * 1e6);
        }
        // SAFETY: `epfd` is ours and closed once.
        unsafe { libc::close(epfd) };
        if saved >= 0 {
            // SAFETY: as above; puts back the slack read at the start.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, saved as libc::c_ulong, 0, 0, 0) };
        }
        late.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        late
    }
}
