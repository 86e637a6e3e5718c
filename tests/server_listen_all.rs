//! `create_server` / `start_server` listen on every address they are given or that a host name resolves
//! to, as asyncio does, and `local_addrs()` lists every socket.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;

use support::net::run;
use tulip::net::{Protocol, TcpStream, Transport};

/// Echoes what it receives (the Protocol API).
struct Echo(Option<Transport>);

impl Protocol for Echo {
    fn connection_made(&mut self, t: Transport) {
        self.0 = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        let _ = self.0.as_ref().unwrap().write(data);
    }
}

/// Two loopback addresses, plus `[::1]` when the machine has IPv6 loopback.
fn loopbacks() -> Vec<SocketAddr> {
    let mut addrs: Vec<SocketAddr> = vec![
        "127.0.0.1:0".parse().unwrap(),
        "127.0.0.2:0".parse().unwrap(),
    ];
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        addrs.push("[::1]:0".parse().unwrap());
    }
    addrs
}

/// Connects to `addr`, sends bytes particular to `seed`, and checks every byte comes back.
async fn echo_through(addr: SocketAddr, seed: u8) {
    let c = TcpStream::connect(addr).await.expect("connect");
    let sent: Vec<u8> = (0..4096u32)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    c.write_all(&sent).await.unwrap();
    let mut got = vec![0u8; sent.len()];
    c.read_exact(&mut got).await.unwrap();
    assert_eq!(got, sent, "echo through {addr}");
}

/// asyncio: `loop.create_server(factory, host=[h1, h2], port)` — "The host parameter can be a sequence
/// of strings; in that case the TCP server is bound to all hosts of the sequence." Every address gets
/// its own listening socket, each serves, and `Server.sockets` lists them all.
#[test]
fn create_server_listens_on_every_given_address() {
    run(async {
        let want = loopbacks();
        let server = tulip::net::create_server(|| Echo(None), &want[..])
            .await
            .unwrap();
        let addrs = server.local_addrs();
        assert_eq!(addrs.len(), want.len(), "{addrs:?}");
        for (got, asked) in addrs.iter().zip(&want) {
            assert_eq!(got.ip(), asked.ip());
            assert_ne!(got.port(), 0);
        }
        for (i, a) in addrs.iter().enumerate() {
            echo_through(*a, i as u8).await;
        }
        server.close();
        server.wait_closed().await;
        for a in &addrs {
            let err = TcpStream::connect(*a).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{a}");
        }
    });
}

/// The same for the streams API, `asyncio.start_server(cb, host=[...], port)`.
#[test]
fn start_server_listens_on_every_given_address() {
    run(async {
        let want = loopbacks();
        let server = tulip::net::start_server(want.clone(), |mut reader, writer| async move {
            loop {
                let data = reader.read(65536).await?;
                if data.is_empty() {
                    return std::io::Result::Ok(());
                }
                writer.write(&data)?;
                writer.drain().await?;
            }
        })
        .await
        .unwrap();
        let addrs = server.local_addrs();
        assert_eq!(addrs.len(), want.len(), "{addrs:?}");
        for (i, a) in addrs.iter().enumerate() {
            echo_through(*a, 100 + i as u8).await;
        }
        server.close();
    });
}

/// asyncio: with a host name, `create_server` binds every address `getaddrinfo` returns (`localhost`
/// gives `::1` and `127.0.0.1` where the machine has both). tulip listens on each resolved address.
#[test]
fn a_host_name_listens_on_every_resolved_address() {
    run(async {
        let mut resolved = tulip::net::lookup_host("localhost", 0).await.unwrap();
        resolved.dedup();
        let server = tulip::net::create_server(|| Echo(None), "localhost:0")
            .await
            .unwrap();
        let addrs = server.local_addrs();
        let mut ips: Vec<_> = addrs.iter().map(|a| a.ip()).collect();
        let mut want: Vec<_> = resolved.iter().map(|a| a.ip()).collect();
        ips.sort();
        want.sort();
        want.dedup();
        assert_eq!(ips, want);
        for (i, a) in addrs.iter().enumerate() {
            echo_through(*a, 200 + i as u8).await;
        }
        server.close();
    });
}

/// asyncio closes every socket it made when one bind fails and raises the error. tulip does the same:
/// an address in use among several gives `AddrInUse` and no server.
#[test]
fn one_address_in_use_among_several_is_an_error() {
    run(async {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free: SocketAddr = "127.0.0.2:0".parse().unwrap();
        let addrs = vec![free, taken.local_addr().unwrap()];
        let err = tulip::net::create_server(|| Echo(None), addrs)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        assert!(err
            .to_string()
            .contains(&taken.local_addr().unwrap().to_string()));
    });
}

/// The same address given twice is listened on once.
#[test]
fn a_repeated_address_is_bound_once() {
    run(async {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        drop(taken);
        let a: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let server = tulip::net::create_server(|| Echo(None), vec![a, a])
            .await
            .unwrap();
        assert_eq!(server.local_addrs(), [a]);
        echo_through(a, 7).await;
        server.close();
    });
}
