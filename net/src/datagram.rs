//! UDP endpoints for `DatagramProtocol`: `DatagramTransport` and `create_datagram_endpoint`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use tulip_core::Async;

use crate::buffer::{closed_error, Pending};
use crate::link::{deliver_flow, tell_flow, Link};
use crate::protocol::DatagramProtocol;

/// Largest UDP payload; the receive buffer has this size.
const MAX_DATAGRAM: usize = 65536;

/// A handle to a UDP endpoint made by [`create_datagram_endpoint`]: send datagrams, close it. Cheap
/// to clone; loop-local. Dropping handles closes nothing: the endpoint's task runs until `close()` or
/// `abort()`.
///
/// **asyncio:** [`asyncio.DatagramTransport`](https://docs.python.org/3/library/asyncio-protocol.html#datagram-transports).
/// Differences: `sendto` on a closing transport returns `ErrorKind::NotConnected` (asyncio logs a
/// warning); a send error other than "would block" is delivered to `error_received` by the endpoint's
/// task, right after the current callback, rather than from inside `sendto`.
///
/// # Examples
///
/// ```
/// use tulip_net::DatagramProtocol;
/// struct Quiet;
/// impl DatagramProtocol for Quiet {}
///
/// tulip_core::run(async {
///     let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     let remote = peer.local_addr()?;
///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, None, Some(remote)).await?;
///     t.sendto(b"hello", None)?;
///     let mut buf = [0u8; 16];
///     let (n, from) = peer.recv_from(&mut buf)?;
///     assert_eq!((&buf[..n], from), (&b"hello"[..], t.local_addr()?));
///     t.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct DatagramTransport {
    inner: Rc<Inner>,
}

struct Inner {
    state: RefCell<State>,
    local: SocketAddr,
    remote: Option<SocketAddr>,
}

struct State {
    /// The socket, the datagrams it would not take yet, the task and the protocol.
    link: Link<Rc<Async<UdpSocket>>, Queue, dyn DatagramProtocol>,
    /// Send errors for `error_received`.
    errors: VecDeque<io::Error>,
}

impl AsMut<Link<Rc<Async<UdpSocket>>, Queue, dyn DatagramProtocol>> for State {
    fn as_mut(&mut self) -> &mut Link<Rc<Async<UdpSocket>>, Queue, dyn DatagramProtocol> {
        &mut self.link
    }
}

/// Datagrams waiting to be sent, each with its destination (`None`: the connected peer).
#[derive(Default)]
struct Queue {
    datagrams: VecDeque<(Vec<u8>, Option<SocketAddr>)>,
    bytes: usize,
}

impl Pending for Queue {
    #[inline]
    fn len(&self) -> usize {
        self.bytes
    }

    fn clear(&mut self) {
        self.datagrams.clear();
        self.bytes = 0;
    }
}

impl fmt::Debug for DatagramTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("DatagramTransport");
        d.field("local_addr", &self.inner.local)
            .field("remote_addr", &self.inner.remote);
        if let Ok(st) = self.inner.state.try_borrow() {
            d.field("closing", &st.link.side.closing)
                .field("write_buffer_size", &st.link.side.buf.bytes);
        }
        d.finish()
    }
}

