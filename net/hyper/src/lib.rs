//! hyper 1.x on tulip: the runtime pieces hyper leaves to its user, implemented on tulip's loop.
//!
//! **asyncio:** none in the standard library; the role `aiohttp` plays on asyncio (an HTTP client and
//! server on the loop's sockets).
//!
//! - [`TulipExecutor`]: hyper's `Executor`, spawning detached tasks on the running loop.
//! - [`TulipTimer`]: hyper's `Timer` on the loop's timer wheel and clock, the paused one included, so
//!   hyper's timeouts (header read, keep-alive, pool idle) follow `start_paused` tests.
//! - [`TulipIo`]: hyper's `Read`/`Write` over [`TcpStream`](tulip_net::TcpStream) and
//!   [`UnixStream`](tulip_net::UnixStream); reads go straight into hyper's spare buffer capacity, which
//!   is never zeroed first.
//! - [`TulipConnector`]: the connector hyper-util's pooled client (`client::legacy::Client`) needs.
//!
//! Only HTTP/1 is wired: HTTP/2 (the `h2` crate) brings tokio's I/O traits with it.
//!
//! # Implementation
//!
//! The only `unsafe` is in [`io`](TulipIo): hyper's read cursor hands out its uninitialised capacity
//! through `unsafe` methods; the socket read that fills it is socket2's `recv`, safe code in tulip-net.
//!
//! # Examples
//!
//! A server that answers one request, and a pooled client asking it (the `http_server` and
//! `http_client` examples are the full versions):
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//! use hyper_util::client::legacy::Client;
//! use tulip_hyper::{TulipConnector, TulipExecutor, TulipIo, TulipTimer};
//!
//! # tulip_core::run(async {
//! let listener = tulip_net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tulip_core::spawn(async move {
//!     let (stream, _) = listener.accept().await.unwrap();
//!     let service = hyper::service::service_fn(|_req| async {
//!         Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from("hello"))))
//!     });
//!     hyper::server::conn::http1::Builder::new()
//!         .timer(TulipTimer::new())
//!         .serve_connection(TulipIo::new(stream), service)
//!         .await
//!         .unwrap();
//! })
//! .detach();
//!
//! let client = Client::builder(TulipExecutor::new())
//!     .timer(TulipTimer::new())
//!     .build::<_, Empty<Bytes>>(TulipConnector::new());
//! let res = client.get(format!("http://{addr}/").parse()?).await?;
//! assert_eq!(res.status(), 200);
//! let body = res.into_body().collect().await?.to_bytes();
//! assert_eq!(&body[..], b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![deny(unsafe_code)]

mod connector;
mod executor;
mod io;
mod timer;

pub use connector::{ConnectError, Connecting, TulipConnector};
pub use executor::TulipExecutor;
pub use io::{ReadUninit, TulipIo};
pub use timer::{TulipSleep, TulipTimer};

pub use http_body_util;
pub use hyper;
pub use hyper_util;
pub use tower_service;
