//! The Protocol layer's read buffer is lent by the loop thread's pool (`ReadBuffer`) for one read and
//! its `data_received`: idle connections hold none, and a read nested inside `data_received` (another
//! socket read into a pooled buffer, or another connection's callback) never gets the buffer whose
//! bytes are being delivered.

mod support;

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use tulip::net::{create_server, Protocol, ReadBuffer, TcpStream, Transport};

use support::net::run;
use support::protocol::until;

/// Echoes, and records how many pooled buffers were out while its `data_received` ran.
struct Echo {
    transport: Option<Transport>,
    out_during_data: Rc<RefCell<Vec<usize>>>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.out_during_data
            .borrow_mut()
            .push(ReadBuffer::outstanding());
        let _ = self.transport.as_ref().unwrap().write(data);
    }
}

/// ```python
/// # uvloop: one loop-wide read buffer; 50 connections that each echoed once and went quiet hold none
/// ```
#[test]
fn idle_connections_hold_no_read_buffer() {
    run(async {
        let out = Rc::new(RefCell::new(Vec::new()));
        let o = out.clone();
        let server = create_server(
            move || Echo {
                transport: None,
                out_during_data: o.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let addr = server.local_addrs()[0];
        let mut clients = Vec::new();
        for i in 0..50u8 {
            let c = TcpStream::connect(addr).await?;
            c.write_all(&[i; 100]).await?;
            let mut back = [0u8; 100];
            c.read_exact(&mut back).await?;
            assert_eq!(back, [i; 100]);
            clients.push(c);
        }
        // Every connection is open and parked, waiting for its next bytes.
        tulip::yield_now().await;
        assert_eq!(ReadBuffer::outstanding(), 0);
        // While a connection delivered its bytes, it held exactly one buffer.
        assert!(!out.borrow().is_empty());
        assert!(out.borrow().iter().all(|&n| n == 1), "{:?}", out.borrow());
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// What a [`Nested`] checked: the bytes it was handed, and what its nested read brought.
type Checked = Rc<RefCell<Vec<(Vec<u8>, Vec<u8>)>>>;

/// Inside `data_received`, reads another socket into a pooled buffer (as a protocol that drives some
/// other connection's read would) and checks that the bytes it is being handed did not change.
struct Nested {
    other: std::net::TcpStream,
    checked: Checked,
}

impl Protocol for Nested {
    fn data_received(&mut self, data: &[u8]) {
        let before = data.to_vec();
        let mut inner = ReadBuffer::take();
        let n = self
            .other
            .read(&mut inner)
            .expect("the other socket has data");
        // The nested buffer is not the one `data` lives in.
        let (d0, d1) = (data.as_ptr() as usize, data.as_ptr() as usize + data.len());
        let (i0, i1) = (
            inner.as_ptr() as usize,
            inner.as_ptr() as usize + inner.len(),
        );
        assert!(d1 <= i0 || i1 <= d0, "a nested read got the buffer in use");
        assert_eq!(
            data,
            &before[..],
            "a nested read overwrote the bytes being delivered"
        );
        self.checked
            .borrow_mut()
            .push((before, inner[..n].to_vec()));
    }
}

/// ```python
/// def data_received(self, data):
///     other = self.other_sock.recv(65536)     # a second read while `data` is still in use
///     assert data == copy_of_data             # uvloop hands out a fresh bytes object: always true
/// ```
#[test]
fn a_read_nested_in_data_received_gets_its_own_buffer() {
    run(async {
        // A second, blocking connection with bytes waiting, for the nested read.
        let side = std::net::TcpListener::bind("127.0.0.1:0")?;
        let mut side_client = std::net::TcpStream::connect(side.local_addr()?)?;
        let (side_server, _) = side.accept()?;
        side_client.write_all(&[0xEE; 4096])?;

        let checked = Rc::new(RefCell::new(Vec::new()));
        let c = checked.clone();
        let other = RefCell::new(Some(side_server));
        let server = create_server(
            move || Nested {
                other: other.borrow_mut().take().expect("one connection"),
                checked: c.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        client.write_all(&[0x11; 1000]).await?;
        until("data_received", || !checked.borrow().is_empty()).await;
        let (delivered, nested) = checked.borrow()[0].clone();
        assert!(delivered.iter().all(|&b| b == 0x11));
        assert!(!nested.is_empty() && nested.iter().all(|&b| b == 0xEE));
        drop(side_client);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// # 20 connections ready in the same tick read one after another through the loop's buffer(s):
/// # each echoes exactly its own bytes
/// ```
#[test]
fn many_connections_interleaved_each_see_their_own_bytes() {
    run(async {
        let out = Rc::new(RefCell::new(Vec::new()));
        let o = out.clone();
        let server = create_server(
            move || Echo {
                transport: None,
                out_during_data: o.clone(),
            },
            "127.0.0.1:0",
        )
        .await?;
        let addr = server.local_addrs()[0];
        let mut clients = Vec::new();
        for i in 0..20u8 {
            clients.push((i, TcpStream::connect(addr).await?));
        }
        // All write before any reads, so the server's connections are ready in the same tick and
        // their reads share the pool one after another.
        for (i, c) in &clients {
            c.write_all(&vec![*i; 30_000]).await?;
        }
        for (i, c) in &clients {
            let mut back = vec![0u8; 30_000];
            c.read_exact(&mut back).await?;
            assert!(
                back.iter().all(|b| b == i),
                "connection {i} got another's bytes"
            );
        }
        assert_eq!(ReadBuffer::outstanding(), 0);
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}

/// Panics in `data_received`.
struct Panics;

impl Protocol for Panics {
    fn data_received(&mut self, _data: &[u8]) {
        panic!("a protocol bug");
    }
}

/// ```python
/// def data_received(self, data): raise RuntimeError   # the connection ends; the loop lives on
/// ```
/// The lent buffer goes back to the pool as the panic unwinds the connection's task.
#[test]
fn a_panicking_data_received_gives_its_buffer_back() {
    run(async {
        let server = create_server(|| Panics, "127.0.0.1:0").await?;
        let client = TcpStream::connect(server.local_addrs()[0]).await?;
        client.write_all(b"boom").await?;
        // The panic ends the connection: the socket is closed under the client.
        let mut buf = [0u8; 8];
        let closed = matches!(client.read(&mut buf).await, Ok(0) | Err(_));
        assert!(closed);
        assert_eq!(ReadBuffer::outstanding(), 0);
        // The pool still lends buffers, each distinct from the others out.
        let a = ReadBuffer::take();
        let b = ReadBuffer::take();
        assert_ne!(a.as_ptr(), b.as_ptr());
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}
