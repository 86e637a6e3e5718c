//! Samples a server's resident memory (`/proc/PID/status` VmRSS) and open descriptors
//! (`/proc/PID/fd`), and judges whether they grow once the load is steady.

/// One sample of one process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) rss_kib: u64,
    pub(crate) fds: u64,
}

/// Reads the process's VmRSS (KiB) and descriptor count; `None` once it has exited.
pub(crate) fn sample(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some(Sample { rss_kib, fds })
}

/// Middle third against last third of the samples taken under steady load.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Growth {
    pub(crate) rss_mid_kib: f64,
    pub(crate) rss_last_kib: f64,
    pub(crate) rss_max_kib: u64,
    pub(crate) fds_mid: f64,
    pub(crate) fds_last: f64,
    pub(crate) fds_max: u64,
}

fn mean(v: &[u64]) -> f64 {
    v.iter().sum::<u64>() as f64 / v.len().max(1) as f64
}

impl Growth {
    /// `None` with fewer than 3 samples.
    pub(crate) fn of(samples: &[Sample]) -> Option<Growth> {
        let n = samples.len();
        if n < 3 {
            return None;
        }
        let (a, b) = (n / 3, 2 * n / 3);
        let rss: Vec<u64> = samples.iter().map(|s| s.rss_kib).collect();
        let fds: Vec<u64> = samples.iter().map(|s| s.fds).collect();
        Some(Growth {
            rss_mid_kib: mean(&rss[a..b]),
            rss_last_kib: mean(&rss[b..]),
            rss_max_kib: rss.iter().copied().max().unwrap_or(0),
            fds_mid: mean(&fds[a..b]),
            fds_last: mean(&fds[b..]),
            fds_max: fds.iter().copied().max().unwrap_or(0),
        })
    }

    /// The stated bound on memory: the last third's mean RSS may exceed the middle third's by at
    /// most 10% + 4 MiB (allocator noise, connections at different stages of their lives).
    pub(crate) fn rss_ok(&self) -> bool {
        self.rss_last_kib <= self.rss_mid_kib * 1.10 + 4096.0
    }

    /// The stated bound on descriptors: the last third's mean may exceed the middle third's by at
    /// most 1% of the connections + 16 (connections churn: some are between close and reconnect).
    pub(crate) fn fds_ok(&self, conns: usize) -> bool {
        self.fds_last <= self.fds_mid + conns as f64 * 0.01 + 16.0
    }
}
