//! `Transport::get_protocol` / `set_protocol`: which protocol the connection calls.

use std::cell::RefCell;
use std::rc::Rc;

use crate::protocol::Protocol;
use crate::transport::Transport;

impl Transport {
    /// The protocol this transport's connection calls now: the one it was made with, or the last one
    /// given to [`Transport::set_protocol`]; still that protocol while its `connection_lost` runs, and
    /// `None` once `connection_lost` has returned (the transport lets go of its protocol then).
    ///
    /// **asyncio:** `BaseTransport.get_protocol()`, which also gives `None` after `connection_lost`
    /// (the selector transport clears its `_protocol`). Differences: returns the protocol as a shared
    /// `Rc<RefCell<dyn Protocol>>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::{Protocol, Transport};
    ///
    /// struct Quiet;
    /// impl Protocol for Quiet {}
    ///
    /// tulip_core::run(async {
    ///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (transport, protocol) =
    ///         tulip_net::create_connection(|| Quiet, listener.local_addr()?).await?;
    ///     let current = transport.get_protocol().expect("open");
    ///     assert!(std::ptr::addr_eq(Rc::as_ptr(&current), Rc::as_ptr(&protocol)));
    ///     transport.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # use std::rc::Rc;
    /// ```
    pub fn get_protocol(&self) -> Option<Rc<RefCell<dyn Protocol>>> {
        self.inner.state.borrow().link.protocol.clone()
    }

    /// Makes the connection call `protocol` from now on: the bytes read after this call go to its
    /// `data_received` (or its `get_buffer`), and `eof_received`, `connection_lost` and the write-flow
    /// calls go to it. Call it from the old protocol's method to switch at an exact point: the rest of
    /// the stream goes to the new one. `connection_made` is not called on the new protocol (as in
    /// asyncio; call it yourself if it needs the transport). A no-op once the connection has ended.
    ///
    /// **asyncio:** `BaseTransport.set_protocol(protocol)`. Differences: when the write buffer is
    /// above its high-water mark at the switch, the new protocol is not told `pause_writing` again
    /// (asyncio does not tell it either); it gets the `resume_writing` that ends the pause.
    ///
    /// # Examples
    ///
    /// A protocol that reads one header line, then hands the rest of the stream to a body protocol:
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use tulip_net::{Protocol, Transport};
    ///
    /// #[derive(Default)]
    /// struct Body(Vec<u8>);
    /// impl Protocol for Body {
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         self.0.extend_from_slice(data);
    ///     }
    /// }
    ///
    /// struct Header {
    ///     transport: Option<Transport>,
    ///     body: Rc<RefCell<Body>>,
    /// }
    /// impl Protocol for Header {
    ///     fn connection_made(&mut self, t: Transport) {
    ///         self.transport = Some(t);
    ///     }
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         // (a real parser would keep a partial line; the example's header arrives whole)
    ///         if let Some(end) = data.iter().position(|&b| b == b'\n') {
    ///             let t = self.transport.as_ref().unwrap();
    ///             t.set_protocol(self.body.clone());
    ///             self.body.borrow_mut().data_received(&data[end + 1..]);
    ///         }
    ///     }
    /// }
    ///
    /// tulip_core::run(async {
    ///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     tulip_core::spawn(async move {
    ///         let (conn, _) = listener.accept().await?;
    ///         conn.write_all(b"HEADER\nbody bytes").await
    ///     })
    ///     .detach();
    ///     let body = Rc::new(RefCell::new(Body::default()));
    ///     let b = body.clone();
    ///     let (transport, _) =
    ///         tulip_net::create_connection(move || Header { transport: None, body: b }, addr).await?;
    ///     while !transport.is_closing() {
    ///         tulip_core::yield_now().await;
    ///     }
    ///     assert_eq!(body.borrow().0, b"body bytes");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_protocol(&self, protocol: Rc<RefCell<dyn Protocol>>) {
        let old = {
            let mut st = self.inner.state.borrow_mut();
            match &mut st.link.protocol {
                Some(slot) => Some(std::mem::replace(slot, protocol)),
                None => None,
            }
        };
        // Dropped outside the state borrow: dropping a protocol may run user code.
        drop(old);
    }
}
