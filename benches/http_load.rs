//! HTTP benchmark: the same hyper 1.x service (HTTP/1.1 keep-alive, `GET /` answers "Hello, world!")
//! served on tulip (`tulip::hyper`'s `TulipIo` and `TulipTimer`) and on tokio's current_thread runtime
//! (hyper-util's `TokioIo` and `TokioTimer`), loaded by `wrk` in the same run; req/s, latency and the
//! server's CPU time per request.
//!
//! ```text
//! scripts/bench.sh --http                                              # installs wrk, runs the table
//! cargo bench -p tulip-benches --bench http_load                       # the table (wrk on the PATH)
//! cargo bench -p tulip-benches --bench http_load -- quick              # 1 repetition, 2 s per case
//! cargo bench -p tulip-benches --bench http_load -- REPS SECS          # REPS turns of SECS s each
//! cargo bench -p tulip-benches --bench http_load -- server tulip|tokio-ct ADDR  # one server
//! ```
//!
//! Each server runs in its own process pinned to CPU 0 and wrk (one thread) to CPU 1 (`taskset`); each
//! case has a 1 s warm-up run of wrk, then the measured run; the servers take turns within each of five
//! repetitions; medians. The server's
//! CPU time (user + system, from `/proc/<pid>/stat`) over the measured run, divided by the requests wrk
//! counted, is the CPU per request.

use std::convert::Infallible;
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

/// The service both runtimes serve.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!\n",
    ))))
}

/// hyper's connection options, the same on both runtimes (the timer is each runtime's own).
fn http1_builder() -> http1::Builder {
    let mut b = http1::Builder::new();
    b.keep_alive(true)
        .header_read_timeout(Duration::from_secs(30));
    b
}

fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut out = io::stdout();
    writeln!(out, "listening on {addr}")?;
    out.flush()
}

fn tulip_server(addr: &str) -> io::Result<()> {
    tulip::run(async {
        let listener = tulip::net::TcpListener::bind(addr).await?;
        announce(listener.local_addr()?)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tulip::spawn(async move {
                let _ = http1_builder()
                    .timer(tulip::hyper::TulipTimer::new())
                    .serve_connection(tulip::hyper::TulipIo::new(stream), service_fn(hello))
                    .await;
            })
            .detach();
        }
    })
}

fn tokio_server(addr: &str) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        announce(listener.local_addr()?)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1_builder()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service_fn(hello))
                    .await;
            });
        }
    })
}

