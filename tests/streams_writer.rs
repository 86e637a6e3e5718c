//! `StreamWriter`: `write` never blocks, `drain` applies backpressure at the water marks, `write_eof`
//! half-closes, `close` + `wait_closed` flush then shut down, and writes after close are errors; plus
//! `start_server` around them.

mod support;

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use tulip::net::{open_connection, start_server, TcpListener};

use support::net::run;

/// ```python
/// # the peer does not read
/// for _ in range(1000):
///     writer.write(b"x" * 65536)
///     await writer.drain()      # blocks once the buffer is above the high-water mark
/// # the peer starts reading: drain returns once the buffer is down to the low-water mark
/// ```
#[test]
fn drain_blocks_above_the_high_mark_until_the_low_mark() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (_r, writer) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut written = 0usize;
        let blocked = loop {
            writer.write(&chunk)?;
            written += chunk.len();
            assert!(
                writer.get_write_buffer_size() <= 64 * 1024 + chunk.len(),
                "drain let the buffer grow to {}",
                writer.get_write_buffer_size()
            );
            // The peer never reads, so drain must eventually wait.
            match tulip::time::timeout(Duration::from_millis(50), writer.drain()).await {
                Ok(r) => r?,
                Err(_) => break true,
            }
            if written > 256 * 1024 * 1024 {
                break false;
            }
        };
        assert!(blocked, "drain never applied backpressure");
        assert!(writer.get_write_buffer_size() > 16 * 1024);

        // Start reading on another task; drain completes, with the buffer at or below 16 KiB.
        let reader = tulip::spawn(async move {
            let mut buf = vec![0u8; 1 << 16];
            let mut n = 0usize;
            loop {
                let k = peer.read(&mut buf).await.unwrap();
                if k == 0 {
                    return n;
                }
                n += k;
            }
        });
        writer.drain().await?;
        assert!(writer.get_write_buffer_size() <= 16 * 1024);
        writer.close();
        writer.wait_closed().await?;
        assert_eq!(writer.get_write_buffer_size(), 0);
        assert_eq!(reader.await, written);
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// writer.set_write_buffer_limits(high=1024)   # (on writer.transport in asyncio)
/// ```
#[test]
fn custom_limits_apply_to_drain() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (_r, writer) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        writer.set_write_buffer_limits(Some(1 << 30), None)?;
        writer.write(&vec![0u8; 16 * 1024 * 1024])?;
        // Far above the default mark, but under ours: no waiting.
        writer.drain().await?;
        let err = writer
            .set_write_buffer_limits(Some(1), Some(2))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        writer.set_write_buffer_limits(Some(1024), None)?;
        let waiting = tulip::time::timeout(Duration::from_millis(20), writer.drain()).await;
        assert!(waiting.is_err(), "above the new high mark: drain waits");
        drop(peer);
        io::Result::Ok(())
    })
    .unwrap();
}

/// ```python
/// writer.write(b"request"); writer.write_eof()
/// await reader.read() == b"REQUEST"          # we can still read after half-closing
/// writer.write(b"x")                          # after write_eof: an error here
/// ```
#[test]
fn write_eof_half_closes_and_reading_goes_on() {
    run(async {
        let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
            let req = reader.read_to_end().await?;
            writer.write(&req.to_ascii_uppercase())?;
            writer.close();
            writer.wait_closed().await
        })
        .await?;
        let (mut reader, writer) = open_connection(server.local_addrs()[0]).await?;
        writer.write(b"request")?;
        writer.write_eof()?;
        writer.write_eof()?;
        assert!(writer.can_write_eof());
        assert_eq!(
            writer.write(b"x").unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        assert_eq!(reader.read_to_end().await?, b"REQUEST");
        server.close();
        server.wait_closed().await;
        io::Result::Ok(())
    })
    .unwrap();
}

