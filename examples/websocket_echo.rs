//! A WebSocket echo server: async-tungstenite (futures-io flavour) on tulip's `TcpStream`, unchanged:
//! tulip's sockets implement `futures_io::AsyncRead`/`AsyncWrite`, which is all it needs.
//!
//! asyncio equivalent (with the `websockets` package):
//!
//! ```python
//! async def echo(ws):
//!     async for message in ws:
//!         await ws.send(message)
//!
//! async with websockets.serve(echo, "127.0.0.1", 8765):
//!     await asyncio.Future()
//! ```
//!
//! Usage: `cargo run --features async-tungstenite --example websocket_echo -- [ADDR] [--check]`
//! (default `127.0.0.1:8765`; port 0 picks a free port). Prints `listening on <ip:port>`, then echoes
//! text and binary messages until SIGINT or SIGTERM. With `--check` it also connects to itself,
//! sends three messages, prints the echoes, closes with the close handshake and exits.

use std::io::{self, Write};

use async_tungstenite::tungstenite::{Error as WsError, Message};
use futures_lite::StreamExt;
use tulip::net::{TcpListener, TcpStream};

/// Echoes every data message until the client closes; the close handshake is answered by tungstenite.
async fn echo(stream: TcpStream) -> Result<(), WsError> {
    let mut ws = async_tungstenite::accept_async(stream).await?;
    while let Some(msg) = ws.next().await {
        let msg = msg?;
        if msg.is_text() || msg.is_binary() {
            ws.send(msg).await?;
        }
    }
    Ok(())
}

async fn check(addr: std::net::SocketAddr) -> Result<(), WsError> {
    let stream = TcpStream::connect(addr).await?;
    let (mut ws, _response) =
        async_tungstenite::client_async(format!("ws://{addr}/"), stream).await?;
    for text in ["one", "two", "three"] {
        ws.send(Message::text(text)).await?;
        if let Some(reply) = ws.next().await {
            println!("echoed: {}", reply?.to_text()?);
        }
    }
    ws.close(None).await?;
    // Drain until the server's close frame has been read: the handshake is complete.
    while ws.next().await.transpose()?.is_some() {}
    println!("closed");
    Ok(())
}

#[tulip::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = "127.0.0.1:8765".to_owned();
    let mut self_check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => self_check = true,
            _ => addr = arg,
        }
    }
    let stop = tulip::signal::shutdown_signal();
    let listener = TcpListener::bind(addr.as_str()).await?;
    let local = listener.local_addr()?;
    println!("listening on {local}");
    io::stdout().flush()?;
    let server = tulip::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tulip::spawn(async move {
                        if let Err(e) = echo(stream).await {
                            eprintln!("websocket_echo: connection error: {e}");
                        }
                    })
                    .detach();
                }
                Err(e) => {
                    eprintln!("websocket_echo: accept failed: {e}");
                    tulip::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    });
    if self_check {
        check(local).await?;
    } else {
        let signum = stop.await?;
        eprintln!("websocket_echo: signal {signum}: closing");
    }
    drop(server);
    Ok(())
}
