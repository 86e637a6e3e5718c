//! `TlsStreamReader`: asyncio's `StreamReader` methods over a TLS stream.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsStream;
use tulip_net::{IncompleteReadError, LimitOverrunError, ReadError, TcpStream};

/// asyncio's default buffer limit (64 KiB).
const DEFAULT_LIMIT: usize = 64 * 1024;
/// How much one fill asks the TLS stream for (one TLS record holds at most 16 KiB of plaintext).
const CHUNK: usize = 16 * 1024;

/// The reading half of a TLS connection from [`open_connection`](crate::open_connection) or
/// [`start_server`](crate::start_server): the methods of `tulip_net::StreamReader`, over decrypted
/// data.
///
/// **asyncio:** `asyncio.StreamReader` of a connection opened with `ssl=`.
///
/// A TLS `close_notify` from the peer, or a plain EOF, ends the stream: reads then return what is
/// buffered, then nothing.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
/// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
/// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
/// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
/// #     let der: CertificateDer<'static> = cert.cert.der().clone();
/// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
/// #     let server = ServerConfig::builder()
/// #         .with_no_client_auth()
/// #         .with_single_cert(vec![der.clone()], key)
/// #         .unwrap();
/// #     let mut roots = RootCertStore::empty();
/// #     roots.add(der).unwrap();
/// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
/// #     (Arc::new(server), Arc::new(client))
/// # }
/// # tulip_core::run(async {
/// # let (server_config, client_config) = configs();
/// # // An echo server: each line comes back until the client closes.
/// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
/// #     loop {
/// #         let line = r.readline().await?;
/// #         if line.is_empty() {
/// #             break;
/// #         }
/// #         w.write(&line)?;
/// #         w.drain().await?;
/// #     }
/// #     w.close();
/// #     w.wait_closed().await
/// # })
/// # .await?;
/// let (mut reader, writer) =
///     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
/// writer.write(b"hello\nworld\n")?;
/// writer.drain().await?;
/// assert_eq!(reader.readline().await?, b"hello\n");
/// assert_eq!(reader.readexactly(6).await?, b"world\n");
/// writer.close();
/// assert_eq!(reader.read_to_end().await?, b"");
/// assert!(reader.at_eof());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TlsStreamReader<S = TlsStream<TcpStream>> {
    io: Rc<RefCell<S>>,
    /// `buf[start..]` is unread data.
    buf: Vec<u8>,
    start: usize,
    scratch: Box<[u8]>,
    eof: bool,
    limit: usize,
}

