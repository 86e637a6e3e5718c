//! One listener's registration with the process's signal handler (`signal-hook`), the self-pipe it
//! writes to, and the bookkeeping that gives a signal its default action back once nobody listens.
//!
//! # Invariants
//!
//! - Every [`Registration`] owns exactly one `signal-hook` action (a [`SigId`]) that writes one byte to
//!   the write end of its own socket pair, and holds one count in [`SLOTS`] for its signal. Dropping it
//!   unregisters the action, then releases the count.
//! - A signal's slot in [`SLOTS`] is created once per process and never removed. When the signal had its
//!   default disposition (`SIG_DFL`) before tulip first listened to it, the slot also registered a
//!   permanent `signal-hook` action that runs the default action while the slot's `restore` flag is set;
//!   the flag is set exactly when the slot's listener count is zero. Signals that were ignored or had
//!   another handler get no such action: they stay ignored (nothing runs) once nobody listens.
//!
//! The one `unsafe` block of this module queries a signal's disposition (`sigaction` with a null new
//! action); nothing here installs a handler by hand.

use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use signal_hook::consts::FORBIDDEN;
use signal_hook::low_level::{pipe, signal_name};
use signal_hook::SigId;

use crate::Async;

/// Per-signal bookkeeping, one entry per signal tulip ever listened to.
struct Slot {
    signum: i32,
    /// Live [`Registration`]s for this signal.
    listeners: usize,
    /// Set while nobody listens, when the signal's default action must run then (see the module docs).
    restore: Option<Arc<AtomicBool>>,
}

/// Every signal tulip has listened to in this process (a handful at most: a plain `Vec`).
static SLOTS: Mutex<Vec<Slot>> = Mutex::new(Vec::new());

fn lock_slots() -> MutexGuard<'static, Vec<Slot>> {
    // Each update is a single field store; a panic cannot leave a slot half-written.
    SLOTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks that `signum` can be caught at all.
fn validate(signum: i32) -> io::Result<()> {
    if signum <= 0 || FORBIDDEN.contains(&signum) {
        return Err(invalid_signal(signum));
    }
    Ok(())
}

#[cold]
fn invalid_signal(signum: i32) -> io::Error {
    let name = signal_name(signum).unwrap_or("this signal");
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("signal {signum}: {name} cannot be caught by a handler"),
    )
}

/// Whether `signum` currently has its default disposition (`SIG_DFL`).
fn has_default_disposition(signum: i32) -> io::Result<bool> {
    let mut old = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with a null new action, `sigaction` only reads the current disposition into `old`, which
    // points to writable memory of type `sigaction`; it installs nothing.
    let rc = unsafe { libc::sigaction(signum, std::ptr::null(), old.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `old` was zero-initialised (a valid `sigaction`) and `sigaction` returned 0 after filling it.
    let old = unsafe { old.assume_init() };
    Ok(old.sa_sigaction == libc::SIG_DFL)
}

/// Counts one more listener for `signum`, creating its slot on first use.
fn acquire(signum: i32) -> io::Result<()> {
    let mut slots = lock_slots();
    let idx = match slots.iter().position(|s| s.signum == signum) {
        Some(i) => i,
        None => {
            let restore = if signal_name(signum).is_some() && has_default_disposition(signum)? {
                let flag = Arc::new(AtomicBool::new(false));
                signal_hook::flag::register_conditional_default(signum, flag.clone())?;
                Some(flag)
            } else {
                None
            };
            slots.push(Slot {
                signum,
                listeners: 0,
                restore,
            });
            slots.len() - 1
        }
    };
    let slot = &mut slots[idx];
    slot.listeners += 1;
    if let Some(flag) = &slot.restore {
        flag.store(false, Ordering::SeqCst);
    }
    Ok(())
}

/// Counts one listener less; the last one gone gives the signal its default action back.
fn release(signum: i32) {
    let mut slots = lock_slots();
    if let Some(slot) = slots.iter_mut().find(|s| s.signum == signum) {
        debug_assert!(
            slot.listeners > 0,
            "signal {signum}: release without acquire"
        );
        slot.listeners = slot.listeners.saturating_sub(1);
        if slot.listeners == 0 {
            if let Some(flag) = &slot.restore {
                flag.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// One listener: while it lives, every delivery of its signal writes a byte to its pipe.
pub(crate) struct Registration {
    signum: i32,
    id: SigId,
}

impl Registration {
    /// Registers a listener for `signum`; returns it and the read end of its pipe (non-blocking).
    pub(crate) fn new(signum: i32) -> io::Result<(Registration, Pipe)> {
        validate(signum)?;
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        acquire(signum)?;
        match pipe::register(signum, write) {
            Ok(id) => Ok((Registration { signum, id }, Pipe::new(read))),
            Err(e) => {
                release(signum);
                Err(e)
            }
        }
    }

    pub(crate) fn signum(&self) -> i32 {
        self.signum
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.id);
        release(self.signum);
    }
}

/// The read end of a listener's pipe. Joins the reactor of the loop that first polls it, so it can be
/// made (and start collecting deliveries) before any loop runs.
pub(crate) struct Pipe {
    raw: Option<UnixStream>,
    io: Option<Async<UnixStream>>,
}

impl Pipe {
    fn new(read: UnixStream) -> Pipe {
        Pipe {
            raw: Some(read),
            io: None,
        }
    }

    /// Ready once at least one delivery arrived since the last `Ready`; deliveries in between coalesce,
    /// as the kernel coalesces pending signals.
    #[track_caller]
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let io = match &mut self.io {
            Some(io) => io,
            slot => {
                let raw = self.raw.take().expect("a signal pipe has its read end");
                slot.insert(Async::new_nonblocking(raw))
            }
        };
        let mut buf = [0u8; 64];
        let n = ready!(io.poll_read_with(cx, |mut s| s.read(&mut buf)))?;
        if n == 0 {
            return Poll::Ready(Err(pipe_closed()));
        }
        // Drain what else is queued: one `Ready` per burst of deliveries.
        let mut stream = io.get_ref();
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cold]
fn pipe_closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the signal pipe's write end was closed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot_state(signum: i32) -> Option<(usize, Option<bool>)> {
        let slots = lock_slots();
        let slot = slots.iter().find(|s| s.signum == signum)?;
        Some((
            slot.listeners,
            slot.restore.as_ref().map(|f| f.load(Ordering::SeqCst)),
        ))
    }

    #[test]
    fn forbidden_and_invalid_signals_are_refused() {
        for signum in [0, -1, libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV] {
            let err = Registration::new(signum).err().expect("refused");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "signal {signum}");
        }
    }

    #[test]
    fn last_listener_gone_restores_the_default_action() {
        // SIGURG: default disposition "ignore", so even a stray delivery is harmless here.
        let signum = libc::SIGURG;
        let (a, _pa) = Registration::new(signum).unwrap();
        let (b, _pb) = Registration::new(signum).unwrap();
        assert_eq!(slot_state(signum), Some((2, Some(false))));
        drop(a);
        assert_eq!(slot_state(signum), Some((1, Some(false))));
        drop(b);
        assert_eq!(slot_state(signum), Some((0, Some(true))));
        let (_c, _pc) = Registration::new(signum).unwrap();
        assert_eq!(slot_state(signum), Some((1, Some(false))));
    }
}
