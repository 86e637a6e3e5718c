//! `ReadBuffer`: the loop thread's pool of read buffers, lent for one read and what handles its bytes.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::{Deref, DerefMut};

/// Buffers kept for reuse on each thread. More can be out at once (a coroutine that holds one across an
/// `.await`, a read nested in another's callback); those are allocated on demand and freed when given
/// back to a full pool.
const KEEP: usize = 4;

thread_local! {
    /// This thread's free buffers, each [`ReadBuffer::SIZE`] bytes.
    static POOL: RefCell<Vec<Box<[u8]>>> = const { RefCell::new(Vec::new()) };
    /// Buffers taken on this thread and not yet given back on it.
    static OUT: Cell<usize> = const { Cell::new(0) };
}

/// A 256 KiB read buffer lent by this thread's pool and given back when dropped: read into it, handle
/// the bytes, drop it. An idle connection then holds no read buffer at all, however many there are;
/// the pool keeps a few buffers per thread (one loop per thread), so a busy loop allocates none.
///
/// Each `take` hands out a buffer nobody else holds: a read nested inside the handling of another (a
/// protocol callback that reads some other socket, a coroutine that holds its buffer across an
/// `.await` while another task takes one) gets a buffer of its own, never the one in use. The
/// Protocol layer reads into these buffers and lends the bytes to [`Protocol::data_received`].
///
/// **asyncio:** no counterpart (asyncio's transports allocate a new `bytes` per read). The idea is
/// uvloop's loop-wide read buffer, made a pool so that nested reads each get their own.
///
/// [`Protocol::data_received`]: crate::Protocol::data_received
///
/// # Examples
///
/// The coroutine echo loop with low idle memory: wait for data without a buffer, then borrow one for
/// the read and the write.
///
/// ```
/// use tulip_net::{ReadBuffer, TcpListener, TcpStream};
///
/// async fn echo(conn: TcpStream) -> std::io::Result<()> {
///     loop {
///         conn.readable().await?; // idle: no buffer held
///         let mut buf = ReadBuffer::take();
///         let n = conn.read(&mut buf).await?;
///         if n == 0 {
///             return Ok(());
///         }
///         conn.write_all(&buf[..n]).await?;
///     } // `buf` goes back to the pool here
/// }
///
/// tulip_core::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (conn, _) = listener.accept().await?;
///     tulip_core::spawn(echo(conn)).detach();
///     client.write_all(b"ping").await?;
///     let mut got = [0u8; 4];
///     client.read_exact(&mut got).await?;
///     assert_eq!(&got, b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct ReadBuffer {
    /// Always `SIZE` bytes, except while `drop` gives it back.
    buf: Box<[u8]>,
}

impl ReadBuffer {
    /// The length of every buffer: 256 KiB, what one `recv` asks for.
    ///
    /// Larger than the 64 KiB messages peers commonly write at once: a read that fills its buffer
    /// cannot tell whether the socket is drained, and costs one more system call to find out (a
    /// `recv` that returns `EAGAIN`, or an epoll re-arm before the next wait), where a read that comes
    /// back short clears readiness and the next one waits for an event. The buffers are pooled per
    /// thread and lent for one read, so the size costs no memory per connection.
    ///
    /// **asyncio:** no counterpart (asyncio's selector transports read `max_size` = 256 KiB at a time;
    /// uvloop's buffer is 256 KiB as well).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(tulip_net::ReadBuffer::take().len(), tulip_net::ReadBuffer::SIZE);
    /// ```
    pub const SIZE: usize = 256 * 1024;

    /// Takes a buffer from this thread's pool, or allocates one when every pooled buffer is out.
    ///
    /// **asyncio:** no counterpart (see [`ReadBuffer`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ReadBuffer;
    /// let a = ReadBuffer::take();
    /// let b = ReadBuffer::take(); // a second one while `a` is out: a different buffer
    /// assert_ne!(a.as_ptr(), b.as_ptr());
    /// ```
    pub fn take() -> ReadBuffer {
        let pooled = POOL.try_with(|p| p.borrow_mut().pop()).ok().flatten();
        let _ = OUT.try_with(|o| o.set(o.get() + 1));
        ReadBuffer {
            buf: pooled.unwrap_or_else(allocate),
        }
    }

    /// How many buffers were taken on this thread and are not back yet: 0 on a loop whose connections
    /// are all idle. For tests and diagnostics.
    ///
    /// **asyncio:** no counterpart.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_net::ReadBuffer;
    /// let before = ReadBuffer::outstanding();
    /// let buf = ReadBuffer::take();
    /// assert_eq!(ReadBuffer::outstanding(), before + 1);
    /// drop(buf);
    /// assert_eq!(ReadBuffer::outstanding(), before);
    /// ```
    pub fn outstanding() -> usize {
        OUT.try_with(Cell::get).unwrap_or(0)
    }
}

#[cold]
fn allocate() -> Box<[u8]> {
    vec![0u8; ReadBuffer::SIZE].into_boxed_slice()
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let _ = OUT.try_with(|o| o.set(o.get().saturating_sub(1)));
        // During thread teardown the pool may be gone: then the buffer is simply freed.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < KEEP {
                p.push(buf);
            }
        });
    }
}

impl Deref for ReadBuffer {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        &self.buf
    }
}

impl DerefMut for ReadBuffer {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }
}

impl fmt::Debug for ReadBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuffer")
            .field("len", &self.buf.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_lent_again() {
        let first = ReadBuffer::take();
        let addr = first.as_ptr();
        drop(first);
        assert_eq!(ReadBuffer::take().as_ptr(), addr);
    }

    #[test]
    fn buffers_out_at_once_never_overlap() {
        let held: Vec<ReadBuffer> = (0..KEEP + 2).map(|_| ReadBuffer::take()).collect();
        for (i, a) in held.iter().enumerate() {
            assert_eq!(a.len(), ReadBuffer::SIZE);
            for b in &held[i + 1..] {
                let (a0, b0) = (a.as_ptr() as usize, b.as_ptr() as usize);
                assert!(a0 + a.len() <= b0 || b0 + b.len() <= a0);
            }
        }
        assert_eq!(ReadBuffer::outstanding(), KEEP + 2);
        drop(held);
        assert_eq!(ReadBuffer::outstanding(), 0);
        assert_eq!(POOL.with(|p| p.borrow().len()), KEEP);
    }
}
