//! Servers whose accepted sockets go through an asynchronous set-up step (a TLS handshake) before the
//! streams handler or the protocol gets them: the seam `tulip-tls` builds `ssl=` servers on.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;

use crate::addr::ToSocketAddrs;
use crate::byte_stream::ByteStream;
use crate::protocol::Protocol;
use crate::server::{bind_all, protocol_acceptor_any, ConnGuard, Server};
use crate::streams::{streams_acceptor_any, HandlerOutput, StreamReader, StreamWriter};
use crate::tcp::{TcpStream, DEFAULT_BACKLOG};

/// [`start_server`](crate::start_server) whose connections first go through `upgrade`, in their own
/// task; a connection whose set-up fails is reported on stderr and closed.
///
/// Not part of the API: public for `tulip-tls` (`tulip_tls::start_server`), which passes its
/// handshake as `upgrade`.
#[doc(hidden)]
pub async fn start_server_upgraded<U, UFut, S, F, Fut>(
    addr: impl ToSocketAddrs,
    upgrade: U,
    client_connected_cb: F,
) -> io::Result<Server>
where
    U: FnMut(TcpStream) -> UFut + 'static,
    UFut: Future<Output = io::Result<S>> + 'static,
    S: ByteStream,
    F: FnMut(StreamReader<S>, StreamWriter<S>) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutput,
{
    let listeners = bind_all(addr, DEFAULT_BACKLOG, false).await?;
    Server::start(
        listeners,
        upgrading(upgrade, streams_acceptor_any(client_connected_cb)),
    )
}

/// [`create_server`](crate::create_server) whose connections first go through `upgrade`, as
/// [`start_server_upgraded`].
///
/// Not part of the API: public for `tulip-tls` (`tulip_tls::create_server`).
#[doc(hidden)]
pub async fn create_server_upgraded<U, UFut, S, F, P>(
    protocol_factory: F,
    addr: impl ToSocketAddrs,
    upgrade: U,
) -> io::Result<Server>
where
    U: FnMut(TcpStream) -> UFut + 'static,
    UFut: Future<Output = io::Result<S>> + 'static,
    S: ByteStream,
    F: FnMut() -> P + 'static,
    P: Protocol,
{
    let listeners = bind_all(addr, DEFAULT_BACKLOG, false).await?;
    Server::start(
        listeners,
        upgrading(upgrade, protocol_acceptor_any(protocol_factory)),
    )
}

/// An acceptor that runs `upgrade` on each socket in a task of its own and hands the result to
/// `next`. Until then `close_clients` shuts the plain socket down.
fn upgrading<U, UFut, S, A>(
    mut upgrade: U,
    next: A,
) -> impl FnMut(TcpStream, SocketAddr, ConnGuard) + 'static
where
    U: FnMut(TcpStream) -> UFut + 'static,
    UFut: Future<Output = io::Result<S>> + 'static,
    A: FnMut(S, SocketAddr, ConnGuard) + 'static,
{
    let next = Rc::new(RefCell::new(next));
    move |sock, peer, mut guard| {
        let _ = sock.set_nodelay(true);
        let plain = sock.clone();
        guard.set_closer(Rc::new(move |_abort| {
            let _ = plain.shutdown(Shutdown::Both);
        }));
        let setup = upgrade(sock);
        let next = next.clone();
        tulip_core::spawn(async move {
            match setup.await {
                // Borrowed only while `next` makes the connection (it spawns, it does not await).
                Ok(stream) => (next.borrow_mut())(stream, peer, guard),
                Err(e) => eprintln!("tulip: setting up the connection from {peer} failed: {e}"),
            }
        })
        .detach();
    }
}
