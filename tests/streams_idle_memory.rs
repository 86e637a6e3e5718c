//! An idle `start_server` connection owns no read buffer: the heap held per idle connection of an echo
//! server (handler task, reader, writer, socket registration, and the client's socket in this same
//! process) stays far below one 64 KiB buffer. Counted with a global allocator, so this file holds one
//! test.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::sync::atomic::{AtomicIsize, Ordering};

use tulip::net::{start_server, TcpStream};

use support::net::run;

/// Live heap bytes of the process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract; the
// counter is only arithmetic on the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout is passed on as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout (through `alloc` or `realloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as received from the caller, who owns `ptr` allocated with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CONNECTIONS: usize = 200;
/// The heap one idle connection may hold, both ends together.
const BUDGET: isize = 2048;

/// Each connection echoes one 64 KiB message (so every reader has held data and drained it), then
/// stays open and idle, its handler waiting in `reader.read(65536)`.
#[test]
fn idle_echo_connections_hold_no_read_buffer() {
    run(async {
        let server = start_server("127.0.0.1:0", |mut reader, writer| async move {
            loop {
                let data = reader.read(65536).await?;
                if data.is_empty() {
                    break;
                }
                writer.write(&data)?;
                writer.drain().await?;
            }
            writer.close();
            io::Result::Ok(())
        })
        .await?;
        let addr = server.local_addrs()[0];
        // Warm up: the first connection allocates what stays for the loop's life (the scratch
        // buffer, the poller's tables).
        let message = vec![7u8; 64 * 1024];
        let mut back = vec![0u8; message.len()];
        let mut clients = Vec::with_capacity(CONNECTIONS + 1);
        let first = TcpStream::connect(addr).await?;
        first.write_all(&message).await?;
        first.read_exact(&mut back).await?;
        assert_eq!(back, message);
        clients.push(first);
        while server.active_clients() != 1 {
            tulip::yield_now().await;
        }
        let before = LIVE.load(Ordering::Relaxed);
        for _ in 0..CONNECTIONS {
            clients.push(TcpStream::connect(addr).await?);
        }
        for c in clients.iter().skip(1) {
            c.write_all(&message).await?;
            c.read_exact(&mut back).await?;
            assert_eq!(back, message);
        }
        // Let every handler go back to waiting in `read`.
        for _ in 0..10 {
            tulip::yield_now().await;
        }
        assert_eq!(server.active_clients(), CONNECTIONS + 1);
        let per_connection = (LIVE.load(Ordering::Relaxed) - before) / CONNECTIONS as isize;
        eprintln!("heap per idle echo_streams connection (both ends): {per_connection} B");
        assert!(
            per_connection <= BUDGET,
            "{per_connection} B of heap per idle connection (budget {BUDGET} B)"
        );
        drop(clients);
        server.close();
        server.wait_closed().await;
        io::Result::Ok(())
    })
    .unwrap();
}
