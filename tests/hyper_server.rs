//! Needs `--features hyper`: hyper's HTTP/1 server on tulip (`TulipIo` over TCP and Unix sockets,
//! `TulipTimer`), and the `http_server` / `http_client` examples.
#![cfg(feature = "hyper")]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::example::example_path_with_features;
use support::http::{pattern, route, Server};
use tulip::hyper::http_body_util::{BodyExt, Empty, Full};
use tulip::hyper::hyper::body::Bytes;
use tulip::hyper::hyper::client::conn::http1 as client_http1;
use tulip::hyper::hyper::server::conn::http1;
use tulip::hyper::hyper::Request;
use tulip::hyper::{TulipIo, TulipTimer};
use tulip::net::{TcpStream, UnixStream};

/// A hyper client connection (no pool) to `server`, its driver spawned on the loop.
async fn connect(server: &Server) -> client_http1::SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (sender, conn) = client_http1::handshake(TulipIo::new(stream)).await.unwrap();
    tulip::spawn(async move {
        let _ = conn.await;
    })
    .detach();
    sender
}

fn post(path: &str, body: Vec<u8>) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", "test")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

#[tulip::test]
async fn get_and_post_echo_of_one_mebibyte() {
    let server = Server::start().await;
    let mut sender = connect(&server).await;
    let req = Request::get("/")
        .header("host", "test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        &res.into_body().collect().await.unwrap().to_bytes()[..],
        b"hello"
    );

    let data = pattern(1 << 20);
    let res = sender
        .send_request(post("/echo", data.clone()))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), data.len());
    assert!(body[..] == data[..], "echoed body differs");
}

#[tulip::test]
async fn keep_alive_serves_100_requests_on_one_connection() {
    let server = Server::start().await;
    let mut sender = connect(&server).await;
    for i in 0..100u32 {
        sender.ready().await.unwrap();
        let res = sender
            .send_request(post("/echo", i.to_string().into_bytes()))
            .await
            .unwrap();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, i.to_string().as_bytes());
    }
    assert_eq!(server.accepted(), 1);
}

#[tulip::test(start_paused = true)]
async fn header_read_timeout_fires_on_the_loop_clock() {
    let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (stream, _) = listener.accept().await.unwrap();
    let start = tulip::time::now();
    let served = tulip::spawn(async move {
        http1::Builder::new()
            .timer(TulipTimer::new())
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(
                TulipIo::new(stream),
                tulip::hyper::hyper::service::service_fn(route),
            )
            .await
    });
    // Half a request line, then silence.
    client.write_all(b"GET / HT").await.unwrap();
    let mut buf = [0u8; 64];
    let n = client.read(&mut buf).await.unwrap();
    let waited = tulip::time::now() - start;
    // hyper answers 408 or just closes; either way the connection ends after exactly the timeout.
    assert!(
        n == 0 || buf.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        &buf[..n]
    );
    assert!(served.await.is_err());
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
}

#[tulip::test]
async fn serves_over_a_unix_socket() {
    let (server_side, client_side) = UnixStream::pair().unwrap();
    tulip::spawn(async move {
        let _ = http1::Builder::new()
            .serve_connection(
                TulipIo::new(server_side),
                tulip::hyper::hyper::service::service_fn(route),
            )
            .await;
    })
    .detach();
    let (mut sender, conn) = client_http1::handshake(TulipIo::new(client_side))
        .await
        .unwrap();
    tulip::spawn(async move {
        let _ = conn.await;
    })
    .detach();
    let req = Request::get("/")
        .header("host", "unix")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(
        &res.into_body().collect().await.unwrap().to_bytes()[..],
        b"hello"
    );
}

/// The examples end to end: `http_client` against `http_server`, then SIGTERM with an idle keep-alive
/// connection open: the server closes it and exits 0.
#[test]
fn examples_serve_fetch_and_shut_down_gracefully() {
    let server_bin = example_path_with_features("http_server", "hyper");
    let client_bin = example_path_with_features("http_client", "hyper");
    let mut server = Command::new(server_bin)
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("expected `listening on <addr>`, got {line:?}"));

    let get = Command::new(&client_bin)
        .arg(format!("http://{addr}/"))
        .output()
        .unwrap();
    assert!(get.status.success(), "{get:?}");
    assert_eq!(get.stdout, b"Hello, world!\n");
    let post = Command::new(&client_bin)
        .args(["--data", "tulip", &format!("http://{addr}/echo")])
        .output()
        .unwrap();
    assert!(post.status.success(), "{post:?}");
    assert_eq!(post.stdout, b"tulip");

    // One request on a raw keep-alive connection, which then sits idle.
    let mut idle = std::net::TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while !response.ends_with(b"Hello, world!\n") {
        let n = idle.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "closed early: {:?}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&buf[..n]);
    }

    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // The idle connection is closed by the server's graceful shutdown, not left to the grace period.
    assert_eq!(idle.read(&mut buf).unwrap(), 0);
    let exit = server.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut stderr = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("grace period over"), "{stderr}");
}
