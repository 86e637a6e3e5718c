//! Interleaved paired CPU measurement: several servers run at once (all pinned to the same CPU), one
//! load generator holds C connections to each, and the measured round trips are dealt out in short
//! slices: slice s gives every server K round trips per connection, one server after the other (in a
//! random order drawn afresh for each slice). Each server's CPU time per slice comes from its
//! `/proc/<pid>/task/*/schedstat`, read just before its turn in consecutive slices, so nothing it does
//! between two turns (finishing the last reply, going back to sleep) is lost.
//!
//! Why: with one server after the other (`fixed`), a comparison spans seconds, and this shared VM's
//! speed drifts by several per cent over seconds; the paired ratio of two such runs moved by ±4 % between
//! identical runs. Slices of ~10 ms put both sides of a ratio under the same machine state, so the
//! per-slice ratios measure the servers, not the drift.
//!
//! Output (stdout): one line per slice and server, `slice=S server=J requests=R cpu_ns=T wall_ns=W`, then
//! `errors=E`.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::fixed::{cpu_ns, Client, Proto};

/// One server taking part: where it listens and its process id.
pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    pub(crate) pid: u32,
}

/// Per slice and server: requests served and the server's CPU nanoseconds over the slice.
pub(crate) struct SliceCost {
    pub(crate) slice: usize,
    pub(crate) server: usize,
    pub(crate) requests: u64,
    pub(crate) cpu_ns: u64,
    /// Wall-clock time of the server's turn, nanoseconds.
    pub(crate) wall_ns: u64,
}

/// Warms every server up with `warmup` round trips per connection, then runs `slices` slices of
/// `per_slice` round trips per connection on each server in turn.
pub(crate) fn run(
    targets: &[Target],
    conns: usize,
    proto: Proto,
    warmup: u64,
    per_slice: u64,
    slices: usize,
) -> io::Result<(Vec<SliceCost>, u64)> {
    let n = targets.len();
    let mut clients = targets
        .iter()
        .map(|t| Client::connect(t.addr, conns, proto))
        .collect::<io::Result<Vec<_>>>()?;
    for c in &mut clients {
        c.run_until(warmup)?;
    }
    let read = |j: usize| -> io::Result<u64> {
        cpu_ns(targets[j].pid)
            .ok_or_else(|| io::Error::other(format!("no schedstat for pid {}", targets[j].pid)))
    };
    // readings[j][s]: server j's CPU time just before its turn in slice s; [slices] after the end.
    let mut readings = vec![Vec::with_capacity(slices + 1); n];
    let mut walls = vec![Vec::with_capacity(slices); n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(std::process::id());
    for s in 0..slices {
        // A fresh random order each slice, so no server always runs right after the same one: a
        // server that follows another run of its own program finds its code warm in the caches
        // (found with `tokio-ct#2`, which always followed `tokio-ct` under a rotating order).
        shuffle(&mut order, &mut rng);
        for &j in &order {
            readings[j].push(read(j)?);
            let started = Instant::now();
            clients[j].run_until(warmup + (s as u64 + 1) * per_slice)?;
            walls[j].push(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
    }
    // Let the last replies' bookkeeping and the return to epoll_wait finish before the final reading.
    std::thread::sleep(Duration::from_millis(20));
    for (j, r) in readings.iter_mut().enumerate() {
        r.push(read(j)?);
    }
    let mut out = Vec::with_capacity(slices * n);
    for s in 0..slices {
        for (j, client) in clients.iter().enumerate() {
            let from = warmup + s as u64 * per_slice;
            out.push(SliceCost {
                slice: s,
                server: j,
                requests: client.completed(from, from + per_slice),
                cpu_ns: readings[j][s + 1].saturating_sub(readings[j][s]),
                wall_ns: walls[j][s],
            });
        }
    }
    let errors = clients.iter().map(Client::errors).sum();
    Ok((out, errors))
}

/// Fisher-Yates shuffle of `v` with a xorshift64 generator (`state` must not be 0).
fn shuffle(v: &mut [usize], state: &mut u64) {
    for i in (1..v.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let j = (*state % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}
