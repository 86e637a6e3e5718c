//! Address resolution: anything that names socket addresses, resolved off the loop when it needs DNS.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::{Context, Poll};

use tulip_core::{spawn_blocking, SpawnBlocking};

/// Something that names one or more socket addresses: a [`SocketAddr`], an `(ip, port)` pair, or a
/// `"host:port"` string. Literal addresses resolve at once; host names are looked up on the blocking pool
/// so the loop never waits on DNS.
///
/// **asyncio:** the `host, port` arguments of `open_connection` / `create_server`, resolved with
/// `loop.getaddrinfo()`.
///
/// # Examples
///
/// ```
/// use tulip_net::ToSocketAddrs;
/// tulip_core::run(async {
///     let addrs = "127.0.0.1:80".to_socket_addrs().await.unwrap();
///     assert_eq!(addrs[0].port(), 80);
/// });
/// ```
pub trait ToSocketAddrs {
    /// Resolves to the addresses, in the order they should be tried.
    ///
    /// **asyncio:** `await loop.getaddrinfo(host, port)`, keeping only the addresses.
    ///
    /// # Errors
    ///
    /// The awaited [`Resolve`] fails when a host name does not resolve, or when a string is not
    /// `host:port` (`InvalidInput`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use tulip_net::ToSocketAddrs;
    /// # tulip_core::run(async {
    /// let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    /// assert_eq!(addr.to_socket_addrs().await?, [addr]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    fn to_socket_addrs(self) -> Resolve;
}

/// The future returned by [`ToSocketAddrs::to_socket_addrs`]: ready at once for literal addresses, a
/// lookup on the blocking pool for host names.
///
/// **asyncio:** the awaitable returned by `loop.getaddrinfo()`.
///
/// Dropping it before completion leaves a lookup already started to finish on the pool; its result
/// is discarded.
///
/// # Examples
///
/// ```
/// use tulip_net::{Resolve, ToSocketAddrs};
/// # tulip_core::run(async {
/// let resolve: Resolve = ("127.0.0.1", 53).to_socket_addrs();
/// assert_eq!(resolve.await?[0].port(), 53);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Resolve(ResolveInner);

#[derive(Debug)]
enum ResolveInner {
    Ready(Option<io::Result<Vec<SocketAddr>>>),
    Blocking(SpawnBlocking<io::Result<Vec<SocketAddr>>>),
}

impl Resolve {
    fn ready(addrs: Vec<SocketAddr>) -> Resolve {
        Resolve(ResolveInner::Ready(Some(Ok(addrs))))
    }

    fn lookup(host: String) -> Resolve {
        Resolve(ResolveInner::Blocking(spawn_blocking(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&host).map(|it| it.collect())
        })))
    }
}

impl Future for Resolve {
    type Output = io::Result<Vec<SocketAddr>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            ResolveInner::Ready(r) => {
                Poll::Ready(r.take().expect("Resolve polled after completion"))
            }
            ResolveInner::Blocking(t) => Pin::new(t).poll(cx),
        }
    }
}

impl ToSocketAddrs for SocketAddr {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self])
    }
}

impl ToSocketAddrs for SocketAddrV4 {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self.into()])
    }
}

impl ToSocketAddrs for SocketAddrV6 {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self.into()])
    }
}

impl ToSocketAddrs for (IpAddr, u16) {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self.into()])
    }
}

impl ToSocketAddrs for (Ipv4Addr, u16) {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self.into()])
    }
}

impl ToSocketAddrs for (Ipv6Addr, u16) {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(vec![self.into()])
    }
}

impl ToSocketAddrs for &[SocketAddr] {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(self.to_vec())
    }
}

impl ToSocketAddrs for Vec<SocketAddr> {
    fn to_socket_addrs(self) -> Resolve {
        Resolve::ready(self)
    }
}

impl ToSocketAddrs for (&str, u16) {
    fn to_socket_addrs(self) -> Resolve {
        if let Ok(ip) = self.0.parse::<IpAddr>() {
            return Resolve::ready(vec![SocketAddr::new(ip, self.1)]);
        }
        Resolve::lookup(format!("{}:{}", self.0, self.1))
    }
}

impl ToSocketAddrs for &str {
    fn to_socket_addrs(self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::ready(vec![addr]);
        }
        Resolve::lookup(self.to_owned())
    }
}

impl ToSocketAddrs for String {
    fn to_socket_addrs(self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::ready(vec![addr]);
        }
        Resolve::lookup(self)
    }
}

impl ToSocketAddrs for &String {
    fn to_socket_addrs(self) -> Resolve {
        self.as_str().to_socket_addrs()
    }
}

/// Resolves `host` (a name or a literal IP address) and `port` to socket addresses, in the order the
/// system resolver gives them (IPv4 and IPv6 alike). A literal address resolves at once; a name is looked
/// up with `getaddrinfo` on the blocking pool, so the loop never waits on DNS.
///
/// **asyncio:** `await loop.getaddrinfo(host, port)`. Differences: returns the addresses only (no
/// family, type, protocol or canonical name), without duplicates removed.
///
/// # Errors
///
/// When the name does not resolve (the resolver's error, e.g. "Name or service not known").
///
/// # Cancel safety
///
/// Dropping the future abandons the lookup; a `getaddrinfo` already running finishes on the pool and its
/// result is dropped.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let addrs = tulip_net::lookup_host("localhost", 8080).await?;
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
///     let literal = tulip_net::lookup_host("127.0.0.1", 80).await?;
///     assert_eq!(literal, ["127.0.0.1:80".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "getaddrinfo")]
pub fn lookup_host(host: &str, port: u16) -> Resolve {
    (host, port).to_socket_addrs()
}

/// Runs `op` on each address in turn until one succeeds; the last error otherwise.
pub(crate) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let addrs = addr.to_socket_addrs().await?;
    let mut last = None;
    for a in addrs {
        match op(a).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
