//! An HTTP/1 client on hyper-util's pooled client and tulip: fetches a URL, prints the status line and
//! headers to stderr and the body to stdout. With `--data TEXT` it POSTs `TEXT` instead.
//!
//! asyncio equivalent (with aiohttp):
//!
//! ```python
//! async with aiohttp.ClientSession() as session:
//!     async with session.get(url) as res:
//!         print(res.status, res.headers, file=sys.stderr)
//!         sys.stdout.buffer.write(await res.read())
//! ```
//!
//! Usage: `cargo run --features hyper --example http_client -- http://127.0.0.1:8080/` (start
//! `http_server` first), or `... -- --data hello http://127.0.0.1:8080/echo`. Exits 1 on an error or a
//! status other than 2xx.

use std::io::Write;
use std::process::ExitCode;

use tulip::hyper::http_body_util::{BodyExt, Full};
use tulip::hyper::hyper::body::Bytes;
use tulip::hyper::hyper::{Method, Request, Uri};
use tulip::hyper::hyper_util::client::legacy::Client;
use tulip::hyper::{TulipConnector, TulipExecutor, TulipTimer};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fetch(uri: Uri, data: Option<String>) -> Result<bool, Error> {
    let client = Client::builder(TulipExecutor::new())
        .timer(TulipTimer::new())
        .build::<_, Full<Bytes>>(TulipConnector::new());
    let (method, body) = match data {
        Some(text) => (Method::POST, Bytes::from(text)),
        None => (Method::GET, Bytes::new()),
    };
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Full::new(body))?;
    let res = client.request(req).await?;
    eprintln!("{:?} {}", res.version(), res.status());
    for (name, value) in res.headers() {
        eprintln!("{name}: {}", value.to_str().unwrap_or("<binary>"));
    }
    let ok = res.status().is_success();
    let mut body = res.into_body();
    let mut out = std::io::stdout().lock();
    // Streamed frame by frame: a large body is never held whole.
    while let Some(frame) = body.frame().await {
        if let Some(chunk) = frame?.data_ref() {
            out.write_all(chunk)?;
        }
    }
    out.flush()?;
    Ok(ok)
}

#[tulip::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut data = None;
    let mut url = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" | "-d" => data = args.next(),
            _ => url = Some(arg),
        }
    }
    let Some(url) = url else {
        eprintln!("usage: http_client [--data TEXT] URL");
        return ExitCode::FAILURE;
    };
    let uri: Uri = match url.parse() {
        Ok(u) => u,
        Err(e) => {
            eprintln!("http_client: bad URL {url:?}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match fetch(uri, data).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("http_client: {e}");
            ExitCode::FAILURE
        }
    }
}
