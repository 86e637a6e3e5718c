//! An HTTP/1 server on hyper and tulip: `GET /` answers "Hello, world!", `POST /echo` streams the
//! request body back. Connections are kept alive between requests.
//!
//! asyncio equivalent (with aiohttp):
//!
//! ```python
//! async def hello(request):
//!     return web.Response(text="Hello, world!\n")
//!
//! async def echo(request):
//!     return web.Response(body=await request.read())
//!
//! app = web.Application()
//! app.add_routes([web.get("/", hello), web.post("/echo", echo)])
//! web.run_app(app, host="127.0.0.1", port=8080)
//! ```
//!
//! Usage: `cargo run --release --features hyper --example http_server -- [ADDR]` (default
//! `127.0.0.1:8080`; port 0 picks a free port), then `curl http://127.0.0.1:8080/` or
//! `curl --data-binary @file http://127.0.0.1:8080/echo`. Prints `listening on <ip:port>` once bound.
//! On SIGINT or SIGTERM it stops accepting, lets each connection finish the request in flight (hyper's
//! graceful shutdown closes an idle keep-alive connection at once), waits up to 5 s, and exits 0.

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::io::{self, Write};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use tulip::hyper::http_body_util::{combinators::BoxBody, BodyExt, Full};
use tulip::hyper::hyper::body::{Bytes, Incoming};
use tulip::hyper::hyper::server::conn::http1;
use tulip::hyper::hyper::{Method, Request, Response, StatusCode};
use tulip::hyper::{TulipIo, TulipTimer};
use tulip::net::{TcpListener, TcpStream};
use tulip::sync::Event;
use tulip::Task;

/// How long open connections may take to finish once shutdown is requested.
const GRACE: Duration = Duration::from_secs(5);

type Body = BoxBody<Bytes, tulip::hyper::hyper::Error>;

fn full(text: &'static str) -> Body {
    Full::new(Bytes::from_static(text.as_bytes()))
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// The routes: hello world, a streaming echo of the body, 404 for the rest.
async fn route(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let res = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(full("Hello, world!\n")),
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => {
            let mut res = Response::new(full("not found\n"));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    };
    Ok(res)
}

/// Serves one connection until the client closes it, or, once `stopping` is set, until the request in
/// flight is answered.
async fn serve(stream: TcpStream, stopping: Rc<Event>) {
    let conn = http1::Builder::new()
        .timer(TulipTimer::new())
        .keep_alive(true)
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(
            TulipIo::new(stream),
            tulip::hyper::hyper::service::service_fn(route),
        );
    let mut conn = pin!(conn);
    let mut stop = pin!(stopping.wait());
    let mut asked_to_stop = false;
    let res = poll_fn(|cx| {
        if !asked_to_stop && stop.as_mut().poll(cx).is_ready() {
            asked_to_stop = true;
            conn.as_mut().graceful_shutdown();
        }
        conn.as_mut().poll(cx)
    })
    .await;
    if let Err(e) = res {
        if !e.is_incomplete_message() {
            eprintln!("http_server: connection error: {e}");
        }
    }
}

#[tulip::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    // From here on SIGINT/SIGTERM request a graceful stop instead of killing the process.
    let mut signal = tulip::signal::shutdown_signal();
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let stopping = Rc::new(Event::new());
    let mut conns: Vec<Task<()>> = Vec::new();
    let signum = loop {
        let mut accept = listener.accept();
        let next = poll_fn(|cx| match Pin::new(&mut signal).poll(cx) {
            Poll::Ready(sig) => Poll::Ready(Err(sig)),
            Poll::Pending => Pin::new(&mut accept).poll(cx).map(Ok),
        });
        match next.await {
            Ok(Ok((stream, _peer))) => {
                let _ = stream.set_nodelay(true);
                conns.retain(|t| !t.is_finished());
                conns.push(tulip::spawn(serve(stream, stopping.clone())));
            }
            // EMFILE and friends: report, back off briefly, keep serving.
            Ok(Err(e)) => {
                eprintln!("http_server: accept failed: {e}");
                tulip::time::sleep(Duration::from_millis(10)).await;
            }
            Err(sig) => break sig?,
        }
    };
    drop(listener); // stop accepting
    stopping.set();
    conns.retain(|t| !t.is_finished());
    eprintln!(
        "http_server: signal {signum}: closing {} connection(s)",
        conns.len()
    );
    let drained = tulip::time::timeout(GRACE, async {
        for conn in conns {
            conn.await;
        }
    });
    if drained.await.is_err() {
        eprintln!("http_server: grace period over, closing the remaining connections");
    }
    Ok(())
}
