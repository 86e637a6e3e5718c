//! Interleaved paired CPU measurement: several servers run at once (all pinned to the same CPU), one
//! load generator serves them the measured round trips in short turns: slice s gives every server one
//! turn of K round trips per connection, one server after the other (in a random order drawn afresh
//! for each slice). The server's CPU time (its `/proc/<pid>/task/*/schedstat`) is read just before
//! its turn and again once the turn's last reply is in, each time once it has gone back to sleep, so a
//! turn's cost is that server's work for exactly those round trips. With `reopen` (the few-connection
//! cases), each turn runs on connections of its own: the server's last turn's connections are closed,
//! C new ones opened and warmed up, all before the first reading, so the closes, accepts and warm-ups
//! stay outside the turn's cost and inside the server's own time, never during another server's.
//!
//! Why interleaved: with one server after the other (`fixed`), a comparison spans seconds, and this
//! shared VM's speed drifts by several per cent over seconds; the paired ratio of two such runs moved by
//! ±4 % between identical runs. Turns of 10-70 ms put both sides of a ratio under the same machine
//! state. Why new connections every turn where there are few: with one set of connections per server
//! for a whole round, a round's CPU per request for the same server run twice (`tokio-ct#2` against
//! `tokio-ct`) still differed by 4.7 % (sd over 12 rounds at 10 x 64 KiB, 3 servers), and its median
//! ratio came out above 1 in 6 of 8 runs, once with its whole interval above 1 (a connection's kernel
//! state, set when it opened, lasted the round); with new ones each turn the sd became 3.3-3.9 % and
//! the median 1.006, 0.990 and 0.994 in three runs. With 100 or 1 000 connections one connection's
//! luck is averaged over the others in every turn, and opening them all again each turn would take
//! longer than the turn.
//!
//! Output (stdout): one line per turn, `slice=S server=J requests=R cpu_ns=T wall_ns=W`, then
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

/// Per slice and server: requests served in the server's turn and its CPU nanoseconds over the turn.
pub(crate) struct SliceCost {
    pub(crate) slice: usize,
    pub(crate) server: usize,
    pub(crate) requests: u64,
    pub(crate) cpu_ns: u64,
    /// Wall-clock time of the server's turn, nanoseconds.
    pub(crate) wall_ns: u64,
}

/// Runs `slices` slices of one turn per server, each turn `per_slice` round trips on each of `conns`
/// connections. With `reopen`, every turn has `conns` new connections, warmed up with `warmup` round
/// trips each; without, each server's connections are opened and warmed up once, for its first turn.
pub(crate) fn run(
    targets: &[Target],
    conns: usize,
    proto: Proto,
    warmup: u64,
    per_slice: u64,
    slices: usize,
    reopen: bool,
) -> io::Result<(Vec<SliceCost>, u64)> {
    let n = targets.len();
    let read = |j: usize| -> io::Result<u64> {
        // The server has replied to everything sent; give it time to finish its loop iteration and
        // block in its poller again, so the reading falls between two of its sleeps.
        std::thread::sleep(SETTLE);
        cpu_ns(targets[j].pid)
            .ok_or_else(|| io::Error::other(format!("no schedstat for pid {}", targets[j].pid)))
    };
    // Each server's connections; with `reopen`, those of its last turn, closed at the start of its
    // next one (so the server handles the closes in its own time, not during another server's turn).
    let mut clients: Vec<Option<Client>> = (0..n).map(|_| None).collect();
    // Round trips per connection each server's connections have made so far.
    let mut made = vec![0u64; n];
    let mut errors = 0;
    let mut out = Vec::with_capacity(slices * n);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(std::process::id());
    for s in 0..slices {
        // A fresh random order each slice, so no server always runs right after the same one: a
        // server that follows another run of its own program finds its code warm in the caches
        // (found with `tokio-ct#2`, which always followed `tokio-ct` under a rotating order).
        shuffle(&mut order, &mut rng);
        for &j in &order {
            if reopen || clients[j].is_none() {
                if let Some(old) = clients[j].take() {
                    errors += old.errors();
                }
                let mut client = Client::connect(targets[j].addr, conns, proto)?;
                client.run_until(warmup)?;
                clients[j] = Some(client);
                made[j] = warmup;
            }
            let client = clients[j].as_mut().expect("opened above");
            let from = made[j];
            let before = read(j)?;
            let started = Instant::now();
            client.run_until(from + per_slice)?;
            let wall_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let after = read(j)?;
            out.push(SliceCost {
                slice: s,
                server: j,
                requests: client.completed(from, from + per_slice),
                cpu_ns: after.saturating_sub(before),
                wall_ns,
            });
            made[j] = from + per_slice;
        }
    }
    errors += clients.iter().flatten().map(Client::errors).sum::<u64>();
    Ok((out, errors))
}

/// How long a server is given after its last reply to go back to sleep before its CPU time is read.
const SETTLE: Duration = Duration::from_millis(2);

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
