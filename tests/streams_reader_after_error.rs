//! A `StreamReader` whose connection failed (the peer reset it) keeps failing: every later read
//! reports the error again, never a clean EOF, so a caller that goes on reading after an error cannot
//! take a cut-off stream for a complete one. The bytes that arrived before the error are not lost.

mod support;

use std::io::ErrorKind;
use std::time::Duration;

use support::net::run;
use tulip::net::{open_connection, StreamReader, TcpListener, TcpStream};

/// Resets `stream` (RST instead of FIN) by closing it with a zero linger.
fn reset(stream: TcpStream) {
    socket2::SockRef::from(stream.get_ref())
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

/// A reader whose peer sent `data` and then reset the connection, with `data` minus its first byte
/// in the reader's buffer (one read took it all in and handed the first byte out; an empty `data`
/// leaves it empty). Loopback delivers the bytes and then the RST before this returns.
async fn reader_of_a_reset_peer(data: &[u8]) -> StreamReader {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut reader, _writer) = open_connection(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (peer, _) = listener.accept().await.unwrap();
    if !data.is_empty() {
        peer.write_all(data).await.unwrap();
        assert_eq!(reader.readexactly(1).await.unwrap(), data[..1]);
    }
    reset(peer);
    reader
}

fn is_reset(kind: ErrorKind) -> bool {
    kind == ErrorKind::ConnectionReset
}

/// ```python
/// # the peer resets the connection (SO_LINGER 0, close) before sending a whole line
/// await reader.readline()    # ConnectionResetError
/// await reader.read(100)     # ConnectionResetError again (StreamReader._exception is kept)
/// await reader.read()        # ConnectionResetError again
/// reader.at_eof()            # False
/// ```
///
/// asyncio 3.11 raises the stored exception from every later read. Here the first read that reaches
/// the socket reports the reset; the later ones report it again rather than `Ok(vec![])`, and
/// `at_eof()` stays false.
#[test]
fn every_read_after_a_reset_fails_again() {
    run(async {
        let mut reader = reader_of_a_reset_peer(b"").await;
        let first = reader.readline().await.unwrap_err();
        assert!(first.is_io() && is_reset(first.kind()), "{first:?}");
        let again = reader.read(100).await.unwrap_err();
        assert!(is_reset(again.kind()), "read after the reset: {again:?}");
        let to_end = reader.read_to_end().await.unwrap_err();
        assert!(
            is_reset(to_end.kind()),
            "read_to_end after the reset: {to_end:?}"
        );
        let line = reader.readline().await.unwrap_err();
        assert!(line.is_io() && is_reset(line.kind()), "{line:?}");
        let exact = reader.readexactly(1).await.unwrap_err();
        assert!(exact.is_io() && is_reset(exact.kind()), "{exact:?}");
        let until = reader.readuntil(b";").await.unwrap_err();
        assert!(until.is_io() && is_reset(until.kind()), "{until:?}");
        assert!(!reader.at_eof());
    });
}

/// The bytes that arrived before the reset stay readable (asyncio drops them; here nothing is lost),
/// and after them comes the error again, not EOF: `read_to_end` never returns a cut-off stream.
#[test]
fn bytes_before_a_reset_are_kept_and_then_the_error_comes_back() {
    run(async {
        let mut reader = reader_of_a_reset_peer(b"partial line").await;
        let err = reader.readline().await.unwrap_err();
        assert!(err.is_io() && is_reset(err.kind()), "{err:?}");
        assert_eq!(reader.read(100).await.unwrap(), b"artial line");
        let after = reader.read(100).await.unwrap_err();
        assert!(is_reset(after.kind()), "after the kept bytes: {after:?}");
        let to_end = reader.read_to_end().await.unwrap_err();
        assert!(is_reset(to_end.kind()), "read_to_end: {to_end:?}");
        assert!(!reader.at_eof());
    });
}
