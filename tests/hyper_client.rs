//! Needs `--features hyper`: hyper-util's pooled client on tulip (`TulipConnector`, `TulipExecutor`,
//! `TulipTimer`) against an in-process hyper server.
#![cfg(feature = "hyper")]

mod support;

use std::time::Duration;

use support::http::{pattern, Server};
use tulip::hyper::http_body_util::{BodyExt, Empty, Full};
use tulip::hyper::hyper::body::Bytes;
use tulip::hyper::hyper::{Request, Uri};
use tulip::hyper::hyper_util::client::legacy::Client;
use tulip::hyper::{TulipConnector, TulipExecutor, TulipTimer};

fn client<B>() -> Client<TulipConnector, B>
where
    B: tulip::hyper::hyper::body::Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    Client::builder(TulipExecutor::new())
        .timer(TulipTimer::new())
        .build(TulipConnector::new())
}

fn uri(server: &Server, path: &str) -> Uri {
    format!("http://{}{path}", server.addr).parse().unwrap()
}

#[tulip::test]
async fn get_returns_status_and_body() {
    let server = Server::start().await;
    let res = client::<Empty<Bytes>>()
        .get(uri(&server, "/"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"hello");

    let res = client::<Empty<Bytes>>()
        .get(uri(&server, "/missing"))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tulip::test]
async fn post_echoes_one_mebibyte() {
    let server = Server::start().await;
    let data = pattern(1 << 20);
    let req = Request::post(uri(&server, "/echo"))
        .body(Full::new(Bytes::from(data.clone())))
        .unwrap();
    let res = client().request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), data.len());
    assert!(body[..] == data[..], "echoed body differs");
}

#[tulip::test]
async fn keep_alive_reuses_one_connection_for_100_requests() {
    let server = Server::start().await;
    let client = client::<Full<Bytes>>();
    for i in 0..100u32 {
        let req = Request::post(uri(&server, "/echo"))
            .body(Full::new(Bytes::from(i.to_string())))
            .unwrap();
        let res = client.request(req).await.unwrap();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, i.to_string().as_bytes());
    }
    assert_eq!(server.accepted(), 1);
}

#[tulip::test(start_paused = true)]
async fn idle_pooled_connection_expires_on_the_loop_clock() {
    let server = Server::start().await;
    let client = Client::builder(TulipExecutor::new())
        .timer(TulipTimer::new())
        .pool_timer(TulipTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build::<_, Empty<Bytes>>(TulipConnector::new());
    let get = || async {
        let res = client.get(uri(&server, "/")).await.unwrap();
        res.into_body().collect().await.unwrap();
    };
    get().await;
    // Idle for less than the timeout: the pooled connection is reused.
    tulip::time::sleep(Duration::from_secs(20)).await;
    get().await;
    assert_eq!(server.accepted(), 1);
    // Idle for longer (on the paused clock: no wall time passes): a new connection is opened.
    tulip::time::sleep(Duration::from_secs(31)).await;
    get().await;
    assert_eq!(server.accepted(), 2);
}

#[tulip::test]
async fn https_is_refused_with_a_typed_error() {
    use tulip::hyper::tower_service::Service as _;
    let mut connector = TulipConnector::new();
    let err = connector
        .call("https://127.0.0.1/".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_unsupported_scheme(), "{err}");
    // Through the client it surfaces as a connect error.
    let err = client::<Empty<Bytes>>()
        .get("https://127.0.0.1/".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
}

#[tulip::test]
async fn connection_refused_is_a_connect_error() {
    // Bind then drop: nobody listens on the port any more.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut connector = TulipConnector::new();
    use tulip::hyper::tower_service::Service as _;
    let err = connector
        .call(format!("http://{addr}/").parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.io_error().map(|e| e.kind()),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
}
