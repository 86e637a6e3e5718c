//! In-process networking set-up for the `tcp_*`, `udp_*` and `unix_*` tests.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tulip::net::{TcpListener, TcpStream};

/// How long one in-process networking test may run before it fails instead of hanging.
pub(crate) const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `future` on a fresh loop (debug mode off), failing the test if it takes longer than
/// [`TEST_TIMEOUT`].
#[track_caller]
pub(crate) fn run<F: Future>(future: F) -> F::Output {
    super::real_loop()
        .block_on(async move { tulip::time::timeout(TEST_TIMEOUT, future).await })
        .unwrap_or_else(|_| panic!("test did not finish within {TEST_TIMEOUT:?}"))
}

/// A listener on `127.0.0.1:0`, a client connected to it and the accepted server side:
/// `(listener, client, server)`.
pub(crate) async fn tcp_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .expect("connect");
    let (server, peer) = listener.accept().await.expect("accept");
    assert_eq!(peer, client.local_addr().unwrap());
    (listener, client, server)
}

/// A fresh temporary directory for socket files, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tulip-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating a temporary directory");
        TempDir(dir)
    }

    /// A path inside the directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
