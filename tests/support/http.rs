//! An in-process hyper server on tulip for the `hyper` feature's tests: `GET /` says hello,
//! `POST /echo` streams the body back, and every accepted connection is counted.

use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::rc::Rc;

use tulip::hyper::http_body_util::{combinators::BoxBody, BodyExt, Full};
use tulip::hyper::hyper::body::{Bytes, Incoming};
use tulip::hyper::hyper::server::conn::http1;
use tulip::hyper::hyper::{Method, Request, Response, StatusCode};
use tulip::hyper::{TulipIo, TulipTimer};
use tulip::net::TcpListener;

pub(crate) type Body = BoxBody<Bytes, tulip::hyper::hyper::Error>;

/// The test routes: `GET /` → "hello", `POST /echo` → the request body, anything else → 404.
pub(crate) async fn route(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(
            Full::new(Bytes::from_static(b"hello"))
                .map_err(|n: Infallible| match n {})
                .boxed(),
        ),
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => {
            let mut res = Response::new(
                Full::new(Bytes::new())
                    .map_err(|n: Infallible| match n {})
                    .boxed(),
            );
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    })
}

/// A server running on the current loop until the loop ends.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    accepted: Rc<Cell<usize>>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves every connection with [`route`], HTTP/1 keep-alive on.
    pub(crate) async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Rc::new(Cell::new(0));
        let count = accepted.clone();
        tulip::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                count.set(count.get() + 1);
                tulip::spawn(async move {
                    let _ = http1::Builder::new()
                        .timer(TulipTimer::new())
                        .keep_alive(true)
                        .serve_connection(
                            TulipIo::new(stream),
                            tulip::hyper::hyper::service::service_fn(route),
                        )
                        .await;
                })
                .detach();
            }
        })
        .detach();
        Server { addr, accepted }
    }

    /// How many connections the server has accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.accepted.get()
    }
}

/// `n` bytes of a repeating, position-dependent pattern (a shifted or dropped chunk shows up).
pub(crate) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}
