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

/// Tells `protocol` `pause_writing()` (when `pause`) or `resume_writing()`. A panic there is reported to
/// the loop's exception handler ("protocol.pause_writing() failed" / "protocol.resume_writing()
/// failed", kind `CallbackPanic`) and goes no further: the transport carries on, as asyncio's
/// `_maybe_pause_protocol` / `_maybe_resume_protocol` do when the method raises (the one rule is
/// `ExceptionContext::contain_flow_panic`, which the subprocess pipes use too). Every transport of
/// this crate tells its protocol through here, from a handle call or from its task.
pub(crate) fn tell_flow<P: WriteFlow + ?Sized>(protocol: &mut P, pause: bool) {
    tulip_core::ExceptionContext::contain_flow_panic(pause, || protocol.tell(pause));
}

/// Tells the protocol about every pause/resume crossing it has not been told yet (a call may cause
/// another), unless it is running now (its task tells it right after the running method returns) or
/// gone. No state is borrowed during the call; a panicking call is reported ([`tell_flow`]).
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
            Some(pause) => tell_flow(&mut *p, pause),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::{deliver_flow, Link};
    use crate::buffer::WriteBuf;
    use crate::DatagramProtocol;

    /// Panics in `pause_writing` and `resume_writing`, counting the calls.
    struct Raising(Rc<RefCell<Vec<&'static str>>>);

    impl DatagramProtocol for Raising {
        fn pause_writing(&mut self) {
            self.0.borrow_mut().push("pause_writing");
            panic!("boom in pause_writing");
        }
        fn resume_writing(&mut self) {
            self.0.borrow_mut().push("resume_writing");
            panic!("boom in resume_writing");
        }
    }

    struct Held(Link<(), WriteBuf, dyn DatagramProtocol>);

    impl AsMut<Link<(), WriteBuf, dyn DatagramProtocol>> for Held {
        fn as_mut(&mut self) -> &mut Link<(), WriteBuf, dyn DatagramProtocol> {
            &mut self.0
        }
    }

    /// The path a handle call (`DatagramTransport::sendto`, `Transport::write`,
    /// `set_write_buffer_limits`) takes when it crosses a mark: a panicking `pause_writing` /
    /// `resume_writing` is reported with asyncio's messages ('protocol.pause_writing() failed', from
    /// `_FlowControlMixin._maybe_pause_protocol`; `scripts/asyncio_ref/protocol_flow_control_raises.py`
    /// shows the datagram transport doing it inside `sendto`) and does not unwind into the caller.
    #[test]
    fn a_panicking_flow_call_from_a_handle_call_is_reported_not_unwound() {
        let lp = tulip_core::Loop::new().unwrap();
        let reports = Rc::new(RefCell::new(Vec::new()));
        let r = reports.clone();
        lp.set_exception_handler(move |ctx| {
            r.borrow_mut().push((
                ctx.kind(),
                ctx.message().to_owned(),
                ctx.panic_message().map(str::to_owned),
            ))
        });
        let calls = Rc::new(RefCell::new(Vec::new()));
        let protocol: Rc<RefCell<dyn DatagramProtocol>> =
            Rc::new(RefCell::new(Raising(calls.clone())));
        let state = RefCell::new(Held(Link::new((), protocol)));
        lp.block_on(async {
            state.borrow_mut().0.side.flow.want = true;
            deliver_flow(&state);
            state.borrow_mut().0.side.flow.want = false;
            deliver_flow(&state);
        });
        assert_eq!(*calls.borrow(), ["pause_writing", "resume_writing"]);
        let kind = tulip_core::ExceptionKind::CallbackPanic;
        assert_eq!(
            *reports.borrow(),
            [
                (
                    kind,
                    "protocol.pause_writing() failed".to_owned(),
                    Some("boom in pause_writing".to_owned())
                ),
                (
                    kind,
                    "protocol.resume_writing() failed".to_owned(),
                    Some("boom in resume_writing".to_owned())
                ),
            ]
        );
        let flow = state.borrow().0.side.flow;
        assert!(!flow.want && !flow.told, "the state moved on: {flow:?}");
    }
}
