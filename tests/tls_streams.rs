//! Needs `--features tls,rcgen`: TLS with rustls on tulip: `open_connection`/`start_server` with a TLS
//! config, `start_tls`, certificate verification both ways, a wrong host name, a clean close.
#![cfg(all(feature = "tls", feature = "rcgen"))]

mod support;

use std::cell::Cell;
use std::io::ErrorKind;
use std::rc::Rc;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use support::tls::Pki;
use tulip::net::{TcpListener, TcpStream};
use tulip::tls::{open_connection, start_server, start_tls_client, start_tls_server};

/// A TLS echo server: each line comes back until the client closes.
async fn echo_server(
    config: std::sync::Arc<tulip::tls::rustls::ServerConfig>,
) -> tulip::net::Server {
    start_server("127.0.0.1:0", config, |mut reader, writer| async move {
        loop {
            let line = reader.readline().await?;
            if line.is_empty() {
                break;
            }
            writer.write(&line)?;
            writer.drain().await?;
        }
        writer.close();
        writer.wait_closed().await
    })
    .await
    .unwrap()
}

#[tulip::test]
async fn client_verifies_the_server_and_lines_echo() {
    let pki = Pki::new();
    let server = echo_server(pki.server()).await;
    let (mut reader, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    for i in 0..100 {
        writer.write(format!("line {i}\n").as_bytes()).unwrap();
        writer.drain().await.unwrap();
        assert_eq!(
            reader.readline().await.unwrap(),
            format!("line {i}\n").as_bytes()
        );
    }
    writer.close();
    writer.wait_closed().await.unwrap();
    // The server saw a clean end and closed in turn.
    assert_eq!(reader.read_to_end().await.unwrap(), b"");
    assert!(reader.at_eof());
}

#[tulip::test]
async fn large_writes_arrive_whole() {
    let pki = Pki::new();
    let server = echo_server(pki.server()).await;
    let (mut reader, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    let mut line: Vec<u8> = (0..60_000).map(|i| b'a' + (i % 26) as u8).collect();
    line.push(b'\n');
    writer.write(&line).unwrap();
    writer.drain().await.unwrap();
    assert_eq!(reader.readexactly(line.len()).await.unwrap(), line);
}

#[tulip::test]
async fn a_wrong_host_name_is_refused() {
    let pki = Pki::new();
    let server = echo_server(pki.server()).await;
    let err = open_connection(server.local_addrs()[0], pki.client(), "example.com")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tulip::test]
async fn an_untrusted_server_is_refused() {
    let pki = Pki::new();
    let other = Pki::new();
    let server = echo_server(pki.server()).await;
    // Trusts another CA only.
    let err = open_connection(server.local_addrs()[0], other.client(), "localhost")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
}

#[tulip::test]
async fn an_invalid_server_hostname_is_invalid_input() {
    let pki = Pki::new();
    let server = echo_server(pki.server()).await;
    let err = open_connection(server.local_addrs()[0], pki.client(), "not a host name!")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[tulip::test]
async fn server_verifies_client_certificates() {
    let pki = Pki::new();
    let served = Rc::new(Cell::new(0));
    let count = served.clone();
    let server = start_server(
        "127.0.0.1:0",
        pki.server_requiring_client_cert(),
        move |mut reader, writer| {
            count.set(count.get() + 1);
            async move {
                let line = reader.readline().await?;
                writer.write(&line)?;
                writer.drain().await
            }
        },
    )
    .await
    .unwrap();

    // With a certificate signed by the CA: served.
    let (mut reader, writer) =
        open_connection(server.local_addrs()[0], pki.client_with_cert(), "localhost")
            .await
            .unwrap();
    writer.write(b"authenticated\n").unwrap();
    writer.drain().await.unwrap();
    assert_eq!(reader.readline().await.unwrap(), b"authenticated\n");
    assert_eq!(served.get(), 1);

    // Without one: the server refuses (in TLS 1.3 the client learns it on its first read).
    let refused = async {
        let (mut reader, writer) =
            open_connection(server.local_addrs()[0], pki.client(), "localhost").await?;
        writer.write(b"anonymous\n")?;
        writer.drain().await?;
        reader.read(100).await
    };
    match refused.await {
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}"),
        Ok(data) => assert!(data.is_empty(), "server answered {data:?}"),
    }
    assert_eq!(served.get(), 1);
}

#[tulip::test]
async fn close_sends_close_notify() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server();
    let server = tulip::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut tls = start_tls_server(stream, config).await.unwrap();
        let mut all = Vec::new();
        // A truncated stream (TCP FIN without close_notify) would be an UnexpectedEof error here.
        tls.read_to_end(&mut all).await.map(|_| all)
    });
    let (_reader, writer) = open_connection(addr, pki.client(), "localhost")
        .await
        .unwrap();
    writer.write(b"bye").unwrap();
    writer.close();
    assert!(writer.is_closing());
    assert_eq!(
        writer.write(b"late").unwrap_err().kind(),
        ErrorKind::NotConnected
    );
    writer.wait_closed().await.unwrap();
    assert_eq!(server.await.unwrap(), b"bye");
}

#[tulip::test]
async fn start_tls_upgrades_a_plain_connection() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server();
    let server = tulip::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut word = [0u8; 9];
        stream.read_exact(&mut word).await.unwrap();
        assert_eq!(&word, b"STARTTLS\n");
        stream.write_all(b"GO\n").await.unwrap();
        let mut tls = start_tls_server(stream, config).await.unwrap();
        let mut buf = [0u8; 6];
        tls.read_exact(&mut buf).await.unwrap();
        tls.write_all(&buf).await.unwrap();
        tls.close().await.unwrap();
    });
    // SMTP-style: a plain exchange, then TLS on the same connection.
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"STARTTLS\n").await.unwrap();
    let mut go = [0u8; 3];
    stream.read_exact(&mut go).await.unwrap();
    assert_eq!(&go, b"GO\n");
    let mut tls = start_tls_client(stream, pki.client(), "localhost")
        .await
        .unwrap();
    tls.write_all(b"secret").await.unwrap();
    tls.flush().await.unwrap();
    let mut back = Vec::new();
    tls.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, b"secret");
    server.await;
}

#[tulip::test]
async fn write_eof_is_refused() {
    let pki = Pki::new();
    let server = echo_server(pki.server()).await;
    let (_r, writer) = open_connection(server.local_addrs()[0], pki.client(), "localhost")
        .await
        .unwrap();
    assert!(!writer.can_write_eof());
    assert_eq!(
        writer.write_eof().unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[test]
fn tls_echo_example_verifies_itself_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let bin = support::example::example_path_with_features("tls_echo", "tls,rcgen");
    let out = Command::new(&bin)
        .args(["127.0.0.1:0", "--check"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("listening on 127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("echoed: hello over TLS"), "{stdout}");

    let mut child = Command::new(&bin)
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on "), "{line}");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(child.wait().unwrap().success());
}