struct Running {
    child: Child,
    addr: SocketAddr,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `server` (a mode of this binary) pinned to `cpu`, and reads the address it bound.
fn start(server: &str, cpu: &str) -> io::Result<Running> {
    let me = std::env::current_exe()?;
    let mut child = Command::new("taskset")
        .args(["-c", cpu])
        .arg(me)
        .args(["server", server, "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| io::Error::other(format!("{server}: unexpected first line {line:?}")))?;
    Ok(Running {
        child,
        addr,
        _stdout: stdout,
    })
}

/// Server CPU time (user + system) in seconds, from `/proc/<pid>/stat` (clock ticks of 1/100 s).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// What one wrk run reported.
#[derive(Debug, Default)]
struct Wrk {
    requests: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    /// Socket errors plus non-2xx/3xx responses.
    errors: u64,
}

/// A wrk latency such as `52.00us`, `1.20ms` or `2.01s`, in µs.
fn parse_latency(s: &str) -> Option<f64> {
    let (num, scale) = if let Some(v) = s.strip_suffix("us") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix("ms") {
        (v, 1e3)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1e6)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|v| v * scale)
}

fn parse_wrk(out: &str) -> Wrk {
    let mut w = Wrk::default();
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => w.rps = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => w.requests = n.parse().unwrap_or(0),
            ["50%", v] => w.p50_us = parse_latency(v).unwrap_or(f64::NAN),
            ["99%", v] => w.p99_us = parse_latency(v).unwrap_or(f64::NAN),
            ["Non-2xx", "or", "3xx", "responses:", n] => w.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                w.errors += rest
                    .iter()
                    .filter_map(|t| t.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    w
}

/// One wrk run: one thread on `cpu`, `conns` keep-alive connections, `secs` seconds.
fn wrk(addr: SocketAddr, conns: usize, secs: u64, cpu: &str) -> io::Result<Wrk> {
    let out = Command::new("taskset")
        .args(["-c", cpu, "wrk", "-t1", "--latency"])
        .arg(format!("-c{conns}"))
        .arg(format!("-d{secs}s"))
        .arg(format!("http://{addr}/"))
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("wrk failed: {}", out.status)));
    }
    let w = parse_wrk(&String::from_utf8_lossy(&out.stdout));
    if w.requests == 0 {
        return Err(io::Error::other(format!(
            "wrk counted no requests:\n{}",
            String::from_utf8_lossy(&out.stdout)
        )));
    }
    Ok(w)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

const SERVERS: [(&str, &str); 2] = [("tulip", "tulip"), ("tokio current_thread", "tokio-ct")];

fn matrix(reps: usize, secs: u64) -> io::Result<()> {
    println!(
        "## hyper HTTP/1.1 hello world (server on CPU 0, wrk -t1 on CPU 1, {secs} s measured, median of {reps}, servers taking turns)\n"
    );
    for conns in [1usize, 50, 500] {
        // Per server: rps, p50, p99, cpu µs/req of each repetition, and errors summed. The servers take
        // turns within each repetition, so a change in the machine's load hits both alike.
        let mut samples: Vec<[Vec<f64>; 4]> = SERVERS.iter().map(|_| Default::default()).collect();
        let mut errors = [0u64; SERVERS.len()];
        for _ in 0..reps {
            for (i, (name, mode)) in SERVERS.iter().enumerate() {
                eprintln!("http_load: {name} with {conns} connection(s)");
                let server = start(mode, "0")?;
                wrk(server.addr, conns, 1, "1")?;
                let pid = server.child.id();
                let before = cpu_seconds(pid);
                let w = wrk(server.addr, conns, secs, "1")?;
                let after = cpu_seconds(pid);
                let cpu = match (before, after) {
                    (Some(b), Some(a)) => (a - b) * 1e6 / w.requests as f64,
                    _ => f64::NAN,
                };
                for (v, x) in samples[i].iter_mut().zip([w.rps, w.p50_us, w.p99_us, cpu]) {
                    v.push(x);
                }
                errors[i] += w.errors;
            }
        }
        let rows: Vec<_> = SERVERS
            .iter()
            .zip(samples.iter_mut())
            .zip(errors)
            .map(|(((name, _), [rps, p50, p99, cpu]), errors)| {
                (
                    *name,
                    median(rps),
                    median(p50),
                    median(p99),
                    median(cpu),
                    errors,
                )
            })
            .collect();
        let tokio = rows[1];
        println!("### {conns} keep-alive connection(s)\n");
        println!("| server | req/s | vs tokio | p50 µs | p99 µs | server CPU µs/req | CPU vs tokio | errors |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (name, rps, p50, p99, cpu, errors) in &rows {
            println!(
                "| {name} | {rps:.0} | {:.2}x | {p50:.0} | {p99:.0} | {cpu:.2} | {:.2}x | {errors} |",
                rps / tokio.1,
                tokio.4 / cpu,
            );
        }
        println!();
    }
    println!("(vs tokio > 1: tulip serves more requests per second; CPU vs tokio > 1: tulip spends less CPU per request)");
    Ok(())
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
                Some("tulip") => tulip_server(addr),
                Some("tokio-ct") => tokio_server(addr),
                other => Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unknown server {other:?}: tulip or tokio-ct"),
                )),
            }
        }
        Some("quick") => matrix(1, 2),
        // `-- REPS SECS` (scripts/benchmarks.py passes its settings this way); defaults 5 and 5.
        _ => {
            let reps = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
            let secs = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
            matrix(reps, secs)
        }
    }
}
