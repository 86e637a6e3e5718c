//! The connector hyper-util's pooled client needs: `http://` URIs to `TcpStream`s.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use tulip_net::TcpStream;

use crate::TulipIo;

/// Opens a TCP connection for each `http://` URI hyper-util's pooled client asks for: the host is
/// resolved with tulip's `lookup_host`, addresses are tried in order, and `TCP_NODELAY` is set (an HTTP
/// client writes whole requests, so Nagle only adds latency).
///
/// **asyncio:** `asyncio.open_connection(host, port)` under aiohttp's `TCPConnector`.
///
/// `https://` URIs are refused with [`ConnectError`]: wrap this connector in a TLS one for them.
///
/// # Examples
///
/// ```
/// use hyper_util::client::legacy::Client;
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
/// let client = Client::builder(tulip_hyper::TulipExecutor::new())
///     .timer(tulip_hyper::TulipTimer::new())
///     .build::<_, Empty<Bytes>>(tulip_hyper::TulipConnector::new());
/// # let _ = client;
/// ```
#[derive(Debug, Clone, Default)]
pub struct TulipConnector {
    nodelay: bool,
}

impl TulipConnector {
    /// A connector with `TCP_NODELAY` on.
    ///
    /// **asyncio:** aiohttp's `TCPConnector()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tower_service::Service;
    /// let mut connector = tulip_hyper::TulipConnector::new();
    /// tulip_core::run(async {
    ///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let io = connector.call(format!("http://{addr}/").parse()?).await?;
    ///     assert_eq!(io.get_ref().peer_addr()?, addr);
    ///     assert!(io.get_ref().nodelay()?);
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new() -> Self {
        TulipConnector { nodelay: true }
    }

    /// Whether connections get `TCP_NODELAY` (default on).
    ///
    /// **asyncio:** `sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, on)`, which asyncio does on every TCP
    /// transport.
    ///
    /// # Examples
    ///
    /// ```
    /// use tower_service::Service;
    /// let mut connector = tulip_hyper::TulipConnector::new();
    /// connector.set_nodelay(false);
    /// tulip_core::run(async {
    ///     let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let uri = format!("http://{}/", listener.local_addr()?).parse()?;
    ///     let io = connector.call(uri).await?;
    ///     assert!(!io.get_ref().nodelay()?);
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_nodelay(&mut self, on: bool) -> &mut Self {
        self.nodelay = on;
        self
    }
}

/// Why [`TulipConnector`] could not connect: a URI it cannot serve, or the I/O error of the last
/// address tried.
///
/// **asyncio:** the `OSError` of `asyncio.open_connection`; aiohttp's `ClientConnectorError` or
/// `InvalidURL`.
///
/// # Examples
///
/// ```
/// use tower_service::Service;
/// let mut connector = tulip_hyper::TulipConnector::new();
/// let err = tulip_core::run(connector.call("ftp://example.com/".parse().unwrap())).unwrap_err();
/// assert!(err.is_unsupported_scheme());
/// assert!(err.to_string().contains("ftp"));
/// ```
#[derive(Debug)]
pub struct ConnectError {
    kind: ConnectErrorKind,
}

#[derive(Debug)]
enum ConnectErrorKind {
    Scheme(Option<String>),
    NoHost,
    Io(io::Error),
}

impl ConnectError {
    /// Whether the URI's scheme is not `http` (e.g. `https` without a TLS connector).
    ///
    /// **asyncio:** aiohttp raises `InvalidURL` (a `NonHttpUrlClientError`) for such a URI.
    ///
    /// # Examples
    ///
    /// ```
    /// use tower_service::Service;
    /// let mut connector = tulip_hyper::TulipConnector::new();
    /// let err = tulip_core::run(connector.call("https://example.com/".parse().unwrap())).unwrap_err();
    /// assert!(err.is_unsupported_scheme());
    /// assert!(err.io_error().is_none());
    /// ```
    pub fn is_unsupported_scheme(&self) -> bool {
        matches!(self.kind, ConnectErrorKind::Scheme(_))
    }