impl<S> fmt::Debug for TlsStreamReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStreamReader")
            .field("buffered", &(self.buf.len() - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStreamReader<S> {
    pub(crate) fn new(io: Rc<RefCell<S>>) -> Self {
        TlsStreamReader {
            io,
            buf: Vec::new(),
            start: 0,
            scratch: vec![0u8; CHUNK].into_boxed_slice(),
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Sets the limit of [`readuntil`](Self::readuntil) and [`readline`](Self::readline).
    ///
    /// **asyncio:** the `limit=` argument of `open_connection` / `start_server`.
    ///
    /// # Panics
    ///
    /// When `limit` is 0 (asyncio raises `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// let (reader, writer) =
    ///     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// let mut reader = reader.with_limit(4);
    /// writer.write(b"too long\n")?;
    /// writer.drain().await?;
    /// assert!(reader.readline().await.unwrap_err().is_limit_overrun());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn with_limit(mut self, limit: usize) -> Self {
        assert!(limit > 0, "TlsStreamReader limit must be positive");
        self.limit = limit;
        self
    }

    /// The limit of [`readuntil`](Self::readuntil).
    ///
    /// **asyncio:** the `limit=` given to `open_connection` (kept private as `reader._limit`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// assert_eq!(reader.limit(), 64 * 1024);
    /// assert_eq!(reader.with_limit(100).limit(), 100);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        out
    }

    /// Reads one chunk of decrypted data into the buffer; sets `eof` on end of stream.
    async fn fill(&mut self) -> io::Result<()> {
        let io = &self.io;
        let scratch = &mut self.scratch;
        let n = poll_fn(|cx| Pin::new(&mut *io.borrow_mut()).poll_read(cx, scratch)).await;
        let n = match n {
            Ok(n) => n,
            // A peer that closes TCP without close_notify: rustls reports it; asyncio's SSL
            // transport treats it as EOF too (and logs it).
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            self.eof = true;
        } else {
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.buf.extend_from_slice(&self.scratch[..n]);
        }
        Ok(())
    }

    /// Reads up to `n` bytes: what is buffered, or else one chunk from the connection; empty at EOF.
    ///
    /// **asyncio:** `await reader.read(n)`.
    ///
    /// # Errors
    ///
    /// The connection's error (`InvalidData` for a TLS protocol error).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"ping\n")?;
    /// writer.drain().await?;
    /// let mut got = Vec::new();
    /// while got.len() < 5 {
    ///     got.extend(reader.read(100).await?); // one chunk at a time
    /// }
    /// assert_eq!(got, b"ping\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.buffered() == 0 && !self.eof {
            self.fill().await?;
        }
        let n = n.min(self.buffered());
        Ok(self.take(n))
    }

    /// Reads until EOF.
    ///
    /// **asyncio:** `await reader.read()` (`n=-1`).
    ///
    /// # Errors
    ///
    /// The connection's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"all of it\n")?;
    /// writer.close(); // the server echoes, sees the end, and closes in turn
    /// assert_eq!(reader.read_to_end().await?, b"all of it\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.take(self.buffered()))
    }

    /// Reads exactly `n` bytes.
    ///
    /// **asyncio:** `await reader.readexactly(n)`.
    ///
    /// # Errors
    ///
    /// [`IncompleteReadError`] (with the bytes read) when EOF comes first; the connection's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"abcdef\n")?;
    /// writer.close();
    /// assert_eq!(reader.readexactly(3).await?, b"abc");
    /// let err = reader.readexactly(10).await.unwrap_err();
    /// assert!(err.is_incomplete());
    /// assert_eq!(err.partial(), Some(&b"def\n"[..]));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buffered() < n {
            if self.eof {
                let partial = self.take(self.buffered());
                return Err(IncompleteReadError::new(partial, Some(n)).into());
            }
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// Reads up to and including `separator`.
    ///
    /// **asyncio:** `await reader.readuntil(separator)`.
    ///
    /// # Errors
    ///
    /// [`LimitOverrunError`] when more than [`limit`](Self::limit) bytes come before the separator
    /// (the data stays buffered); [`IncompleteReadError`] with the rest at EOF; `InvalidInput` for an
    /// empty separator; the connection's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"key=value;\n")?;
    /// writer.drain().await?;
    /// assert_eq!(reader.readuntil(b"=").await?, b"key=");
    /// assert_eq!(reader.readuntil(b";").await?, b"value;");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, ReadError> {
        let seplen = separator.len();
        if seplen == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "separator should be at least one byte",
            )
            .into());
        }
        let mut offset = 0;
        let isep = loop {
            let buflen = self.buffered();
            if buflen - offset >= seplen {
                let hay = &self.buf[self.start + offset..];
                if let Some(i) = hay.windows(seplen).position(|w| w == separator) {
                    break offset + i;
                }
                offset = buflen + 1 - seplen;
                if offset > self.limit {
                    return Err(LimitOverrunError::new(offset).into());
                }
            }
            if self.eof {
                let partial = self.take(self.buffered());
                return Err(IncompleteReadError::new(partial, None).into());
            }
            self.fill().await?;
        };
        if isep > self.limit {
            return Err(LimitOverrunError::new(isep).into());
        }
        Ok(self.take(isep + seplen))
    }

    /// Reads one line, up to and including `\n`; at EOF what is left, then empty vectors.
    ///
    /// **asyncio:** `await reader.readline()`.
    ///
    /// # Errors
    ///
    /// As [`readuntil`](Self::readuntil), except that EOF is not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// writer.write(b"one\ntwo\n")?;
    /// writer.close();
    /// assert_eq!(reader.readline().await?, b"one\n");
    /// assert_eq!(reader.readline().await?, b"two\n");
    /// assert_eq!(reader.readline().await?, b""); // EOF
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readline(&mut self) -> Result<Vec<u8>, ReadError> {
        match self.readuntil(b"\n").await {
            Err(e) if e.is_incomplete() => match e.into_incomplete() {
                Ok(inc) => Ok(inc.into_partial()),
                Err(e) => Err(e),
            },
            r => r,
        }
    }

    /// Whether EOF was reached and the buffer is empty.
    ///
    /// **asyncio:** `reader.at_eof()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use tulip_tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// # use tulip_tls::rustls::{ClientConfig, RootCertStore, ServerConfig};
    /// # fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    /// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    /// #     let der: CertificateDer<'static> = cert.cert.der().clone();
    /// #     let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    /// #     let server = ServerConfig::builder()
    /// #         .with_no_client_auth()
    /// #         .with_single_cert(vec![der.clone()], key)
    /// #         .unwrap();
    /// #     let mut roots = RootCertStore::empty();
    /// #     roots.add(der).unwrap();
    /// #     let client = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// #     (Arc::new(server), Arc::new(client))
    /// # }
    /// # tulip_core::run(async {
    /// # let (server_config, client_config) = configs();
    /// # // An echo server: each line comes back until the client closes.
    /// # let server = tulip_tls::start_server("127.0.0.1:0", server_config, |mut r, w| async move {
    /// #     loop {
    /// #         let line = r.readline().await?;
    /// #         if line.is_empty() {
    /// #             break;
    /// #         }
    /// #         w.write(&line)?;
    /// #         w.drain().await?;
    /// #     }
    /// #     w.close();
    /// #     w.wait_closed().await
    /// # })
    /// # .await?;
    /// # let (mut reader, writer) =
    /// #     tulip_tls::open_connection(server.local_addr(), client_config, "localhost").await?;
    /// assert!(!reader.at_eof());
    /// writer.close();
    /// reader.read_to_end().await?;
    /// assert!(reader.at_eof());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffered() == 0
    }
}
