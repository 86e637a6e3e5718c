//! Network load and memory benchmarks: tulip's echo servers side by side with tokio, smol and a raw
//! epoll server, in one run, reported as ratios.
//!
//! ```text
//! cargo bench -p tulip-benches --bench echo_load                         # the whole matrix (BENCHMARKS.md tables)
//! cargo bench -p tulip-benches --bench echo_load -- quick                # 1 repetition, 2 s per case
//! cargo bench -p tulip-benches --bench echo_load -- server tokio-ct ADDR # run one comparison server
//! cargo bench -p tulip-benches --bench echo_load -- load ADDR CONNS SIZE SECS [PID]
//! cargo bench -p tulip-benches --bench echo_load -- fixed ADDR CONNS SIZE|http WARMUP MEASURED [PID]
//! cargo bench -p tulip-benches --bench echo_load -- interleaved CONNS SIZE|http WARMUP PER_SLICE SLICES reopen|keep ADDR:PID...
//! cargo bench -p tulip-benches --bench echo_load -- mem RUNTIME WORKLOAD N
//! cargo bench -p tulip-benches --bench echo_load -- matrix | memory | lateness # one table only
//! cargo bench -p tulip-benches --bench echo_load -- workers | workers-quick # the two-worker matrix only
//! ```
//!
//! The tulip servers are the examples (`echo`, `echo_protocol`, `echo_streams`), built in release mode by
//! `scripts/bench.sh` before this runs. Servers are pinned to CPU 0 and the load generator to CPU 1
//! (`taskset`), each case has a warm-up, then a measured window; three repetitions, medians. The
//! two-worker matrix (tulip's `--workers 2`, tokio multi_thread(2), smol on two threads) runs servers and
//! load generator unpinned on both CPUs.

#[path = "echo/fixed.rs"]
mod fixed;
#[path = "echo/interleaved.rs"]
mod interleaved;
#[path = "echo/lateness.rs"]
mod lateness;
#[path = "echo/loadgen.rs"]
mod loadgen;
#[path = "echo/memory.rs"]
mod memory;
#[path = "echo/servers.rs"]
mod servers;

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    name: &'static str,
    /// Program and arguments (the listen address is appended).
    cmd: Vec<String>,
}

fn examples_dir() -> PathBuf {
    // target/release/deps/echo_load-HASH -> target/release/examples
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples"))
        .expect("target dir")
}

fn servers() -> Vec<Server> {
    let me = std::env::current_exe()
        .expect("current_exe")
        .to_string_lossy()
        .into_owned();
    let ex = examples_dir();
    let example = |n: &str| ex.join(n).to_string_lossy().into_owned();
    let mut list = vec![
        Server {
            name: "tulip echo",
            cmd: vec![example("echo")],
        },
        Server {
            name: "tulip echo_protocol",
            cmd: vec![example("echo_protocol")],
        },
        Server {
            name: "tulip streams",
            cmd: vec![example("echo_streams")],
        },
        Server {
            name: "tokio current_thread",
            cmd: vec![me.clone(), "server".into(), "tokio-ct".into()],
        },
        Server {
            name: "tokio multi_thread(2)",
            cmd: vec![me.clone(), "server".into(), "tokio-mt".into()],
        },
        Server {
            name: "smol",
            cmd: vec![me.clone(), "server".into(), "smol".into()],
        },
        Server {
            name: "raw epoll",
            cmd: vec![me, "server".into(), "epoll".into()],
        },
    ];
    list.retain(|s| std::path::Path::new(&s.cmd[0]).exists());
    list
}

struct Running {
    child: Child,
    addr: SocketAddr,
    /// Kept open so a server that prints again does not fail on a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(server: &Server, cpu: &str) -> io::Result<Running> {
    let mut cmd = Command::new("taskset");
    cmd.arg("-c").arg(cpu).args(&server.cmd).arg("127.0.0.1:0");
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(Stdio::null());
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    let mut stdout = BufReader::new(stdout);
    stdout.read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| {
            io::Error::other(format!("{}: unexpected first line {line:?}", server.name))
        })?;
    Ok(Running {
        child,
        addr,
        _stdout: stdout,
    })
}

