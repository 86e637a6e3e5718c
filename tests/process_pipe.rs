//! 1 MiB through `cat` (stdin -> stdout) without deadlock: the writes outrun the pipe's 64 KiB, so the
//! parent must read while it writes.

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use tulip::process::{Command, Stdio};

const MIB: usize = 1 << 20;

/// Pseudo-random bytes (xorshift), so a shifted or repeated chunk would not compare equal.
fn data(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// asyncio:
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
/// out, _ = await proc.communicate(data)
/// assert out == data and proc.returncode == 0
/// ```
#[test]
fn communicate_one_mib_through_cat() {
    let input = data(MIB);
    let out = tulip::run(async {
        let child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.communicate(&input).await.unwrap()
    });
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), MIB);
    assert!(out.stdout == input, "cat's output differs from its input");
}

/// asyncio, by hand: a task feeds stdin while the main coroutine reads stdout.
///
/// ```python
/// async def feed():
///     proc.stdin.write(data)
///     await proc.stdin.drain()
///     proc.stdin.close()
///
/// task = asyncio.create_task(feed())
/// out = await proc.stdout.read()
/// await task
/// assert await proc.wait() == 0
/// ```
///
/// Through the `futures_io` traits (`AsyncWrite` on stdin, `AsyncRead` on stdout), called by their
/// full names as the pipes' inherent `write_all` / `read_to_end` / `close` would shadow them.
#[test]
fn one_mib_through_cat_with_a_writer_task() {
    let input = data(MIB);
    let expected = input.clone();
    let (out, status) = tulip::run(async move {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = tulip::spawn(async move {
            AsyncWriteExt::write_all(&mut stdin, &input).await.unwrap();
            AsyncWriteExt::close(&mut stdin).await.unwrap(); // EOF for cat
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut out = Vec::new();
        AsyncReadExt::read_to_end(&mut stdout, &mut out)
            .await
            .unwrap();
        feeder.await;
        (out, child.wait().await.unwrap())
    });
    assert!(status.success());
    assert_eq!(out.len(), MIB);
    assert!(out == expected, "cat's output differs from its input");
}

/// asyncio: `communicate()` ignores `BrokenPipeError` when the child exits without reading its input.
///
/// ```python
/// proc = await asyncio.create_subprocess_exec("true", stdin=PIPE)
/// await proc.communicate(b"x" * 2**20)   # no error
/// ```
#[test]
fn communicate_ignores_a_child_that_does_not_read() {
    let out = tulip::run(async {
        let child = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        child.communicate(&data(MIB)).await.unwrap()
    });
    assert!(out.status.success());
}
