//! `--workers N` for the server examples: the option itself, and stopping a runtime on SIGINT/SIGTERM
//! (a second signal during the grace period exits at once, as on one loop).

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use tulip::{Runtime, Task};

/// Removes `--workers N` (or `--workers=N`) from `args`; `None` when absent (serve on one loop).
///
/// # Errors
///
/// `InvalidInput` when N is missing, not a number, or 0.
pub(crate) fn take_workers(args: &mut Vec<String>) -> io::Result<Option<usize>> {
    let Some(pos) = args
        .iter()
        .position(|a| a == "--workers" || a.starts_with("--workers="))
    else {
        return Ok(None);
    };
    let flag = args.remove(pos);
    let value = match flag.strip_prefix("--workers=") {
        Some(v) => v.to_owned(),
        None if pos < args.len() => args.remove(pos),
        None => String::new(),
    };
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("--workers needs a positive number, got {value:?}"),
        )),
    }
}

/// Starts listening for SIGINT and SIGTERM on worker 0 and returns once the handlers are in place
/// (so a signal sent after this no longer kills the process); the task ends with the signal number.
pub(crate) fn stop_signal(rt: &Runtime) -> io::Result<Task<io::Result<i32>>> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let task = rt.worker(0).spawn(async move {
        // The listener is `!Send`: it lives in a task local to worker 0.
        tulip::spawn(async move {
            let stop = tulip::signal::shutdown_signal();
            let _ = ready_tx.send(());
            stop.await
        })
        .await
    });
    ready_rx
        .recv()
        .map_err(|_| io::Error::other("worker 0 stopped before listening for signals"))?;
    Ok(task)
}

/// Waits for `stop`, then shuts the runtime down: every worker stops accepting, open connections get
/// `grace` to finish, the rest are closed.
pub(crate) fn serve_until(
    rt: Runtime,
    stop: Task<io::Result<i32>>,
    name: &str,
    grace: Duration,
) -> io::Result<()> {
    let signum = rt.block_on(stop)?;
    // A second SIGINT/SIGTERM while the workers drain exits at once (130/143), as `Shutdown::drain` does
    // on one loop. The watcher has a loop of its own, so the workers can go idle and finish early.
    let (armed_tx, armed_rx) = std::sync::mpsc::channel();
    let watcher_name = name.to_owned();
    std::thread::spawn(move || {
        tulip::run(async move {
            let second = match super::Shutdown::listen("") {
                Ok(mut s) => {
                    let _ = armed_tx.send(());
                    s.requested().await
                }
                Err(e) => Err(e),
            };
            if let Ok(signum) = second {
                eprintln!(
                    "{watcher_name}: second signal {signum} during the grace period: exiting now"
                );
                std::process::exit(128 + signum);
            }
        })
    });
    let _ = armed_rx.recv_timeout(Duration::from_secs(1));
    eprintln!(
        "{name}: signal {signum}: draining connections on {} workers",
        rt.workers()
    );
    rt.shutdown_timeout(grace);
    Ok(())
}