impl DatagramTransport {
    /// Sends `data` to `addr`, or to the connected remote address when `addr` is `None`. Never blocks:
    /// when the socket would block the datagram is queued and sent by the endpoint's task.
    ///
    /// **asyncio:** `DatagramTransport.sendto(data, addr=None)`.
    ///
    /// # Errors
    ///
    /// `NotConnected` when the transport is closing or closed; `InvalidInput` when `addr` is `None` on
    /// an unconnected endpoint, or differs from the connected remote address. Other send errors go to
    /// the protocol's `error_received`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     t.sendto(b"x", Some(peer.local_addr()?))?;
    ///     assert_eq!(t.sendto(b"x", None).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    ///     t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn sendto(&self, data: &[u8], addr: Option<SocketAddr>) -> io::Result<()> {
        let target = match (self.inner.remote, addr) {
            (Some(_), None) => None,
            (Some(r), Some(a)) if a == r => None,
            (Some(r), Some(a)) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("invalid address: must be None or {r}, not {a}"),
                ))
            }
            (None, Some(a)) => Some(a),
            (None, None) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "sendto without an address on an unconnected endpoint",
                ))
            }
        };
        let mut st = self.inner.state.borrow_mut();
        if st.link.side.closing {
            return Err(closed_error());
        }
        if st.link.side.buf.datagrams.is_empty() {
            let sock = st
                .link
                .sock
                .as_ref()
                .expect("an open transport has its socket");
            match send_one(sock.get_ref(), data, target) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => st.link.task.wake(),
                Err(e) => {
                    st.errors.push_back(e);
                    st.link.task.wake();
                    return Ok(());
                }
            }
        }
        let queue = &mut st.link.side.buf;
        queue.datagrams.push_back((data.to_vec(), target));
        queue.bytes += data.len();
        if st.link.side.note_high() {
            drop(st);
            self.inner.deliver_flow();
        }
        Ok(())
    }

    /// Closes the endpoint once the queued datagrams are sent; `connection_lost(None)` follows.
    ///
    /// **asyncio:** `BaseTransport.close()`.
    ///
    /// # Examples
    ///
    /// See [`DatagramTransport`].
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     t.close();
    ///     assert!(t.is_closing());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        self.inner.state.borrow_mut().link.close();
    }

    /// Closes the endpoint at once, dropping queued datagrams; `connection_lost(None)` follows.
    ///
    /// **asyncio:** `DatagramTransport.abort()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     t.abort();
    ///     assert_eq!(t.get_write_buffer_size(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn abort(&self) {
        self.inner.state.borrow_mut().link.abort();
    }

    /// Whether the endpoint is closing or closed.
    ///
    /// **asyncio:** `BaseTransport.is_closing()`.
    ///
    /// # Examples
    ///
    /// See [`DatagramTransport::close`].
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     assert!(!t.is_closing());
    ///     # t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        self.inner.state.borrow().link.side.closing
    }

    /// Bytes queued because the socket would block.
    ///
    /// **asyncio:** `DatagramTransport.get_write_buffer_size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     assert_eq!(t.get_write_buffer_size(), 0);
    ///     # t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_write_buffer_size(&self) -> usize {
        self.inner.state.borrow().link.side.buf.bytes
    }

    /// Sets the send queue's water marks (`pause_writing` above `high`, `resume_writing` at `low`);
    /// `None` picks asyncio's defaults as in [`Transport::set_write_buffer_limits`].
    ///
    /// **asyncio:** `set_write_buffer_limits(high=None, low=None)`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `high < low`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     t.set_write_buffer_limits(Some(8192), Some(1024))?;
    ///     # t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// [`Transport::set_write_buffer_limits`]: crate::Transport::set_write_buffer_limits
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let crossed = self
            .inner
            .state
            .borrow_mut()
            .link
            .side
            .set_limits(high, low)?;
        if crossed {
            self.inner.deliver_flow();
        }
        Ok(())
    }

    /// The bound local address.
    ///
    /// **asyncio:** `transport.get_extra_info("sockname")`.
    ///
    /// # Errors
    ///
    /// None: the address is recorded when the endpoint is made.
    ///
    /// # Examples
    ///
    /// See [`DatagramTransport`].
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     assert_ne!(t.local_addr()?.port(), 0);
    ///     # t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.inner.local)
    }

    /// The connected remote address.
    ///
    /// **asyncio:** `transport.get_extra_info("peername")`.
    ///
    /// # Errors
    ///
    /// `NotConnected` when the endpoint was made without a remote address.
    ///
    /// # Examples
    ///
    /// ```
    /// # use tulip_net::DatagramProtocol;
    /// # struct Quiet;
    /// # impl DatagramProtocol for Quiet {}
    /// tulip_core::run(async {
    ///     let local = "127.0.0.1:0".parse().ok();
    ///     let (t, _) = tulip_net::create_datagram_endpoint(|| Quiet, local, None).await?;
    ///     assert_eq!(t.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     # t.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .remote
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "no remote address"))
    }
}

