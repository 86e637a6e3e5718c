//! Memory per idle task, per sleeping task and per idle TCP connection, for tulip, tokio and smol.
//! Each measurement runs in a fresh process (the parent re-executes itself) and reads the RSS from
//! `/proc/self/statm` before and after.

use std::io;
use std::time::Duration;

/// Resident set size of this process, in bytes.
pub(crate) fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Raises the open-file limit to the hard limit (for 10 000 idle connections: 20 000 descriptors).
pub(crate) fn raise_nofile() {
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

/// Runs one memory workload and returns bytes per item.
pub(crate) fn measure(runtime: &str, workload: &str, n: usize) -> io::Result<f64> {
    raise_nofile();
    let before = rss_bytes();
    let after = match (runtime, workload) {
        ("tulip", "parked") => tulip_parked(n, false),
        ("tokio", "parked") => tokio_parked(n, false),
        ("smol", "parked") => smol_parked(n, false),
        ("tulip", "parked_bare") => tulip_parked(n, true),
        ("tokio", "parked_bare") => tokio_parked(n, true),
        ("smol", "parked_bare") => smol_parked(n, true),
        ("tulip", "sleeping") => tulip_sleeping(n),
        ("tokio", "sleeping") => tokio_sleeping(n),
        ("smol", "sleeping") => smol_sleeping(n),
        ("tulip", "idle_tcp") => tulip_idle_tcp(n)?,
        ("tokio", "idle_tcp") => tokio_idle_tcp(n)?,
        ("smol", "idle_tcp") => smol_idle_tcp(n)?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "unknown workload",
            ))
        }
    };
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

/// Counts tasks that have been polled at least once, so the RSS is sampled only when every task is
/// parked (smol's `LocalExecutor::run` alternates between the main future and one task, so a single
/// `yield_now` there leaves most tasks unpolled).
#[derive(Clone, Default)]
struct Started(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Started {
    fn mark(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A task parked on a channel receive (the channel's listener is part of what each task holds).
async fn parked_on_channel(rx: async_channel::Receiver<()>, started: Started) {
    started.mark();
    let _ = rx.recv().await;
}

/// A task parked on a future that never completes and holds nothing: the runtime's own cost per task.
async fn parked_bare(started: Started) {
    started.mark();
    std::future::pending::<()>().await
}

fn tulip_parked(n: usize, bare: bool) -> u64 {
    tulip::run(async move {
        let started = Started::default();
        let (tx, rx) = async_channel::bounded::<()>(1);
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                if bare {
                    tulip::spawn(parked_bare(started.clone()))
                } else {
                    tulip::spawn(parked_on_channel(rx.clone(), started.clone()))
                }
            })
            .collect();
        while started.count() < n {
            tulip::yield_now().await;
        }
        let rss = rss_bytes();
        drop(tx);
        if bare {
            drop(tasks);
        } else {
            for t in tasks {
                t.await;
            }
        }
        rss
    })
}

fn tokio_parked(n: usize, bare: bool) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move {
        let started = Started::default();
        let (tx, rx) = async_channel::bounded::<()>(1);
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                if bare {
                    tokio::spawn(parked_bare(started.clone()))
                } else {
                    tokio::spawn(parked_on_channel(rx.clone(), started.clone()))
                }
            })
            .collect();
        while started.count() < n {
            tokio::task::yield_now().await;
        }
        let rss = rss_bytes();
        drop(tx);
        for t in tasks {
            if bare {
                t.abort();
            }
            let _ = t.await;
        }
        rss
    })
}

fn smol_parked(n: usize, bare: bool) -> u64 {
    let ex = smol::LocalExecutor::new();
    smol::block_on(ex.run(async {
        let started = Started::default();
        let (tx, rx) = async_channel::bounded::<()>(1);
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                if bare {
                    ex.spawn(parked_bare(started.clone()))
                } else {
                    ex.spawn(parked_on_channel(rx.clone(), started.clone()))
                }
            })
            .collect();
        while started.count() < n {
            smol::future::yield_now().await;
        }
        let rss = rss_bytes();
        drop(tx);
        if bare {
            drop(tasks);
        } else {
            for t in tasks {
                t.await;
            }
        }
        rss
    }))
}

fn tulip_sleeping(n: usize) -> u64 {
    tulip::run(async move {
        let tasks: Vec<_> = (0..n)
            .map(|_| tulip::spawn(tulip::time::sleep(Duration::from_secs(10))))
            .collect();
        tulip::yield_now().await;
        let rss = rss_bytes();
        drop(tasks);
        rss
    })
}

fn tokio_sleeping(n: usize) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tasks: Vec<_> = (0..n)
            .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_secs(10))))
            .collect();
        tokio::task::yield_now().await;
        let rss = rss_bytes();
        for t in &tasks {
            t.abort();
        }
        rss
    })
}

fn smol_sleeping(n: usize) -> u64 {
    let ex = smol::LocalExecutor::new();
    smol::block_on(ex.run(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                ex.spawn(async {
                    smol::Timer::after(Duration::from_secs(10)).await;
                })
            })
            .collect();
        smol::future::yield_now().await;
        let rss = rss_bytes();
        drop(tasks);
        rss
    }))
}

/// Opens `n` loopback connections with blocking std clients; the server side is the runtime's.
fn std_clients(addr: std::net::SocketAddr, n: usize) -> io::Result<Vec<std::net::TcpStream>> {
    (0..n).map(|_| std::net::TcpStream::connect(addr)).collect()
}

fn tulip_idle_tcp(n: usize) -> io::Result<u64> {
    tulip::run(async move {
        let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let clients = std::thread::spawn(move || std_clients(addr, n));
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let (c, _) = listener.accept().await?;
            conns.push(tulip::spawn(async move {
                let mut buf = [0u8; 1];
                let _ = c.read(&mut buf).await;
            }));
        }
        tulip::yield_now().await;
        let rss = rss_bytes();
        let _clients = clients.join().expect("clients")?;
        Ok(rss)
    })
}

fn tokio_idle_tcp(n: usize) -> io::Result<u64> {
    use tokio::io::AsyncReadExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let clients = std::thread::spawn(move || std_clients(addr, n));
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let (mut c, _) = listener.accept().await?;
            conns.push(tokio::spawn(async move {
                let mut buf = [0u8; 1];
                let _ = c.read(&mut buf).await;
            }));
        }
        tokio::task::yield_now().await;
        let rss = rss_bytes();
        let _clients = clients.join().expect("clients")?;
        for c in &conns {
            c.abort();
        }
        Ok(rss)
    })
}

fn smol_idle_tcp(n: usize) -> io::Result<u64> {
    use futures_lite::AsyncReadExt;
    let ex = smol::LocalExecutor::new();
    smol::block_on(ex.run(async {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let clients = std::thread::spawn(move || std_clients(addr, n));
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let (mut c, _) = listener.accept().await?;
            conns.push(ex.spawn(async move {
                let mut buf = [0u8; 1];
                let _ = c.read(&mut buf).await;
            }));
        }
        smol::future::yield_now().await;
        let rss = rss_bytes();
        let _clients = clients.join().expect("clients")?;
        Ok(rss)
    }))
}
