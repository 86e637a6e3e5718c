//! `lookup_host`: name resolution off the loop. Only `localhost` and literal addresses: no outside
//! network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tulip::net::lookup_host;

/// asyncio:
///
/// ```python
/// infos = await loop.getaddrinfo("localhost", 8080)
/// assert all(ipaddress.ip_address(sa[0]).is_loopback and sa[1] == 8080 for *_, sa in infos)
/// ```
#[test]
fn localhost_resolves_to_loopback_addresses() {
    let addrs = tulip::run(lookup_host("localhost", 8080)).unwrap();
    assert!(!addrs.is_empty());
    for a in &addrs {
        assert!(a.ip().is_loopback(), "{a} is not a loopback address");
        assert_eq!(a.port(), 8080);
    }
}

/// asyncio:
///
/// ```python
/// infos = await loop.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)
/// assert [sa for *_, sa in infos] == [("127.0.0.1", 80)]
/// ```
#[test]
fn literal_addresses_resolve_to_themselves() {
    tulip::run(async {
        let v4 = lookup_host("127.0.0.1", 80).await.unwrap();
        assert_eq!(v4, [SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 80)]);
        let v6 = lookup_host("::1", 443).await.unwrap();
        assert_eq!(v6, [SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 443)]);
    });
}

/// asyncio: several lookups at once, none blocking the loop.
///
/// ```python
/// results = await asyncio.gather(*(loop.getaddrinfo("localhost", p) for p in range(1000, 1010)))
/// ```
#[test]
fn concurrent_lookups() {
    tulip::run(async {
        let tasks: Vec<_> = (1000..1010u16)
            .map(|port| tulip::spawn(async move { (port, lookup_host("localhost", port).await) }))
            .collect();
        for t in tasks {
            let (port, addrs) = t.await;
            assert!(addrs.unwrap().iter().all(|a| a.port() == port));
        }
    });
}
