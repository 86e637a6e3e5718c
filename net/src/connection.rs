//! The task that drives one `Protocol` connection, and `create_connection`.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::addr::ToSocketAddrs;
use crate::any_stream::{Addrs, AnyStream};
use crate::byte_stream::ByteStream;
use crate::link::tell_flow;
use crate::protocol::Protocol;
use crate::receive::{poll_receive, Received};
use crate::server::ConnGuard;
use crate::tcp::TcpStream;
use crate::transport::{State, Transport};

/// Connects to `addr` and runs a protocol made by `protocol_factory` on the connection. When this
/// returns, `connection_made` has been called; the connection is then driven by its own task.
///
/// Returns the [`Transport`] and the protocol, shared as `Rc<RefCell<P>>` so the caller can look at it
/// between callbacks (for example to read what it collected). Keep borrows short: the connection's task
/// borrows the protocol mutably for each callback.
///
/// **asyncio:** `loop.create_connection(protocol_factory, host, port)`, which returns
/// `(transport, protocol)`. `TCP_NODELAY` is set, as asyncio does.
///
/// # Errors
///
/// Resolution and connect errors (`ConnectionRefused`, …), as [`TcpStream::connect`].
///
/// # Panics
///
/// The connection's task panics if the caller holds a borrow of the protocol when a callback is due
/// (for example across an `.await`).
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// #[derive(Default)]
/// struct Collect(Vec<u8>, bool);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.1 = true;
///     }
/// }
///
/// tulip_core::run(async {
///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     tulip_core::spawn(async move {
///         let (conn, _) = listener.accept().await?;
///         conn.write_all(b"greetings").await
///     })
///     .detach();
///
///     let (transport, protocol) = tulip_net::create_connection(Collect::default, addr).await?;
///     while !protocol.borrow().1 {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(protocol.borrow().0, b"greetings");
///     assert!(transport.is_closing());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn create_connection<F, P>(
    protocol_factory: F,
    addr: impl ToSocketAddrs,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
{
    let sock = TcpStream::connect(addr).await?;
    let _ = sock.set_nodelay(true);
    run_protocol(protocol_factory, sock)
}

/// Runs a protocol made by `protocol_factory` on a socket that is already connected, for example one
/// accepted by other code (a blocking `std::net::TcpListener`, a socket handed over by a parent
/// process). When this returns, `connection_made` has been called; the connection is then driven by its
/// own task, as with [`create_connection`].
///
/// The socket may be a [`TcpStream`] or a [`UnixStream`](crate::UnixStream) (asyncio takes both), or
/// any other connected [`ByteStream`].
///
/// **asyncio:** `loop.connect_accepted_socket(protocol_factory, sock)`. Differences: takes a tulip
/// stream (make one with [`TcpStream::from_std`] or
/// [`UnixStream::from_std`](crate::UnixStream::from_std)); not `async`, as nothing is awaited. As with
/// asyncio, `TCP_NODELAY` is set on a TCP socket.
///
/// # Errors
///
/// When the socket is not connected (its peer address cannot be read).
///
/// # Examples
///
/// ```
/// use tulip_net::{Protocol, Transport};
///
/// struct Greet;
/// impl Protocol for Greet {
///     fn connection_made(&mut self, transport: Transport) {
///         let _ = transport.write(b"hello");
///         transport.close();
///     }
/// }
///
/// tulip_core::run(async {
///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
///     let client = tulip_net::TcpStream::connect(listener.local_addr()?).await?;
///     let (accepted, _) = listener.accept()?; // accepted by blocking code
///     let sock = tulip_net::TcpStream::from_std(accepted)?;
///     let (_transport, _protocol) = tulip_net::connect_accepted_socket(|| Greet, sock)?;
///     let mut got = Vec::new();
///     let mut buf = [0u8; 16];
///     loop {
///         let n = client.read(&mut buf).await?;
///         if n == 0 { break; }
///         got.extend_from_slice(&buf[..n]);
///     }
///     assert_eq!(got, b"hello");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub fn connect_accepted_socket<F, P, S>(
    protocol_factory: F,
    sock: S,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
    S: ByteStream,
{
    if let Some(tcp) = (&sock as &dyn Any).downcast_ref::<TcpStream>() {
        let _ = tcp.set_nodelay(true);
    }
    run_protocol(protocol_factory, sock)
}