fn pin_self(cpu: &str) {
    let _ = Command::new("taskset")
        .args(["-p", "-c", cpu, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status();
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

struct CaseResult {
    server: &'static str,
    rps: f64,
    mibs: f64,
    p50: f64,
    p99: f64,
    cpu_us: f64,
    errors: u64,
}

fn matrix(reps: usize, secs: u64) -> io::Result<()> {
    memory::raise_nofile();
    pin_self("1");
    println!("## Echo throughput (server on CPU 0, load generator on CPU 1, {secs} s measured, median of {reps})\n");
    run_cases(
        &servers(),
        "0",
        ("tokio current_thread", "raw epoll"),
        reps,
        secs,
    )
}

/// The servers of the two-worker matrix: tulip's examples with `--workers 2`, tokio multi_thread(2),
/// smol with two executor threads.
fn two_worker_servers() -> Vec<Server> {
    let me = std::env::current_exe()
        .expect("current_exe")
        .to_string_lossy()
        .into_owned();
    let ex = examples_dir();
    let example = |n: &str| ex.join(n).to_string_lossy().into_owned();
    let workers = || ["--workers".to_owned(), "2".to_owned()];
    let mut list = vec![
        Server {
            name: "tulip echo --workers 2",
            cmd: [vec![example("echo")], workers().to_vec()].concat(),
        },
        Server {
            name: "tulip echo_protocol --workers 2",
            cmd: [vec![example("echo_protocol")], workers().to_vec()].concat(),
        },
        Server {
            name: "tokio multi_thread(2)",
            cmd: vec![me.clone(), "server".into(), "tokio-mt".into()],
        },
        Server {
            name: "smol 2 threads",
            cmd: vec![me, "server".into(), "smol-2".into()],
        },
    ];
    list.retain(|s| std::path::Path::new(&s.cmd[0]).exists());
    list
}

/// Echo on two workers: servers and load generator share both CPUs (this machine has two), so req/s
/// is bounded by the load generator's share; server CPU per request is the fair comparison.
fn two_worker_matrix(reps: usize, secs: u64) -> io::Result<()> {
    memory::raise_nofile();
    pin_self("0,1");
    println!("## Echo on two workers (servers and load generator unpinned on both CPUs, {secs} s measured, median of {reps})\n");
    run_cases(
        &two_worker_servers(),
        "0,1",
        ("tokio multi_thread(2)", "smol 2 threads"),
        reps,
        secs,
    )
}

/// Runs the four echo cases on every server (`taskset -c server_cpu`), one table per case, with req/s
/// ratios against the two `bases`.
fn run_cases(
    servers: &[Server],
    server_cpu: &str,
    bases: (&str, &str),
    reps: usize,
    secs: u64,
) -> io::Result<()> {
    let cases: [(usize, usize); 4] = [(1, 64), (100, 1024), (10, 64 * 1024), (1000, 64)];
    for (conns, size) in cases {
        let mut results = Vec::new();
        for s in servers {
            let (mut rps, mut mibs, mut p50, mut p99, mut cpu) =
                (vec![], vec![], vec![], vec![], vec![]);
            let mut errors = 0;
            for _ in 0..reps {
                eprintln!("echo_load: {} with {conns} x {size} B", s.name);
                let running = start(s, server_cpu)?;
                let r = loadgen::run(&loadgen::Load {
                    addr: running.addr,
                    conns,
                    size,
                    warmup: Duration::from_millis(500),
                    duration: Duration::from_secs(secs),
                    server_pid: Some(running.child.id()),
                })?;
                rps.push(r.req_per_sec);
                mibs.push(r.mib_per_sec);
                p50.push(r.p50_us);
                p99.push(r.p99_us);
                cpu.push(r.server_cpu_us_per_req.unwrap_or(f64::NAN));
                errors += r.errors;
            }
            results.push(CaseResult {
                server: s.name,
                rps: median(&mut rps),
                mibs: median(&mut mibs),
                p50: median(&mut p50),
                p99: median(&mut p99),
                cpu_us: median(&mut cpu),
                errors,
            });
        }
        let base = results
            .iter()
            .find(|r| r.server == bases.0)
            .map(|r| r.rps)
            .unwrap_or(f64::NAN);
        let epoll = results
            .iter()
            .find(|r| r.server == bases.1)
            .map(|r| r.rps)
            .unwrap_or(f64::NAN);
        println!("### {conns} connection(s) x {size} B\n");
        println!(
            "| server | req/s | vs {} | vs {} | MiB/s | p50 µs | p99 µs | server CPU µs/req | errors |",
            bases.0, bases.1
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for r in &results {
            println!(
                "| {} | {:.0} | {:.2}x | {:.2}x | {:.1} | {:.0} | {:.0} | {:.2} | {} |",
                r.server,
                r.rps,
                r.rps / base,
                r.rps / epoll,
                r.mibs,
                r.p50,
                r.p99,
                r.cpu_us,
                r.errors
            );
        }
        println!();
    }
    Ok(())
}

fn memory_tables() -> io::Result<()> {
    let me = std::env::current_exe()?;
    println!("## Memory (RSS growth per item, fresh process each)\n");
    println!("| workload | tulip | tokio current_thread | smol | tulip vs tokio | tulip vs smol |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (workload, n, label) in [
        ("parked", 100_000, "idle task parked on a channel (100 000)"),
        (
            "parked_bare",
            100_000,
            "idle task parked on `pending()`, runtime's own cost (100 000)",
        ),
        ("sleeping", 1_000_000, "task sleeping 10 s (1 000 000)"),
        // 5 000, not 10 000: client and server ends live in this one process (2 descriptors each)
        // and the hard RLIMIT_NOFILE here is 20 000.
        (
            "idle_tcp",
            5_000,
            "idle TCP connection, server side (5 000)",
        ),
    ] {
        let mut row = Vec::new();
        for rt in ["tulip", "tokio", "smol"] {
            let out = Command::new(&me)
                .args(["mem", rt, workload, &n.to_string()])
                .output()?;
            let v: f64 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .unwrap_or(f64::NAN);
            row.push(v);
        }
        println!(
            "| {label} | {:.0} B | {:.0} B | {:.0} B | {:.2}x | {:.2}x |",
            row[0],
            row[1],
            row[2],
            row[1] / row[0],
            row[2] / row[0]
        );
    }
    println!("\n(ratios > 1: tulip uses less memory)");
    Ok(())
}

fn lateness_table() {
    println!("\n## Timer lateness: 1 ms sleep x 1 000 (µs late; tokio rounds to 1 ms ticks, tulip and smol wake at the exact deadline)\n");
    println!("| runtime | p50 | p99 | max |");
    println!("| --- | ---: | ---: | ---: |");
    for rt in ["tulip", "tokio", "smol"] {
        let v = lateness::measure(rt, 1000);
        println!(
            "| {rt} | {:.0} | {:.0} | {:.0} |",
            lateness::quantile(&v, 0.5),
            lateness::quantile(&v, 0.99),
            lateness::quantile(&v, 1.0)
        );
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("server") => {
            let addr = args.get(2).map(String::as_str).unwrap_or("127.0.0.1:0");
            match args.get(1).map(String::as_str) {
                Some("tokio-ct") => servers::tokio_server(addr, false),
                Some("tokio-mt") => servers::tokio_server(addr, true),
                Some("smol") => servers::smol_server(addr),
                Some("smol-2") => servers::smol_two_threads(addr),
                Some("epoll") => servers::epoll_server(addr),
                other => Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unknown server {other:?}"),
                )),
            }
        }
        Some("load") => {
            let addr: SocketAddr = args[1].parse().map_err(io::Error::other)?;
            let r = loadgen::run(&loadgen::Load {
                addr,
                conns: args[2].parse().map_err(io::Error::other)?,
                size: args[3].parse().map_err(io::Error::other)?,
                warmup: Duration::from_millis(500),
                duration: Duration::from_secs(args[4].parse().map_err(io::Error::other)?),
                server_pid: args.get(5).and_then(|p| p.parse().ok()),
            })?;
            println!("{r:?}");
            Ok(())
        }
        // A fixed number of round trips (scripts/echo_instructions.sh): prints
        // `requests=R cpu_ns=T wall_ns=W errors=E`, T the server's CPU time over the R measured round
        // trips, W their wall-clock time.
        Some("fixed") => {
            let arg = |i: usize| -> io::Result<&str> {
                args.get(i).map(String::as_str).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "fixed ADDR CONNS SIZE|http WARMUP MEASURED [PID]",
                    )
                })
            };
            let num = |i: usize| -> io::Result<u64> { arg(i)?.parse().map_err(io::Error::other) };
            let addr: SocketAddr = arg(1)?.parse().map_err(io::Error::other)?;
            let pid = args.get(6).and_then(|p| p.parse().ok());
            // SIZE `http`: keep-alive `GET /` round trips (the hyper servers).
            let proto = match arg(3)? {
                "http" => fixed::Proto::Http,
                _ => fixed::Proto::Echo(num(3)? as usize),
            };
            let r = fixed::run(addr, num(2)? as usize, proto, num(4)?, num(5)?, pid)?;
            println!(
                "requests={} cpu_ns={} wall_ns={} errors={}",
                r.requests, r.cpu_ns, r.wall_ns, r.errors
            );
            if r.errors > 0 {
                return Err(io::Error::other(format!(
                    "{} connection(s) failed",
                    r.errors
                )));
            }
            Ok(())
        }
        Some("interleaved") => {
            let usage = || {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "interleaved CONNS SIZE|http WARMUP PER_SLICE SLICES reopen|keep ADDR:PID...",
                )
            };
            let num = |i: usize| -> io::Result<u64> {
                args.get(i)
                    .ok_or_else(usage)?
                    .parse()
                    .map_err(io::Error::other)
            };
            let proto = match args.get(2).map(String::as_str) {
                Some("http") => fixed::Proto::Http,
                _ => fixed::Proto::Echo(num(2)? as usize),
            };
            // `reopen`: new connections for every turn; `keep`: one set per server for the run.
            let reopen = match args.get(6).map(String::as_str) {
                Some("reopen") => true,
                Some("keep") => false,
                _ => return Err(usage()),
            };
            let targets = args[7.min(args.len())..]
                .iter()
                .map(|t| {
                    // ADDR:PID, ADDR itself ending in :PORT.
                    let (addr, pid) = t.rsplit_once(':').ok_or_else(usage)?;
                    Ok(interleaved::Target {
                        addr: addr.parse().map_err(io::Error::other)?,
                        pid: pid.parse().map_err(io::Error::other)?,
                    })
                })
                .collect::<io::Result<Vec<_>>>()?;
            if targets.is_empty() {
                return Err(usage());
            }
            let (costs, errors) = interleaved::run(
                &targets,
                num(1)? as usize,
                proto,
                num(3)?,
                num(4)?,
                num(5)? as usize,
                reopen,
            )?;
            for c in &costs {
                println!(
                    "slice={} server={} requests={} cpu_ns={} wall_ns={}",
                    c.slice, c.server, c.requests, c.cpu_ns, c.wall_ns
                );
            }
            println!("errors={errors}");
            if errors > 0 {
                return Err(io::Error::other(format!("{errors} connection(s) failed")));
            }
            Ok(())
        }
        Some("mem") => {
            let n: usize = args[3].parse().map_err(io::Error::other)?;
            let per = memory::measure(&args[1], &args[2], n)?;
            println!("{per:.1}");
            Ok(())
        }
        Some("quick") => {
            matrix(1, 2)?;
            two_worker_matrix(1, 2)?;
            memory_tables()?;
            lateness_table();
            Ok(())
        }
        Some("matrix") => matrix(3, 5),
        Some("memory") => memory_tables(),
        Some("workers") => two_worker_matrix(3, 5),
        Some("workers-quick") => two_worker_matrix(1, 2),
        Some("lateness") => {
            lateness_table();
            Ok(())
        }
        _ => {
            matrix(3, 5)?;
            two_worker_matrix(3, 5)?;
            memory_tables()?;
            lateness_table();
            Ok(())
        }
    }
}
