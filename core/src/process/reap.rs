//! Learning that a child exited without blocking the loop, and reaping children whose handle was dropped.
//!
//! Each child gets an [`ExitWatcher`] when it is spawned: a pidfd (Linux 5.3+) registered with the loop's
//! reactor, which turns readable when the process exits; elsewhere, or when the kernel refuses pidfds,
//! a `SIGCHLD` [`Signal`] stream, after each delivery of which the child is polled with a non-blocking
//! `waitpid`. Either way the exit status itself is collected by `std::process::Child::try_wait`.
//!
//! A child whose handle is dropped while it runs is handed to a detached reaper task on the running
//! loop. If no loop runs, or that loop closes first, the child goes to the process-wide orphan list,
//! which every `spawn` and every successful wait sweeps with non-blocking `waitpid`s.

use std::io;
use std::process::ExitStatus;
use std::sync::{Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use crate::signal::{Signal, SIGCHLD};
use rustix::process::{Pid, Signal as RawSignal};

/// How a child's exit is noticed.
pub(crate) enum ExitWatcher {
    /// Readable once the process has exited.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd(crate::Async<std::os::fd::OwnedFd>),
    /// Any child's exit: the caller polls its own child after each delivery.
    Sigchld(Signal),
}

impl ExitWatcher {
    /// The watcher for a child that has not been reaped yet (so its pid still names it).
    ///
    /// # Panics
    ///
    /// When no tulip loop runs on this thread (the pidfd joins its reactor).
    #[track_caller]
    pub(crate) fn new(child: &std::process::Child) -> io::Result<ExitWatcher> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::process::{pidfd_open, PidfdFlags};
            // On failure (ENOSYS: kernel older than 5.3; EPERM/EACCES: a seccomp filter) fall back to
            // SIGCHLD. The pidfd is only polled, never read, so its blocking mode does not matter.
            if let Ok(fd) = pidfd_open(Pid::from_child(child), PidfdFlags::empty()) {
                return Ok(ExitWatcher::Pidfd(crate::Async::new_nonblocking(fd)));
            }
        }
        let _ = child;
        Ok(ExitWatcher::Sigchld(Signal::new(SIGCHLD)?))
    }

    /// Ready when the child may have exited: poll it with `try_wait` then. May be ready spuriously
    /// (another child's `SIGCHLD`).
    pub(crate) fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ExitWatcher::Pidfd(fd) => fd.poll_readable(cx),
            ExitWatcher::Sigchld(sig) => sig.poll_recv(cx),
        }
    }

    /// Sends `signal` to the child, which must not have been reaped yet (through the pidfd where there
    /// is one, so the signal cannot reach another process).
    pub(crate) fn send_signal(
        &self,
        child: &std::process::Child,
        signal: RawSignal,
    ) -> io::Result<()> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ExitWatcher::Pidfd(fd) => Ok(rustix::process::pidfd_send_signal(fd, signal)?),
            ExitWatcher::Sigchld(_) => Ok(rustix::process::kill_process(
                Pid::from_child(child),
                signal,
            )?),
        }
    }
}

/// Children whose handle was dropped before they were reaped and that no loop is watching.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

fn lock_orphans() -> MutexGuard<'static, Vec<std::process::Child>> {
    // A panic cannot leave the list half-updated: it only holds whole `Child` values.
    ORPHANS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reaps every orphan that has exited (non-blocking).
pub(crate) fn reap_orphans() {
    let mut orphans = lock_orphans();
    if !orphans.is_empty() {
        orphans.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }
}

/// How many orphans wait to be reaped.
#[cfg(test)]
pub(crate) fn orphan_count() -> usize {
    lock_orphans().len()
}

/// Takes over a child whose handle is being dropped unreaped: a reaper task on the running loop waits
/// for it; with no loop (or when that loop closes first) it joins the orphan list.
pub(crate) fn adopt(mut child: std::process::Child, watcher: Option<ExitWatcher>) {
    if !matches!(child.try_wait(), Ok(None)) {
        return; // Reaped just now, or waitpid failed (e.g. ECHILD: someone else reaped it).
    }
    let orphan = Orphan(Some(child));
    let (Some(mut watcher), Some(lp)) = (watcher, crate::try_get_running_loop()) else {
        return; // `orphan` drops into the orphan list.
    };
    lp.spawn(async move {
        let mut orphan = orphan;
        std::future::poll_fn(|cx| orphan.poll_reap(&mut watcher, cx)).await;
    })
    .detach();
}

/// A dropped child being reaped; if it is dropped itself first, the child goes to the orphan list.
struct Orphan(Option<std::process::Child>);

impl Orphan {
    fn poll_reap(&mut self, watcher: &mut ExitWatcher, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let Some(child) = &mut self.0 else {
                return Poll::Ready(());
            };
            match child.try_wait() {
                Ok(None) => {}
                // Exited and reaped, or gone (ECHILD): either way nothing is left to wait for.
                Ok(Some(_)) | Err(_) => {
                    self.0 = None;
                    reap_orphans();
                    return Poll::Ready(());
                }
            }
            if ready!(watcher.poll_exit(cx)).is_err() {
                // The reactor cannot watch it: leave it to the orphan sweeps (on drop).
                return Poll::Ready(());
            }
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            lock_orphans().push(child);
        }
    }
}

/// `try_wait`, then sweep the orphans when the child turned out to have exited.
pub(crate) fn try_wait(child: &mut std::process::Child) -> io::Result<Option<ExitStatus>> {
    let status = child.try_wait()?;
    if status.is_some() {
        reap_orphans();
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_adopted_with_no_loop_is_reaped_by_a_later_sweep() {
        let child = std::process::Command::new("sleep")
            .arg("0.05")
            .spawn()
            .unwrap();
        let pid = child.id();
        adopt(child, None);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            reap_orphans();
            if orphan_count() == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "pid {pid} never reaped"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Reaped: waiting for it again finds no such child.
        let pid = Pid::from_raw(pid as i32).unwrap();
        let err = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
        assert_eq!(err.unwrap_err(), rustix::io::Errno::CHILD);
    }

    /// The `SIGCHLD` fallback (used where pidfds are missing): 20 children exiting at about the same time
    /// (their `SIGCHLD`s coalesce in the kernel) are each noticed and reaped with their own status.
    #[test]
    fn sigchld_watchers_notice_every_exit() {
        let codes = crate::run(async {
            let tasks: Vec<_> = (0..20)
                .map(|i| {
                    crate::spawn(async move {
                        let mut watcher = ExitWatcher::Sigchld(Signal::new(SIGCHLD).unwrap());
                        let mut child = std::process::Command::new("sh")
                            .args(["-c", &format!("exit {i}")])
                            .spawn()
                            .unwrap();
                        std::future::poll_fn(|cx| loop {
                            if let Some(status) = try_wait(&mut child).unwrap() {
                                return Poll::Ready(status.code());
                            }
                            ready!(watcher.poll_exit(cx)).unwrap();
                        })
                        .await
                    })
                })
                .collect();
            let mut codes = Vec::new();
            for t in tasks {
                codes.push(t.await);
            }
            codes
        });
        assert_eq!(codes, (0..20).map(Some).collect::<Vec<_>>());
    }
}
