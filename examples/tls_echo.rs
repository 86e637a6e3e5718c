//! A TLS echo server in stream style, with a certificate made at start, and a client that checks it.
//!
//! asyncio equivalent:
//!
//! ```python
//! async def handle(reader, writer):
//!     while line := await reader.readline():
//!         writer.write(line)
//!         await writer.drain()
//!     writer.close()
//!
//! ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
//! ctx.load_cert_chain("cert.pem", "key.pem")
//! server = await asyncio.start_server(handle, "127.0.0.1", 8443, ssl=ctx)
//! ```
//!
//! Usage: `cargo run --features tls,rcgen --example tls_echo -- [ADDR]` (default `127.0.0.1:8443`;
//! port 0 picks a free port). It makes a self-signed certificate for `localhost` (rcgen), writes it to
//! `tls_echo_cert.pem` in the temporary directory, prints `listening on <ip:port>`, and serves until
//! SIGINT or SIGTERM. Try it with
//! `openssl s_client -connect 127.0.0.1:8443 -servername localhost -CAfile /tmp/tls_echo_cert.pem`.
//! With `--check`, it also connects to itself once, verifying the certificate, echoes a line, and
//! exits.

use std::io::{self, Write};
use std::sync::Arc;

use tulip::tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tulip::tls::rustls::{ClientConfig, RootCertStore, ServerConfig};

type Error = Box<dyn std::error::Error>;

/// The server's and the client's configuration, and the certificate in PEM.
type Configs = (Arc<ServerConfig>, Arc<ClientConfig>, String);

/// A self-signed certificate for `localhost`, and the server and client configurations using it.
fn configs() -> Result<Configs, Error> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let der: CertificateDer<'static> = cert.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)?;
    let mut roots = RootCertStore::empty();
    roots.add(der)?;
    let client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((Arc::new(server), Arc::new(client), cert.cert.pem()))
}

#[tulip::main]
async fn main() -> Result<(), Error> {
    let mut addr = "127.0.0.1:8443".to_owned();
    let mut check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            _ => addr = arg,
        }
    }
    let (server_config, client_config, pem) = configs()?;
    let pem_path = std::env::temp_dir().join("tls_echo_cert.pem");
    std::fs::write(&pem_path, pem)?;

    let stop = tulip::signal::shutdown_signal();
    let server = tulip::tls::start_server(
        addr.as_str(),
        server_config,
        |mut reader, writer| async move {
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
        },
    )
    .await?;
    println!("listening on {}", server.local_addrs()[0]);
    io::stdout().flush()?;
    eprintln!("tls_echo: certificate in {}", pem_path.display());

    if check {
        let (mut reader, writer) =
            tulip::tls::open_connection(server.local_addrs()[0], client_config, "localhost")
                .await?;
        writer.write(b"hello over TLS\n")?;
        writer.drain().await?;
        let line = reader.readline().await?;
        println!("echoed: {}", String::from_utf8_lossy(&line).trim_end());
        writer.close();
        writer.wait_closed().await?;
        return Ok(());
    }

    let signum = stop.await?;
    eprintln!("tls_echo: signal {signum}: closing");
    server.close();
    Ok(())
}