impl Inner {
    /// As `transport::Inner::deliver_flow`: tell a protocol that is not running about a crossing.
    fn deliver_flow(&self) {
        deliver_flow(&self.state);
    }
}

fn send_one(sock: &UdpSocket, data: &[u8], to: Option<SocketAddr>) -> io::Result<usize> {
    loop {
        let r = match to {
            Some(a) => sock.send_to(data, a),
            None => sock.send(data),
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Opens a UDP endpoint and runs a protocol made by `protocol_factory` on it. Binds to `local_addr`
/// (or, when `None`, to the unspecified address of `remote_addr`'s family, port 0) and connects to
/// `remote_addr` when given, so `sendto(data, None)` sends there and only its datagrams arrive. When
/// this returns, `connection_made` has been called; one task then receives datagrams and sends queued
/// ones.
///
/// **asyncio:** `loop.create_datagram_endpoint(protocol_factory, local_addr=None, remote_addr=None)`,
/// returning `(transport, protocol)`; the protocol is shared as `Rc<RefCell<P>>` as in
/// [`create_connection`](crate::create_connection).
///
/// # Errors
///
/// `InvalidInput` when both addresses are `None`; bind and connect errors.
///
/// # Panics
///
/// When no tulip loop runs on this thread.
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use tulip_net::{DatagramProtocol, DatagramTransport};
///
/// #[derive(Default)]
/// struct Inbox(Vec<Vec<u8>>);
/// impl DatagramProtocol for Inbox {
///     fn datagram_received(&mut self, data: &[u8], _addr: SocketAddr) {
///         self.0.push(data.to_vec());
///     }
/// }
///
/// tulip_core::run(async {
///     let local = "127.0.0.1:0".parse().ok();
///     let (t, inbox) = tulip_net::create_datagram_endpoint(Inbox::default, local, None).await?;
///     let sender = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     sender.send_to(b"one", t.local_addr()?)?;
///     while inbox.borrow().0.is_empty() {
///         tulip_core::yield_now().await;
///     }
///     assert_eq!(inbox.borrow().0, [b"one".to_vec()]);
///     t.close();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn create_datagram_endpoint<F, P>(
    protocol_factory: F,
    local_addr: Option<SocketAddr>,
    remote_addr: Option<SocketAddr>,
) -> io::Result<(DatagramTransport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: DatagramProtocol,
{
    let bind_to = match (local_addr, remote_addr) {
        (Some(l), _) => l,
        (None, Some(SocketAddr::V4(_))) => (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).into(),
        (None, Some(SocketAddr::V6(_))) => (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0).into(),
        (None, None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "create_datagram_endpoint needs a local or a remote address",
            ))
        }
    };
    let sock = UdpSocket::bind(bind_to)?;
    if let Some(r) = remote_addr {
        sock.connect(r)?;
    }
    let local = sock.local_addr()?;
    let sock = Rc::new(Async::new(sock)?);
    let protocol = Rc::new(RefCell::new(protocol_factory()));
    let dyn_protocol: Rc<RefCell<dyn DatagramProtocol>> = protocol.clone();
    let transport = DatagramTransport {
        inner: Rc::new(Inner {
            state: RefCell::new(State {
                link: Link::new(sock.clone(), dyn_protocol),
                errors: VecDeque::new(),
            }),
            local,
            remote: remote_addr,
        }),
    };
    protocol.borrow_mut().connection_made(transport.clone());
    let endpoint = Endpoint {
        transport: transport.clone(),
        sock,
        protocol: protocol.clone(),
        rbuf: vec![0u8; MAX_DATAGRAM].into_boxed_slice(),
        done: false,
    };
    tulip_core::spawn(endpoint).detach();
    Ok((transport, protocol))
}

/// The task driving one UDP endpoint.
struct Endpoint<P: DatagramProtocol> {
    transport: DatagramTransport,
    sock: Rc<Async<UdpSocket>>,
    protocol: Rc<RefCell<P>>,
    rbuf: Box<[u8]>,
    done: bool,
}

enum Step {
    Read,
    Wait,
    Error(io::Error),
    Flow(bool),
    Finish,
}

impl<P: DatagramProtocol> Endpoint<P> {
    fn step(&self, st: &mut State, cx: &mut Context<'_>) -> Step {
        st.link.task.running = true;
        if st.link.side.aborted {
            return Step::Finish;
        }
        if let Some(e) = st.errors.pop_front() {
            return Step::Error(e);
        }
        // Report a crossing before sending can undo it (see `connection.rs`).
        if let Some(pause) = st.link.side.take_flow_change() {
            return Step::Flow(pause);
        }
        let queue = &mut st.link.side.buf;
        while let Some((data, to)) = queue.datagrams.front() {
            match self.sock.poll_write_with(cx, |s| send_one(s, data, *to)) {
                Poll::Ready(res) => {
                    queue.bytes -= data.len();
                    queue.datagrams.pop_front();
                    if let Err(e) = res {
                        st.errors.push_back(e);
                    }
                }
                Poll::Pending => break,
            }
        }
        st.link.side.note_low();
        if let Some(e) = st.errors.pop_front() {
            return Step::Error(e);
        }
        if let Some(pause) = st.link.side.take_flow_change() {
            return Step::Flow(pause);
        }
        if st.link.side.closing {
            if st.link.side.buf.datagrams.is_empty() {
                return Step::Finish;
            }
            return Step::Wait;
        }
        Step::Read
    }

    fn park(&self, cx: &mut Context<'_>) {
        self.transport.inner.state.borrow_mut().link.task.park(cx);
    }

    fn detach_state(&self) {
        let detached = self.transport.inner.state.borrow_mut().link.detach();
        drop(detached);
    }
}

/// Calls protocol method `what` through `f`. A panic there is reported to the loop's exception handler
/// and the endpoint goes on, as asyncio's datagram transport does when a protocol method raises ("Exception
/// in callback _SelectorDatagramTransport._read_ready()"); unwinding would end the endpoint's task
/// without `connection_lost`, leaving its owner waiting for datagrams or for the end.
fn guarded(what: &str, f: impl FnOnce()) {
    tulip_core::ExceptionContext::contain_callback_panic(what, f);
}

impl<P: DatagramProtocol> Future for Endpoint<P> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            let step = {
                let mut st = this.transport.inner.state.borrow_mut();
                this.step(&mut st, cx)
            };
            match step {
                Step::Read => {}
                Step::Wait => {
                    this.park(cx);
                    return Poll::Pending;
                }
                Step::Error(e) => {
                    guarded("DatagramProtocol.error_received", || {
                        this.protocol.borrow_mut().error_received(e)
                    });
                    continue;
                }
                Step::Flow(pause) => {
                    let mut p = this.protocol.borrow_mut();
                    tell_flow(&mut *p as &mut dyn DatagramProtocol, pause);
                    continue;
                }
                Step::Finish => {
                    this.done = true;
                    this.detach_state();
                    guarded("DatagramProtocol.connection_lost", || {
                        this.protocol.borrow_mut().connection_lost(None)
                    });
                    return Poll::Ready(());
                }
            }
            let rbuf = &mut this.rbuf;
            match this.sock.poll_read_with(cx, |s| s.recv_from(rbuf)) {
                Poll::Ready(Ok((n, from))) => guarded("DatagramProtocol.datagram_received", || {
                    this.protocol
                        .borrow_mut()
                        .datagram_received(&this.rbuf[..n], from)
                }),
                Poll::Ready(Err(e)) => guarded("DatagramProtocol.error_received", || {
                    this.protocol.borrow_mut().error_received(e)
                }),
                Poll::Pending => {
                    this.park(cx);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<P: DatagramProtocol> Drop for Endpoint<P> {
    fn drop(&mut self) {
        if !self.done {
            self.detach_state();
        }
    }
}
