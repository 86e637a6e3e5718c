//! Timer lateness of a 1 ms sleep on tulip, tokio current_thread and smol, with the machine's floor
//! measured in the same run: a bare loop of `clock_nanosleep` and one of `epoll_pwait2`, each with the
//! thread's timer slack at 1 ns (as tulip's loop sets it while it waits on a timer). No runtime can
//! wake earlier after its deadline than the kernel wakes a bare thread, so the floor shows what this
//! machine allows at the moment; a runtime's lateness above the floor is its own.
//!
//! ```text
//! cargo bench -p tulip-benches --bench lateness                  # RUNS (5) rounds of N (1 000) sleeps
//! cargo bench -p tulip-benches --bench lateness -- RUNS N
//! cargo bench -p tulip-benches --bench lateness -- RUNS N tulip floor-epoll_pwait2   # these runners only
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
const RUNNERS: [&str; 6] = [
    "floor-nanosleep",
    "floor-epoll_pwait2",
    "tulip",
    "tokio",
    "smol",
    "paired",
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let runs = numbers.first().copied().unwrap_or(5).max(1);
    let n = numbers.get(1).copied().unwrap_or(1000).max(1);
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| RUNNERS.contains(a))
        .collect();
    for round in 1..=runs {
        for runner in RUNNERS
            .into_iter()
            .filter(|r| only.is_empty() || only.contains(r))
        {
            let rows = match runner {
                "floor-nanosleep" => vec![(runner, floor::measure(n, floor::Wait::Nanosleep))],
                "floor-epoll_pwait2" => vec![(runner, floor::measure(n, floor::Wait::EpollPwait2))],
                "paired" => {
                    let (tulip, bare) = floor::paired(n);
                    vec![("paired-tulip", tulip), ("paired-floor", bare)]
                }
                rt => vec![(runner, lateness::measure(rt, n))],
            };
            for (name, v) in rows {
                println!(
                    "lateness {name} {round} {:.1} {:.1} {:.1} {:.1}",
                    lateness::quantile(&v, 0.5),
                    lateness::quantile(&v, 0.9),
                    lateness::quantile(&v, 0.99),
                    lateness::quantile(&v, 1.0)
                );
            }
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
        let slack = Slack::precise();
        let epoll = Epoll::new();
        let mut late: Vec<f64> = (0..n)
            .map(|_| {
                let t = Instant::now();
                match wait {
                    Wait::Nanosleep => std::thread::sleep(PERIOD),
                    Wait::EpollPwait2 => epoll.wait(PERIOD),
                }
                late_us(t)
            })
            .collect();
        drop(slack);
        sort(&mut late);
        late
    }

    /// A tulip `sleep(1 ms)` and a bare `epoll_pwait2` of 1 ms taking turns on the loop's thread
    /// (the bare wait blocks the loop, which has nothing else to do): each pair sees the same load,
    /// so the difference between the two distributions is tulip's own. Both sorted, in microseconds.
    pub(crate) fn paired(n: usize) -> (Vec<f64>, Vec<f64>) {
        // The loop lowers the slack on its first timed wait (and restores what it found when the
        // run ends); the bare waits get the same from the start.
        let slack = Slack::precise();
        let (mut tulip, mut bare) = tulip::run(async move {
            let epoll = Epoll::new();
            let (mut tulip, mut bare) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for _ in 0..n {
                let t = Instant::now();
                tulip::time::sleep(PERIOD).await;
                tulip.push(late_us(t));
                let t = Instant::now();
                epoll.wait(PERIOD);
                bare.push(late_us(t));
            }
            (tulip, bare)
        });
        drop(slack);
        sort(&mut tulip);
        sort(&mut bare);
        (tulip, bare)
    }

    fn late_us(start: Instant) -> f64 {
        (start.elapsed().as_secs_f64() - PERIOD.as_secs_f64()) * 1e6
    }

    fn sort(v: &mut [f64]) {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    }

    /// The calling thread's timer slack at 1 ns until dropped, then back to what it was.
    struct Slack(libc::c_int);

    impl Slack {
        fn precise() -> Slack {
            // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take values, no pointers, and change
            // only the calling thread's slack.
            let saved = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
            // SAFETY: as above.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
            Slack(saved)
        }
    }

    impl Drop for Slack {
        fn drop(&mut self) {
            if self.0 > 0 {
                // SAFETY: as in `precise`; puts back the slack read there.
                unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, self.0 as libc::c_ulong, 0, 0, 0) };
            }
        }
    }

    /// An empty epoll set, waited on with a timeout.
    struct Epoll(libc::c_int);

    impl Epoll {
        fn new() -> Epoll {
            // SAFETY: epoll_create1 takes flags only; the descriptor is closed on drop.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            assert!(fd >= 0, "epoll_create1 failed");
            Epoll(fd)
        }

        fn wait(&self, d: Duration) {
            let ts = libc::timespec {
                tv_sec: d.as_secs() as libc::time_t,
                tv_nsec: d.subsec_nanos() as libc::c_long,
            };
            let mut events = [libc::epoll_event { events: 0, u64: 0 }; 1];
            // SAFETY: `self.0` is an open epoll descriptor; the kernel writes at most one event into
            // `events`, which has room for one; `ts` lives across the call; a null signal mask leaves
            // the mask alone. An early return (EINTR) shows as a negative lateness in the table.
            unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    self.0,
                    events.as_mut_ptr(),
                    1,
                    &ts as *const libc::timespec,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
        }
    }

    impl Drop for Epoll {
        fn drop(&mut self) {
            // SAFETY: the descriptor is ours and closed once.
            unsafe { libc::close(self.0) };
        }
    }
}
