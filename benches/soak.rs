//! A bounded soak (not in CI): thousands of connections through `echo_protocol`, or through `proxy` in
//! front of `echo`, for minutes, with resets (`SO_LINGER` 0), reconnects and slow readers mixed in and
//! every byte verified; the servers' RSS and descriptor counts sampled every second. Exits non-zero if
//! a byte is wrong or lost, if memory or descriptors grow once the load is steady (last third of the
//! samples against the middle third, bounds in `soak/sample.rs`), or if a server does not return to
//! its idle descriptor count once the clients are gone.
//!
//! ```text
//! scripts/soak.sh                                   # both servers, defaults below
//! cargo bench -p tulip-benches --bench soak -- echo_protocol [CONNS=9000] [SECS=180]
//! cargo bench -p tulip-benches --bench soak -- proxy [CONNS=6000] [SECS=180]
//! ```
//!
//! Connection counts: the hard descriptor limit here is 20 000 per process. The client holds one
//! descriptor per connection and so does `echo_protocol`: 9 000 leaves room for reconnects in flight.
//! The proxy holds two per connection (client side and upstream): 6 000 connections are 12 000 of its
//! descriptors.
//!
//! The servers are the examples, built in release mode by `scripts/soak.sh`.

#[path = "soak/load.rs"]
mod load;
#[path = "soak/sample.rs"]
mod sample;

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sample::{Growth, Sample};

/// A server process, stopped with SIGTERM (its graceful path) when dropped.
struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(name: &'static str, args: &[&str]) -> io::Result<Server> {
        let exe = std::env::current_exe()?;
        // target/release/deps/soak-HASH -> target/release/examples
        let dir = exe
            .parent()
            .and_then(|d| d.parent())
            .map(|d| d.join("examples"))
            .unwrap_or_else(|| PathBuf::from("."));
        let mut child = Command::new(dir.join(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| io::Error::other(format!("{name}: unexpected first line {line:?}")))?;
        Ok(Server { name, child, addr })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let _ = self.child.wait();
    }
}

/// Raises this process's (and so the servers') soft descriptor limit to the hard one.
fn raise_nofile() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let lim = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        },
    );
}

/// What one server went through.
struct Watched {
    name: &'static str,
    pid: u32,
    idle: Sample,
    steady: Vec<Sample>,
    after: Option<Sample>,
}