/// Makes the protocol and its transport for a connected stream, calls `connection_made` and spawns
/// the connection's task.
pub(crate) fn run_protocol<F, P, S>(
    protocol_factory: F,
    sock: S,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: Protocol,
    S: ByteStream,
{
    let addrs = Addrs::of(&sock)?;
    let protocol = Rc::new(RefCell::new(protocol_factory()));
    let transport = Transport::new(AnyStream::new(sock.clone()), addrs, protocol.clone());
    made(&*protocol, &transport);
    let conn = Connection::new(transport.clone(), sock, protocol.clone(), None);
    tulip_core::spawn(conn.made()).detach();
    Ok((transport, protocol))
}

/// Calls `connection_made`. A panic there is reported and the connection goes on, as asyncio's
/// transports do (they call it through `call_soon`, so a raise is logged as "Exception in callback").
fn made(protocol: &RefCell<impl Protocol + ?Sized>, transport: &Transport) {
    tulip_core::ExceptionContext::contain_callback_panic("Protocol.connection_made", || {
        protocol.borrow_mut().connection_made(transport.clone())
    });
}

/// The future driving one connection: reads and calls `data_received`, sends the write buffer,
/// handles EOF, pause/resume and errors, and ends with `connection_lost`. `S` is the stream it reads
/// (the transport's handle writes to the same stream, type-erased).
///
/// It owns no read buffer: each poll borrows one from the loop thread's pool while it reads
/// (`receive.rs`) and gives it back before parking, so an idle connection costs no read memory.
pub(crate) struct Connection<S: ByteStream = TcpStream> {
    transport: Transport,
    sock: S,
    /// The protocol called now: the one made for the connection until [`Transport::set_protocol`]
    /// switches it (see `sync_protocol`).
    protocol: Rc<RefCell<dyn Protocol>>,
    made: bool,
    read_eof: bool,
    done: bool,
    _guard: Option<ConnGuard>,
}

/// What the state says to do next.
enum Step {
    /// Read from the socket.
    Read,
    /// Nothing to do until woken.
    Wait,
    /// A water mark was crossed: tell the protocol, then look again.
    Flow,
    /// End the connection with this `connection_lost` argument.
    Finish(Option<io::Error>),
    /// Give the stream and the protocol back for an upgrade, without `connection_lost`.
    Handover,
}

impl<S: ByteStream> Connection<S> {
    pub(crate) fn new(
        transport: Transport,
        sock: S,
        protocol: Rc<RefCell<dyn Protocol>>,
        guard: Option<ConnGuard>,
    ) -> Connection<S> {
        Connection {
            transport,
            sock,
            protocol,
            made: false,
            read_eof: false,
            done: false,
            _guard: guard,
        }
    }

    /// `connection_made` has already been called (by `create_connection`).
    pub(crate) fn made(mut self) -> Self {
        self.made = true;
        self
    }

    /// Flushes what it can and decides the next step. Runs under the state borrow: no user code here.
    fn step(&self, st: &mut State, cx: &mut Context<'_>) -> Step {
        st.link.task.running = true;
        if let Some(e) = st.error.take() {
            return Step::Finish(Some(e));
        }
        if st.link.side.aborted {
            return Step::Finish(None);
        }
        // Report a crossing before flushing can undo it, so `pause_writing` and `resume_writing`
        // always come in pairs (a protocol that saw `is_writing_paused()` waits for the resume).
        if st.link.side.flow.want != st.link.side.flow.told && st.link.protocol.is_some() {
            return Step::Flow;
        }
        // Sent: the buffer, and what the stream holds itself (TLS records; never for sockets).
        let mut flushed = true;
        if !st.link.side.buf.is_empty() || self.sock.wants_flush() {
            match st.link.side.poll_flush(cx, &self.sock) {
                Poll::Ready(Err(e)) => return Step::Finish(Some(e)),
                Poll::Ready(Ok(())) => {}
                Poll::Pending => flushed = false,
            }
            st.link.side.note_low();
        }
        if flushed {
            if st.handover.requested() && st.link.side.buf.is_empty() {
                return Step::Handover;
            }
            if st.link.side.closing {
                // TLS sends `close_notify` here; sockets have nothing to do.
                return match self.sock.poll_close(cx) {
                    Poll::Pending => Step::Wait,
                    Poll::Ready(Err(e)) if e.kind() != io::ErrorKind::NotConnected => {
                        Step::Finish(Some(e))
                    }
                    Poll::Ready(_) => Step::Finish(None),
                };
            }
            if st.link.side.eof_requested && !st.link.side.eof_sent {
                match self.sock.poll_shutdown(cx, Shutdown::Write) {
                    Poll::Ready(Ok(())) => st.link.side.eof_sent = true,
                    Poll::Ready(Err(e)) => return Step::Finish(Some(e)),
                    Poll::Pending => {}
                }
            }
        }
        if st.link.side.flow.want != st.link.side.flow.told && st.link.protocol.is_some() {
            return Step::Flow;
        }
        if st.link.side.closing || st.reading_paused || self.read_eof || st.handover.requested() {
            Step::Wait
        } else {
            Step::Read
        }
    }

    /// Follows [`Transport::set_protocol`]: when the transport names another protocol than the one
    /// this task calls, calls that one from now on. Returns the old one, for the caller to drop after
    /// the state borrow ends.
    #[inline]
    fn sync_protocol(
        called: &mut Rc<RefCell<dyn Protocol>>,
        st: &State,
    ) -> Option<Rc<RefCell<dyn Protocol>>> {
        match &st.link.protocol {
            Some(current) if !Rc::ptr_eq(current, called) => {
                Some(std::mem::replace(called, current.clone()))
            }
            _ => None,
        }
    }

    /// Parks: records the waker so handle calls (`write`, `close`, `resume_reading`) can wake the task.
    fn park(&self, cx: &mut Context<'_>) {
        self.transport.inner.state.borrow_mut().link.task.park(cx);
    }

    /// Detaches the socket and the protocol from the shared state (outside the borrow, since dropping
    /// them may run user code).
    fn detach_state(&self) {
        let detached = self.transport.inner.state.borrow_mut().link.detach();
        drop(detached);
    }

    /// Ends the connection by giving its stream and protocol to whoever asked for a handover.
    fn hand_over(&mut self) {
        self.done = true;
        let mut st = self.transport.inner.state.borrow_mut();
        let protocol = st.link.protocol.clone();
        let detached = st.link.detach();
        if let Some(protocol) = protocol {
            st.handover
                .complete((Box::new(self.sock.clone()) as Box<dyn Any>, protocol));
        }
        drop(st);
        drop(detached);
    }

    /// A protocol method panicked (`data_received`, `eof_received`, `get_buffer`, `buffer_updated` or
    /// `connection_lost`; a panicking `pause_writing` / `resume_writing` is only reported, see
    /// `link::tell_flow`): reported to the loop's exception
    /// handler, then the connection ends as asyncio's `_fatal_error` ends it: the transport closes at
    /// once (unsent data is dropped; later writes fail) and `connection_lost` gets the error, unless it
    /// was the method that panicked.
    #[cold]
    fn protocol_panicked(&mut self, payload: &(dyn Any + Send)) {
        let lost = self.done;
        let message = if lost {
            "Exception in callback Protocol.connection_lost()"
        } else {
            "Fatal error: protocol method call failed"
        };
        tulip_core::ExceptionContext::report_callback_panic(message, payload);
        if lost {
            // `finish` stopped inside `connection_lost`: drop what it would have dropped after it.
            let kept = self.transport.inner.state.borrow_mut().link.protocol.take();
            tulip_core::ExceptionContext::contain_callback_panic("dropping a protocol", || {
                drop(kept)
            });
            return;
        }
        self.transport.abort();
        let err = io::Error::other(format!(
            "protocol method panicked: {}",
            tulip_core::task::panic_message(payload)
        ));
        let finished = catch_unwind(AssertUnwindSafe(|| self.finish(Some(err))));
        if let Err(payload) = finished {
            self.protocol_panicked(&*payload);
        }
    }

    fn finish(&mut self, exc: Option<io::Error>) {
        self.done = true;
        // As asyncio's transports, `get_protocol()` answers during `connection_lost` and is `None` after.
        let detached = {
            let mut st = self.transport.inner.state.borrow_mut();
            let protocol = st.link.protocol.clone();
            let detached = st.link.detach();
            st.link.protocol = protocol;
            detached
        };
        drop(detached);
        self.protocol.borrow_mut().connection_lost(exc);
        let kept = self.transport.inner.state.borrow_mut().link.protocol.take();
        drop(kept);
        // The socket closes when this future is dropped, right after it returns `Ready`.
    }
}

impl<S: ByteStream> Future for Connection<S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if !this.made {
            this.made = true;
            made(&*this.protocol, &this.transport);
        }
        // A panicking protocol method ends this connection only (the loop, the server and the other
        // connections go on). No state borrow is held while a protocol method runs.
        match catch_unwind(AssertUnwindSafe(|| this.drive(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                this.protocol_panicked(&*payload);
                Poll::Ready(())
            }
        }
    }
}

