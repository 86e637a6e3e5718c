//! Echo servers of the comparison runtimes (tokio current_thread and multi_thread, smol on one and on
//! two executor threads) and a raw
//! single-threaded epoll server (the physical-limit reference). Each prints `listening on <addr>`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};

const BUF: usize = 64 * 1024;

/// The raw epoll server's key for its listener (`polling` reserves `usize::MAX`).
const LISTENER_KEY: usize = usize::MAX - 1;

fn announce(addr: SocketAddr) {
    println!("listening on {addr}");
    let _ = io::stdout().flush();
}

pub(crate) fn tokio_server(addr: &str, multi_thread: bool) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        announce(listener.local_addr()?);
        loop {
            let (mut conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            let _ = conn.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; BUF];
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if conn.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    })
}

pub(crate) fn smol_server(addr: &str) -> io::Result<()> {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let ex = smol::LocalExecutor::new();
    smol::block_on(ex.run(async {
        let listener = smol::net::TcpListener::bind(addr).await?;
        announce(listener.local_addr()?);
        loop {
            let (mut conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            let _ = conn.set_nodelay(true);
            ex.spawn(async move {
                let mut buf = vec![0u8; BUF];
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if conn.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .detach();
        }
    }))
}

/// smol with two executor threads: one `Executor` run by two threads (the accept loop is a task on
/// it too); smol's reactor is its global `async-io` one.
pub(crate) fn smol_two_threads(addr: &str) -> io::Result<()> {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let ex: &'static smol::Executor<'static> = Box::leak(Box::new(smol::Executor::new()));
    for _ in 0..2 {
        std::thread::spawn(move || smol::block_on(ex.run(smol::future::pending::<()>())));
    }
    let addr = addr.to_owned();
    // The main thread only waits; the accept loop and the connections run on the two threads.
    smol::block_on(ex.spawn(async move {
        let listener = smol::net::TcpListener::bind(addr.as_str()).await?;
        announce(listener.local_addr()?);
        loop {
            let (mut conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            let _ = conn.set_nodelay(true);
            ex.spawn(async move {
                let mut buf = vec![0u8; BUF];
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if conn.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .detach();
        }
    }))
}

/// A raw epoll echo server: level-triggered readiness, one buffer per connection for unsent bytes.
pub(crate) fn epoll_server(addr: &str) -> io::Result<()> {
    use polling::{Event, Events, Poller};
    use std::net::TcpStream;

    struct Conn {
        stream: TcpStream,
        pending: Vec<u8>,
    }
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    announce(listener.local_addr()?);
    let poller = Poller::new()?;
    // SAFETY: the listener outlives the poller's use of it (it lives until the function returns, and
    // the poller is dropped first below).
    unsafe { poller.add(&listener, Event::readable(LISTENER_KEY))? };
    let mut conns: slab::Slab<Conn> = slab::Slab::new();
    let mut events = Events::new();
    let mut buf = vec![0u8; BUF];
    loop {
        events.clear();
        poller.wait(&mut events, None)?;
        for ev in events.iter() {
            if ev.key == LISTENER_KEY {
                while let Ok((s, _)) = listener.accept() {
                    let _ = s.set_nonblocking(true);
                    let _ = s.set_nodelay(true);
                    let key = conns.insert(Conn {
                        stream: s,
                        pending: Vec::new(),
                    });
                    // SAFETY: deleted from the poller before the stream is dropped (see `close`).
                    unsafe { poller.add(&conns[key].stream, Event::readable(key))? };
                }
                poller.modify(&listener, Event::readable(LISTENER_KEY))?;
                continue;
            }
            let key = ev.key;
            let Some(c) = conns.get_mut(key) else {
                continue;
            };
            let mut closed = false;
            if !c.pending.is_empty() {
                match c.stream.write(&c.pending) {
                    Ok(n) => {
                        c.pending.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => closed = true,
                }
            }
            if !closed && c.pending.is_empty() {
                loop {
                    match c.stream.read(&mut buf) {
                        Ok(0) => {
                            closed = true;
                            break;
                        }
                        Ok(n) => match c.stream.write(&buf[..n]) {
                            Ok(w) if w == n => {}
                            Ok(w) => {
                                c.pending.extend_from_slice(&buf[w..n]);
                                break;
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                c.pending.extend_from_slice(&buf[..n]);
                                break;
                            }
                            Err(_) => {
                                closed = true;
                                break;
                            }
                        },
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            closed = true;
                            break;
                        }
                    }
                }
            }
            if closed {
                let _ = poller.delete(&c.stream);
                conns.remove(key);
            } else {
                let want_write = !c.pending.is_empty();
                poller.modify(&c.stream, Event::new(key, !want_write, want_write))?;
            }
        }
    }
}
