//! What a transport handle (`Transport`, `DatagramTransport`) shares with the task that drives its
//! socket (`Connection`, the datagram `Endpoint`): the socket, the write side, the task's waker and
//! the protocol, with the rules for closing, aborting, parking and ending.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Waker};

use crate::buffer::{Pending, WriteSide};

/// The state a transport handle shares with its task, less what only one kind of transport has (the
/// owner keeps that beside it).
pub(crate) struct Link<S, B, P: ?Sized> {
    /// The socket, for the handle's direct sends; `None` once the connection has ended.
    pub(crate) sock: Option<S>,
    pub(crate) side: WriteSide<B>,
    pub(crate) task: TaskSlot,
    /// For `pause_writing` from a handle call when the protocol is not running; `None` once the
    /// connection has ended (which breaks the protocol -> transport -> protocol cycle).
    pub(crate) protocol: Option<Rc<RefCell<P>>>,
}

impl<S, B: Pending + Default, P: ?Sized> Link<S, B, P> {
    pub(crate) fn new(sock: S, protocol: Rc<RefCell<P>>) -> Self {
        Link {
            sock: Some(sock),
            side: WriteSide::default(),
            task: TaskSlot::default(),
            protocol: Some(protocol),
        }
    }
}

impl<S, B: Pending, P: ?Sized> Link<S, B, P> {
    /// `close()`: the task flushes what is buffered, then ends the connection.
    pub(crate) fn close(&mut self) {
        if self.side.close() {
            self.task.wake();
        }
    }

    /// `abort()`: the buffer is dropped and the task ends the connection at once.
    pub(crate) fn abort(&mut self) {
        if self.side.abort() {
            self.task.wake();
        }
    }

    /// The connection has ended: takes the socket, the protocol and the waker out, for the caller to
    /// drop after the state borrow ends (dropping them may run user code).
    #[must_use = "drop what this returns after the state borrow ends"]
    pub(crate) fn detach(&mut self) -> Detached<S, P> {
        self.side.detach();
        Detached {
            _sock: self.sock.take(),
            _protocol: self.protocol.take(),
            _waker: self.task.take(),
        }
    }
}

/// What [`Link::detach`] took out.
/// Held only to be dropped.
pub(crate) struct Detached<S, P: ?Sized> {
    _sock: Option<S>,
    _protocol: Option<Rc<RefCell<P>>>,
    _waker: Option<Waker>,
}

/// The task that drives a transport (`Connection`, the datagram `Endpoint`): woken when a write or a
/// state change needs it, unless it is the one running now (it sees the change before it parks).
#[derive(Debug, Default)]
pub(crate) struct TaskSlot {
    pub(crate) running: bool,
    waker: Option<Waker>,
}

impl TaskSlot {
    /// Wakes the task unless it is running now.
    #[inline]
    pub(crate) fn wake(&self) {
        if !self.running {
            if let Some(w) = &self.waker {
                w.wake_by_ref();
            }
        }
    }

    /// The task is about to return `Pending`: remember how to wake it.
    pub(crate) fn park(&mut self, cx: &mut Context<'_>) {
        self.running = false;
        match &self.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.waker = Some(cx.waker().clone()),
        }
    }

    /// The task is finishing: no more wake-ups.
    pub(crate) fn take(&mut self) -> Option<Waker> {
        self.running = false;
        self.waker.take()
    }
}

/// A protocol that can be told to pause and resume writing (`Protocol`, `DatagramProtocol`).
pub(crate) trait WriteFlow {
    /// `pause_writing()` when `pause`, else `resume_writing()`.
    fn tell(&mut self, pause: bool);
}

/// Tells the protocol about every pause/resume crossing it has not been told yet (a call may cause
/// another), unless it is running now (its task tells it right after the running method returns) or
/// gone. No state is borrowed during the call.
pub(crate) fn deliver_flow<S, B: Pending, P: WriteFlow + ?Sized>(
    state: &RefCell<impl AsMut<Link<S, B, P>>>,
) {
    loop {
        let Some(protocol) = state.borrow_mut().as_mut().protocol.clone() else {
            return;
        };
        let Ok(mut p) = protocol.try_borrow_mut() else {
            return;
        };
        let change = state.borrow_mut().as_mut().side.take_flow_change();
        match change {
            Some(pause) => p.tell(pause),
            None => return,
        }
    }
}