fn run(kind: &str, conns: usize, secs: u64) -> io::Result<bool> {
    raise_nofile();
    // The servers, front first; `_servers` keeps them alive (dropped last: front first).
    let servers = match kind {
        "echo_protocol" => vec![Server::start("echo_protocol", &["127.0.0.1:0"])?],
        "proxy" => {
            let echo = Server::start("echo", &["127.0.0.1:0"])?;
            let upstream = echo.addr.to_string();
            let proxy = Server::start("proxy", &["127.0.0.1:0", &upstream])?;
            vec![proxy, echo]
        }
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "server: echo_protocol | proxy",
            ))
        }
    };
    let front = servers[0].addr;
    let mut watched: Vec<Watched> = Vec::new();
    for s in &servers {
        let idle = sample::sample(s.pid()).ok_or_else(|| io::Error::other("server gone"))?;
        watched.push(Watched {
            name: s.name,
            pid: s.pid(),
            idle,
            steady: Vec::new(),
            after: None,
        });
    }

    let started = Instant::now();
    let mut load = load::Load::connect(front, conns, 0x5eed_0000 + conns as u64)?;
    eprintln!(
        "soak {kind}: {} connections open after {:.1} s; running {secs} s",
        load.open(),
        started.elapsed().as_secs_f64()
    );
    // The first 10% of the run (at least 5 s) is warm-up: connections settle into their lives.
    let warmup = Duration::from_secs((secs / 10).max(5));
    let t0 = Instant::now();
    // The servers are sampled on a thread of their own, once a second on the clock, however busy
    // the load's loop is.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        let pids: Vec<(&'static str, u32)> = watched.iter().map(|w| (w.name, w.pid)).collect();
        std::thread::spawn(move || {
            let mut steady: Vec<Vec<Sample>> = vec![Vec::new(); pids.len()];
            let mut next = t0 + Duration::from_secs(1);
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                next += Duration::from_secs(1);
                let mut line = format!("t={:>4}s", t0.elapsed().as_secs());
                for (i, &(name, pid)) in pids.iter().enumerate() {
                    if let Some(s) = sample::sample(pid) {
                        line += &format!(" | {name} rss={} KiB fds={}", s.rss_kib, s.fds);
                        if t0.elapsed() > warmup {
                            steady[i].push(s);
                        }
                    }
                }
                eprintln!("{line}");
            }
            steady
        })
    };
    let result = load.run(t0 + Duration::from_secs(secs), |load| {
        let c = &load.counts;
        eprintln!(
            "t={:>4}s | client: open={} verified={} MiB lives={} resets={} slow={} corrupt={} lost={}",
            t0.elapsed().as_secs(),
            load.open(),
            c.bytes_verified >> 20,
            c.lives_done,
            c.resets,
            c.slow_lives,
            c.corrupt,
            c.lost
        );
    });
    stop.store(true, Ordering::Relaxed);
    let steady = sampler
        .join()
        .map_err(|_| io::Error::other("the sampler panicked"))?;
    for (w, s) in watched.iter_mut().zip(steady) {
        w.steady = s;
    }
    result?;
    let counts = load.counts.clone();
    load.close_all();
    drop(load);

    // Every connection closed: each server must get back to its idle descriptor count.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now: Vec<Option<Sample>> = watched.iter().map(|w| sample::sample(w.pid)).collect();
        let back = now
            .iter()
            .zip(&watched)
            .all(|(s, w)| s.is_some_and(|s| s.fds <= w.idle.fds));
        if back || Instant::now() >= deadline {
            for (w, s) in watched.iter_mut().zip(now) {
                w.after = s;
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut ok = counts.corrupt == 0 && counts.lost == 0 && counts.connect_failures == 0;
    println!();
    println!(
        "soak {kind}: {conns} connections, {secs} s: {} MiB verified, {} lives ({} resets, {} slow readers), \
         corrupt {}, lost {}, connect failures {}",
        counts.bytes_verified >> 20,
        counts.lives_done,
        counts.resets,
        counts.slow_lives,
        counts.corrupt,
        counts.lost,
        counts.connect_failures
    );
    println!();
    println!("| server | idle RSS | steady RSS, middle third → last third (max) | idle fds | steady fds, middle → last (max) | fds after close | verdict |");
    println!("|---|---|---|---|---|---|---|");
    for w in &watched {
        let Some(g) = Growth::of(&w.steady) else {
            println!("| {} | too few samples |", w.name);
            ok = false;
            continue;
        };
        let after_fds = w.after.map(|s| s.fds);
        let closed_ok = after_fds.is_some_and(|f| f <= w.idle.fds);
        let verdict = match (g.rss_ok(), g.fds_ok(conns), closed_ok) {
            (true, true, true) => "steady".to_owned(),
            (r, f, c) => {
                let mut v = Vec::new();
                if !r {
                    v.push("RSS grows");
                }
                if !f {
                    v.push("fds grow");
                }
                if !c {
                    v.push("fds not released");
                }
                v.join(", ")
            }
        };
        ok &= g.rss_ok() && g.fds_ok(conns) && closed_ok;
        println!(
            "| {} | {:.1} MiB | {:.1} → {:.1} MiB ({:.1}) | {} | {:.0} → {:.0} ({}) | {} | {} |",
            w.name,
            w.idle.rss_kib as f64 / 1024.0,
            g.rss_mid_kib / 1024.0,
            g.rss_last_kib / 1024.0,
            g.rss_max_kib as f64 / 1024.0,
            w.idle.fds,
            g.fds_mid,
            g.fds_last,
            g.fds_max,
            after_fds.map_or("gone".to_owned(), |f| f.to_string()),
            verdict
        );
    }
    drop(servers);
    Ok(ok)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let kind = args.first().map(String::as_str).unwrap_or("echo_protocol");
    let default_conns = if kind == "proxy" { 6_000 } else { 9_000 };
    let conns = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_conns);
    let secs = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(180);
    match run(kind, conns, secs) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("soak {kind}: FAILED (see the table)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("soak {kind}: {e}");
            ExitCode::from(2)
        }
    }
}
