//! Needs `--features async-tungstenite`: WebSockets with async-tungstenite on tulip's TCP streams
//! (its futures-io integration, no adapter), 1 000 messages each way and the close handshake.
#![cfg(feature = "async-tungstenite")]

mod support;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::Message;
use futures_lite::StreamExt;
use tulip::net::{TcpListener, TcpStream};

/// What the server saw: the data messages it received and the close frame that ended them.
#[derive(Debug, Default)]
struct Seen {
    received: usize,
    close: Option<CloseFrame>,
}

/// Accepts one WebSocket connection and echoes data messages until the close handshake.
async fn serve_one(listener: TcpListener) -> Seen {
    let (stream, _) = listener.accept().await.unwrap();
    let mut ws = async_tungstenite::accept_async(stream).await.unwrap();
    let mut seen = Seen::default();
    while let Some(msg) = ws.next().await {
        match msg.unwrap() {
            Message::Close(frame) => seen.close = frame,
            msg @ (Message::Text(_) | Message::Binary(_)) => {
                seen.received += 1;
                ws.send(msg).await.unwrap();
            }
            _ => {}
        }
    }
    seen
}

#[tulip::test]
async fn a_thousand_messages_each_way_then_the_close_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tulip::spawn(serve_one(listener));

    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut ws, response) = async_tungstenite::client_async(format!("ws://{addr}/"), stream)
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    for i in 0..1000u32 {
        // Text and binary in turn, of growing sizes (up to ~64 KiB: several TCP reads per frame).
        let msg = if i % 2 == 0 {
            Message::text(format!("message {i}"))
        } else {
            Message::binary(vec![(i % 251) as u8; (i as usize) * 64])
        };
        ws.send(msg.clone()).await.unwrap();
        let echoed = ws.next().await.unwrap().unwrap();
        assert_eq!(echoed, msg, "message {i}");
    }

    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "done".into(),
    }))
    .await
    .unwrap();
    // The server's answering close frame ends the client's stream without an error.
    while let Some(msg) = ws.next().await {
        let msg = msg.unwrap();
        assert!(msg.is_close(), "{msg:?}");
    }

    let seen = server.await;
    assert_eq!(seen.received, 1000);
    let close = seen.close.expect("the server received a close frame");
    assert_eq!(close.code, CloseCode::Normal);
    assert_eq!(close.reason.as_str(), "done");
}

#[test]
fn websocket_echo_example_checks_itself() {
    let bin = support::example::example_path_with_features("websocket_echo", "async-tungstenite");
    let out = std::process::Command::new(bin)
        .args(["127.0.0.1:0", "--check"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("listening on 127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("echoed: one\necho"), "{stdout}");
    assert!(stdout.contains("echoed: three\nclosed"), "{stdout}");
}