/// A large buffered write is fully delivered by `close()`; `wait_closed` returns after it.
///
/// ```python
/// writer.write(data)           # 8 MB, mostly buffered
/// writer.close()
/// await writer.wait_closed()   # everything sent
/// writer.write(b"late")        # asyncio: ignored; here NotConnected
/// await writer.drain()         # ConnectionResetError('Connection lost')
/// ```
#[test]
fn close_flushes_and_wait_closed_waits() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (_r, writer) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        let data: Vec<u8> = (0..8_000_000u32).map(|i| (i % 241) as u8).collect();
        writer.write(&data)?;
        assert!(writer.get_write_buffer_size() > 0);
        writer.close();
        writer.close();
        assert!(writer.is_closing());
        assert_eq!(
            writer.write(b"late").unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        let reading = tulip::spawn(async move {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = peer.read(&mut buf).await.unwrap();
                if n == 0 {
                    return got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        writer.wait_closed().await?;
        assert_eq!(writer.get_write_buffer_size(), 0);
        assert!(reading.await == data, "close lost data");
        let err = writer.drain().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        io::Result::Ok(())
    })
    .unwrap();
}

/// A writer dropped with data buffered still sends it (the background flusher owns the buffer).
#[test]
fn dropped_writer_still_sends_its_buffer() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (reader, writer) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        writer.write(&vec![5u8; 4_000_000])?;
        drop(writer);
        drop(reader);
        let mut n = 0;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let k = peer.read(&mut buf).await?;
            if k == 0 {
                break;
            }
            assert!(buf[..k].iter().all(|&b| b == 5));
            n += k;
        }
        assert_eq!(n, 4_000_000);
        io::Result::Ok(())
    })
    .unwrap();
}

/// Writing to a peer that reset: an error (never a panic), and `drain` / `wait_closed` report it.
#[test]
fn writes_to_a_reset_peer_fail() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (_r, writer) = open_connection(listener.local_addr()?).await?;
        let (peer, _) = listener.accept().await?;
        socket2::SockRef::from(peer.get_ref()).set_linger(Some(Duration::ZERO))?;
        drop(peer);
        let mut failed = None;
        for _ in 0..1000 {
            let r = async {
                writer.write(&[1u8; 4096])?;
                writer.drain().await
            }
            .await;
            if let Err(e) = r {
                failed = Some(e.kind());
                break;
            }
            tulip::time::sleep(Duration::from_millis(1)).await;
        }
        let kind = failed.expect("writing to a reset peer must fail");
        assert!(
            matches!(
                kind,
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{kind:?}"
        );
        assert!(writer.is_closing());
        assert!(writer.write(b"x").is_err());
        writer.close();
        assert!(writer.wait_closed().await.is_err());
        io::Result::Ok(())
    })
    .unwrap();
}

/// `start_server`'s server counts its handlers: `wait_closed` returns once they have ended.
///
/// ```python
/// server = await asyncio.start_server(handle, "127.0.0.1", 0)
/// server.close(); await server.wait_closed()   # (3.12+) waits for the handlers' connections
/// ```
#[test]
fn start_server_wait_closed_waits_for_handlers() {
    run(async {
        let started = Rc::new(Cell::new(0));
        let finished = Rc::new(Cell::new(0));
        let (s, f) = (started.clone(), finished.clone());
        let server = start_server("127.0.0.1:0", move |mut reader, writer| {
            s.set(s.get() + 1);
            let f = f.clone();
            async move {
                let line = reader.readline().await.unwrap();
                writer.write(&line).unwrap();
                writer.drain().await.unwrap();
                f.set(f.get() + 1);
            }
        })
        .await?;
        let (mut reader, writer) = open_connection(server.local_addrs()[0]).await?;
        while started.get() == 0 {
            tulip::time::sleep(Duration::from_millis(1)).await;
        }
        server.close();
        let waiting = {
            let s = server.clone();
            tulip::spawn(async move { s.wait_closed().await })
        };
        tulip::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished(), "the handler is still running");
        writer.write(b"last call\n")?;
        assert_eq!(reader.readline().await?, b"last call\n");
        waiting.await;
        assert_eq!(finished.get(), 1);
        io::Result::Ok(())
    })
    .unwrap();
}
