//! A transport's side of a running `sendfile`: the slot in its shared state, the write side taken
//! over for the transfer and given back, and the gate that stops the transfer at `close()`.

use std::io;
use std::task::{Context, Waker};

use super::Gate;
use crate::any_stream::AnyStream;
use crate::buffer::{copy_error, WriteBuf};
use crate::transport::Transport;

/// A transport's part in a running `sendfile`: kept in its shared state.
#[derive(Debug, Default)]
pub(crate) struct SendfileSlot {
    active: bool,
    /// The `sendfile` future, woken by `close()` / `abort()`.
    waker: Option<Waker>,
}

impl SendfileSlot {
    /// Whether a `sendfile` owns the connection's write side now.
    #[inline]
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// The transport is closing: let the running `sendfile` see it.
    pub(crate) fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// `Transport::write` while a `sendfile` runs.
#[cold]
pub(crate) fn busy_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ResourceBusy,
        "unable to write; sendfile is in progress",
    )
}

/// A `sendfile` running on a transport: reading paused, the write buffer taken over. Dropping it
/// gives back what is left of the buffer and resumes reading if it was on.
pub(super) struct Active<'t> {
    transport: &'t Transport,
    pub(super) sock: AnyStream,
    pub(super) pending: WriteBuf,
    was_reading: bool,
}

impl<'t> Active<'t> {
    pub(super) fn start(transport: &'t Transport) -> io::Result<Active<'t>> {
        let mut st = transport.inner.state.borrow_mut();
        st.link.side.check_write()?;
        if st.sendfile.active {
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                "sendfile is already in progress on this transport",
            ));
        }
        let Some(sock) = st.link.sock.clone() else {
            return Err(crate::buffer::closed_error());
        };
        st.sendfile.active = true;
        let was_reading = !st.reading_paused;
        st.reading_paused = true;
        let pending = std::mem::take(&mut st.link.side.buf);
        Ok(Active {
            transport,
            sock,
            pending,
            was_reading,
        })
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        // State borrows are never held across user code or an await, so this succeeds; if it did not,
        // leaving the flags as they are is the safe failure (the transport stays refusing writes).
        let Ok(mut st) = self.transport.inner.state.try_borrow_mut() else {
            return;
        };
        st.sendfile = SendfileSlot::default();
        if st.link.side.closing {
            return;
        }
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut st.link.side.buf);
            st.link.side.buf = std::mem::take(&mut self.pending);
            st.link.side.buf.extend(rest.as_slice());
            st.link.side.note_high();
        }
        st.link.side.note_low();
        if self.was_reading {
            st.reading_paused = false;
        }
        // The connection's task flushes what came back, reads again and reports flow changes.
        st.link.task.wake();
    }
}

/// Writes through a transport: stops when it closes, and breaks the connection on a send error.
pub(super) struct TransportGate<'t>(pub(super) &'t Transport);

impl Gate for TransportGate<'_> {
    fn poll_open(&self, cx: &mut Context<'_>) -> io::Result<()> {
        let mut st = self.0.inner.state.borrow_mut();
        if st.link.side.closing || st.link.sock.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "transport closed during sendfile",
            ));
        }
        match &st.sendfile.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.sendfile.waker = Some(cx.waker().clone()),
        }
        Ok(())
    }

    fn broken(&self, e: io::Error) -> io::Error {
        self.0.inner.state.borrow_mut().fatal(copy_error(&e));
        e
    }
}
