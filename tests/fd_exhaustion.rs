//! Linux only. Out of file descriptors (`EMFILE`, `RLIMIT_NOFILE` lowered with `setrlimit` in a child
//! process): every operation that needs a new descriptor fails with the OS error, nothing panics, no
//! data is lost, the loop keeps running, and each operation works again once descriptors are free.
//! asyncio raises `OSError(EMFILE)` from the same calls (`Too many open files`).
//!
//! Each scenario runs in a child process (this test binary, re-run with `TULIP_TEST_CHILD` set) so
//! the lowered limit does not reach the other tests.
#![cfg(target_os = "linux")]

mod support;

use std::fs::File;
use std::io;

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

use support::child::isolated;

/// Lowers the soft descriptor limit to 256 (plenty for the set-up) for this process.
fn lower_limit() {
    let hard = getrlimit(Resource::Nofile).maximum;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(256),
            maximum: hard,
        },
    )
    .expect("setrlimit");
}

/// Opens `/dev/null` until the process is out of descriptors; returns what it opened.
fn exhaust() -> Vec<File> {
    let mut held = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => held.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc_emfile()), "{e}");
                return held;
            }
        }
    }
}

fn libc_emfile() -> i32 {
    24
}

fn is_emfile(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc_emfile())
}

#[test]
fn loop_new_out_of_descriptors_is_an_error() {
    isolated("loop_new_out_of_descriptors_is_an_error", || {
        lower_limit();
        let mut held = exhaust();
        let err = tulip::Loop::new().expect_err("a loop without descriptors");
        assert!(is_emfile(&err), "{err}");
        held.truncate(held.len().saturating_sub(8));
        let lp = tulip::Loop::new().expect("a loop once descriptors are free");
        assert_eq!(lp.block_on(async { 1 }), 1);
    });
}

/// Inside a running loop: connect, bind, UDP, Unix sockets, files, subprocesses and the blocking pool
/// all fail cleanly, the loop's timers and tasks go on, and each works again after descriptors free up.
#[test]
fn operations_out_of_descriptors_fail_cleanly_and_recover() {
    isolated(
        "operations_out_of_descriptors_fail_cleanly_and_recover",
        || {
            lower_limit();
            let lp = support::paused_loop();
            lp.block_on(async {
                let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let mut held = exhaust();

                let e = tulip::net::TcpStream::connect(addr).await.unwrap_err();
                assert!(is_emfile(&e), "connect: {e}");
                let e = tulip::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .unwrap_err();
                assert!(is_emfile(&e), "bind: {e}");
                let e = tulip::net::UdpSocket::bind("127.0.0.1:0")
                    .await
                    .unwrap_err();
                assert!(is_emfile(&e), "udp: {e}");
                let e = tulip::net::open_connection(addr).await.unwrap_err();
                assert!(is_emfile(&e), "open_connection: {e}");
                let e = tulip::fs::File::open("/dev/null").await.unwrap_err();
                assert!(is_emfile(&e), "fs: {e}");
                let e = tulip::process::Command::new("true")
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap_err();
                assert!(is_emfile(&e), "spawn: {e}");
                // Timers and tasks need no descriptor.
                tulip::time::sleep(std::time::Duration::from_secs(5)).await;
                assert_eq!(tulip::spawn(async { 2 }).await, 2);
                assert_eq!(tulip::spawn_blocking(|| 3).await, 3);

                held.truncate(held.len().saturating_sub(16));
                let c = tulip::net::TcpStream::connect(addr).await.unwrap();
                let (s, _) = listener.accept().await.unwrap();
                c.write_all(b"back").await.unwrap();
                let mut buf = [0u8; 4];
                s.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"back");
                let out = tulip::process::Command::new("echo")
                    .arg("ok")
                    .output()
                    .await
                    .unwrap();
                assert_eq!(out.stdout, b"ok\n");
                drop(held);
            });
        },
    );
}

/// A `start_server` handler that opens a descriptor per connection: out of them, the handler's own
/// open fails (its error), the server and the connection the handler already had are unaffected.
#[test]
fn stream_server_accept_out_of_descriptors_recovers() {
    isolated("stream_server_accept_out_of_descriptors_recovers", || {
        lower_limit();
        let lp = support::real_loop();
        lp.block_on(async {
            let server = tulip::net::start_server(
                "127.0.0.1:0",
                |mut r: tulip::net::StreamReader, w: tulip::net::StreamWriter| async move {
                    let line = r.readline().await?;
                    w.write(&line)?;
                    w.drain().await?;
                    w.close();
                    io::Result::Ok(())
                },
            )
            .await
            .unwrap();
            let addr = server.local_addrs()[0];
            // Connect with std sockets made before the descriptors run out.
            let early: Vec<std::net::TcpStream> = (0..4)
                .map(|_| std::net::TcpStream::connect(addr).unwrap())
                .collect();
            let held = exhaust();
            // The server cannot accept now; it retries. Free descriptors, and it serves the queue.
            tulip::time::sleep(std::time::Duration::from_millis(50)).await;
            drop(held);
            for c in early {
                let line = tulip::spawn_blocking(move || {
                    use std::io::{BufRead, Write};
                    let mut c = c;
                    c.write_all(b"ping\n")?;
                    let mut r = io::BufReader::new(c);
                    let mut line = String::new();
                    r.read_line(&mut line)?;
                    io::Result::Ok(line)
                })
                .await
                .unwrap();
                assert_eq!(line, "ping\n");
            }
            server.close();
        });
    });
}