    /// The I/O error, when the connection itself failed.
    ///
    /// **asyncio:** `ClientConnectorError.os_error` in aiohttp; the `OSError` itself in asyncio.
    ///
    /// # Examples
    ///
    /// ```
    /// use tower_service::Service;
    /// // An address nothing listens on any more.
    /// let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    /// let mut connector = tulip_hyper::TulipConnector::new();
    /// let uri = format!("http://{addr}/").parse().unwrap();
    /// let err = tulip_core::run(connector.call(uri)).unwrap_err();
    /// assert!(!err.is_unsupported_scheme());
    /// assert_eq!(err.io_error().unwrap().kind(), std::io::ErrorKind::ConnectionRefused);
    /// ```
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.kind {
            ConnectErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ConnectErrorKind::Scheme(Some(s)) => {
                write!(
                    f,
                    "unsupported URI scheme `{s}`: TulipConnector connects `http://` only"
                )
            }
            ConnectErrorKind::Scheme(None) => write!(f, "URI without a scheme"),
            ConnectErrorKind::NoHost => write!(f, "URI without a host"),
            ConnectErrorKind::Io(e) => write!(f, "could not connect: {e}"),
        }
    }
}

impl Error for ConnectError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            ConnectErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConnectError> for io::Error {
    fn from(e: ConnectError) -> io::Error {
        match e.kind {
            ConnectErrorKind::Io(e) => e,
            kind => io::Error::new(io::ErrorKind::InvalidInput, ConnectError { kind }),
        }
    }
}

/// The future of a [`TulipConnector`] connection.
///
/// **asyncio:** the coroutine `asyncio.open_connection(host, port)` returns.
///
/// # Examples
///
/// ```
/// use tower_service::Service;
/// let mut connector = tulip_hyper::TulipConnector::new();
/// let connecting: tulip_hyper::Connecting = connector.call("https://example.com/".parse().unwrap());
/// assert!(tulip_core::run(connecting).unwrap_err().is_unsupported_scheme());
/// ```
pub type Connecting =
    Pin<Box<dyn Future<Output = Result<TulipIo<TcpStream>, ConnectError>> + Send + 'static>>;

impl tower_service::Service<Uri> for TulipConnector {
    type Response = TulipIo<TcpStream>;
    type Error = ConnectError;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let nodelay = self.nodelay;
        Box::pin(async move {
            let (host, port) = host_port(&uri)?;
            let stream = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| ConnectError {
                    kind: ConnectErrorKind::Io(e),
                })?;
            if nodelay {
                stream.set_nodelay(true).map_err(|e| ConnectError {
                    kind: ConnectErrorKind::Io(e),
                })?;
            }
            Ok(TulipIo::new(stream))
        })
    }
}

/// The host (brackets of an IPv6 literal removed) and port (80 when absent) of an `http://` URI.
fn host_port(uri: &Uri) -> Result<(String, u16), ConnectError> {
    match uri.scheme_str() {
        Some("http") => {}
        other => {
            return Err(ConnectError {
                kind: ConnectErrorKind::Scheme(other.map(str::to_owned)),
            })
        }
    }
    let host = uri.host().ok_or(ConnectError {
        kind: ConnectErrorKind::NoHost,
    })?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host.to_owned(), uri.port_u16().unwrap_or(80)))
}

impl Connection for TulipIo<TcpStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Connection for TulipIo<tulip_net::UnixStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_reads_http_uris() {
        let hp = |s: &str| host_port(&s.parse().unwrap());
        assert_eq!(
            hp("http://example.com/x").unwrap(),
            ("example.com".into(), 80)
        );
        assert_eq!(
            hp("http://127.0.0.1:8080").unwrap(),
            ("127.0.0.1".into(), 8080)
        );
        assert_eq!(hp("http://[::1]:81/").unwrap(), ("::1".into(), 81));
        assert!(hp("https://example.com/")
            .unwrap_err()
            .is_unsupported_scheme());
        assert!(hp("/relative").unwrap_err().is_unsupported_scheme());
    }
}
