//! One read of a Protocol connection and the callback it feeds: into a `BufferedProtocol`'s own buffer,
//! or into a buffer lent by the loop thread's pool for the length of `data_received`.

use std::cell::RefCell;
use std::io;
use std::task::{Context, Poll};

use crate::buffered_protocol::{empty_buffer_error, report_empty_buffer};
use crate::byte_stream::ByteStream;
use crate::protocol::Protocol;
use crate::read_buffer::ReadBuffer;

/// What a read brought.
pub(crate) enum Received {
    /// Bytes, already handed to the protocol.
    Data,
    /// The peer's EOF (the protocol has not been told yet).
    Eof,
}

/// Reads once from `sock` and hands the bytes to `protocol`. `lent` keeps a pooled buffer across the
/// reads of one poll of the connection; the caller drops it before parking, so an idle connection
/// holds none. The protocol is borrowed for the read and its callback only.
pub(crate) fn poll_receive<S: ByteStream>(
    sock: &S,
    cx: &mut Context<'_>,
    protocol: &RefCell<dyn Protocol>,
    lent: &mut Option<ReadBuffer>,
) -> Poll<io::Result<Received>> {
    let mut p = protocol.borrow_mut();
    if let Some(b) = p.as_buffered() {
        let buf = b.get_buffer(ReadBuffer::SIZE);
        if buf.is_empty() {
            // asyncio's `_read_ready__get_buffer`: a fatal error, reported, then the connection closes.
            let err = empty_buffer_error();
            drop(p);
            report_empty_buffer(&err);
            return Poll::Ready(Err(err));
        }
        let read = sock.poll_read(cx, buf);
        return deliver(read, |n| b.buffer_updated(n));
    }
    let buf = lent.get_or_insert_with(ReadBuffer::take);
    let read = sock.poll_read(cx, buf);
    deliver(read, |n| p.data_received(&buf[..n]))
}

/// What a read brought: 0 bytes is the peer's EOF; `n` bytes go to `hand` (the protocol's callback).
#[inline]
fn deliver(read: Poll<io::Result<usize>>, hand: impl FnOnce(usize)) -> Poll<io::Result<Received>> {
    match read {
        Poll::Ready(Ok(0)) => Poll::Ready(Ok(Received::Eof)),
        Poll::Ready(Ok(n)) => {
            hand(n);
            Poll::Ready(Ok(Received::Data))
        }
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        Poll::Pending => Poll::Pending,
    }
}