impl<S: ByteStream> Connection<S> {
    /// One poll of the connection: flush, read and call the protocol until there is nothing to do.
    #[inline]
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        // A pooled read buffer, taken at the first read of this poll and given back when it returns.
        let mut lent = None;
        loop {
            let (step, replaced) = {
                let mut st = this.transport.inner.state.borrow_mut();
                let replaced = Self::sync_protocol(&mut this.protocol, &st);
                (this.step(&mut st, cx), replaced)
            };
            // The protocol switched away from may be dropped here: outside the state borrow.
            drop(replaced);
            match step {
                Step::Read => {}
                Step::Flow => {
                    let change = this
                        .transport
                        .inner
                        .state
                        .borrow_mut()
                        .link
                        .side
                        .take_flow_change();
                    if let Some(pause) = change {
                        tell_flow(&mut *this.protocol.borrow_mut(), pause);
                    }
                    continue;
                }
                Step::Wait => {
                    this.park(cx);
                    return Poll::Pending;
                }
                Step::Finish(exc) => {
                    this.finish(exc);
                    return Poll::Ready(());
                }
                Step::Handover => {
                    this.hand_over();
                    return Poll::Ready(());
                }
            }
            match poll_receive(&this.sock, cx, &this.protocol, &mut lent) {
                Poll::Ready(Ok(Received::Eof)) => {
                    this.read_eof = true;
                    let keep_open = this.protocol.borrow_mut().eof_received();
                    if !keep_open {
                        this.transport.close();
                    }
                }
                Poll::Ready(Ok(Received::Data)) => {}
                Poll::Ready(Err(e)) => {
                    this.finish(Some(e));
                    return Poll::Ready(());
                }
                Poll::Pending => {
                    this.park(cx);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<S: ByteStream> Drop for Connection<S> {
    fn drop(&mut self) {
        // Cancelled (the loop shut down): no `connection_lost`, but break the Rc cycle.
        if !self.done {
            self.detach_state();
        }
    }
}
