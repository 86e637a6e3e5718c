//! `getnameinfo` (asyncio `loop.getnameinfo`): numeric forms need no resolver, so these run offline.

use std::net::SocketAddr;

use tulip::net::{getnameinfo, NameInfoFlags};

fn numeric() -> NameInfoFlags {
    NameInfoFlags::NUMERICHOST | NameInfoFlags::NUMERICSERV
}

/// `await loop.getnameinfo(("127.0.0.1", 8080), NI_NUMERICHOST | NI_NUMERICSERV)` ==
/// `("127.0.0.1", "8080")`.
#[test]
fn numeric_ipv4_address_and_port_come_back_as_text() {
    let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let got = tulip::run(getnameinfo(addr, numeric())).unwrap();
    assert_eq!(got, ("127.0.0.1".to_string(), "8080".to_string()));
}

/// The IPv6 form, port included: `("::1", "443")`.
#[test]
fn numeric_ipv6_address_and_port_come_back_as_text() {
    let addr: SocketAddr = "[::1]:443".parse().unwrap();
    let got = tulip::run(getnameinfo(addr, numeric())).unwrap();
    assert_eq!(got, ("::1".to_string(), "443".to_string()));
}

/// Several lookups run on the blocking pool while the loop keeps running other tasks.
#[test]
fn lookups_run_concurrently_with_other_tasks() {
    tulip::run(async {
        let lookups: Vec<_> = (1..=8u16)
            .map(|port| {
                tulip::spawn(async move {
                    let addr = SocketAddr::from(([10, 0, 0, port as u8], port));
                    getnameinfo(addr, numeric()).await.unwrap()
                })
            })
            .collect();
        let ticker = tulip::spawn(async {
            for _ in 0..3 {
                tulip::yield_now().await;
            }
            "ticked"
        });
        assert_eq!(ticker.await, "ticked");
        for (i, t) in lookups.into_iter().enumerate() {
            let n = i + 1;
            assert_eq!(t.await, (format!("10.0.0.{n}"), n.to_string()));
        }
    });
}
