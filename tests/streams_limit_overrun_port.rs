//! asyncio's `StreamReader(limit=8)` against limit overruns and an early EOF, ported to tulip
//! (`tests/asyncio_ports/streams_limits.py`): `readuntil` with the separator found past the limit and
//! not found within it, `readexactly` past the limit and past EOF, `readline` on a too-long line.

mod support;

use std::io;
use std::num::NonZeroUsize;
use std::rc::Rc;

use support::net::run;
use support::trace::Trace;
use tulip::net::{open_connection, start_server, ReadError, StreamReader};
use tulip::sync::Queue;

/// What `python3 tests/asyncio_ports/streams_limits.py` prints (CPython 3.11, 127.0.0.1).
const PYTHON_TRACE: &str = r"readline -> b'ab\n'
readuntil(;) -> LimitOverrunError consumed=18
readexactly(22) -> b'line-of-twenty-one;xyz'
readuntil(\n) -> b'\n'
readuntil(;) -> LimitOverrunError consumed=10
readexactly(3) -> b'012'
readuntil(;) -> LimitOverrunError consumed=9
readexactly(10) -> b'3456789ab;'
readline -> ValueError
readexactly(5) -> IncompleteReadError partial=b'end' expected=5
readuntil(;) -> IncompleteReadError partial=b'' expected=None
readline -> b''
at_eof=True";

/// Python's `repr()` of a `bytes` value (single quotes; the data here has none).
fn py_bytes(data: &[u8]) -> String {
    let mut s = String::from("b'");
    for &b in data {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('\'');
    s
}

/// ```python
/// def show(what, coro):
///     try:
///         r = await coro
///         trace.append(f"{what} -> {r!r}")
///     except asyncio.LimitOverrunError as e:
///         trace.append(f"{what} -> LimitOverrunError consumed={e.consumed}")
///     except asyncio.IncompleteReadError as e:
///         trace.append(f"{what} -> IncompleteReadError partial={e.partial!r} expected={e.expected}")
///     except ValueError as e:
///         trace.append(f"{what} -> ValueError")
/// ```
fn show(t: &Trace, what: &str, res: Result<Vec<u8>, ReadError>) {
    match res {
        Ok(data) => t.push(format!("{what} -> {}", py_bytes(&data))),
        Err(e) if e.is_limit_overrun() => t.push(format!(
            "{what} -> LimitOverrunError consumed={}",
            e.consumed().expect("a limit overrun says how much")
        )),
        Err(e) => match e.into_incomplete() {
            Ok(inc) => t.push(format!(
                "{what} -> IncompleteReadError partial={} expected={}",
                py_bytes(inc.partial()),
                inc.expected().map_or("None".to_owned(), |n| n.to_string())
            )),
            Err(e) => panic!("{what}: unexpected error {e}"),
        },
    }
}

/// asyncio's `readline()` on a line longer than the limit raises `ValueError` and drops the line (up
/// to and including its `\n`); tulip's returns the `LimitOverrunError` and keeps the data buffered
/// (documented on `StreamReader::readline`). The port drops the line itself, as asyncio does.
async fn asyncio_readline(t: &Trace, reader: &mut StreamReader) -> io::Result<()> {
    match reader.readline().await {
        Err(e) if e.is_limit_overrun() => {
            let overrun = e.as_limit_overrun().expect("a limit overrun");
            assert!(
                overrun.is_separator_found(),
                "this program's long line ends in \\n"
            );
            reader.readexactly(overrun.consumed() + 1).await?;
            t.push("readline -> ValueError");
        }
        res => show(t, "readline", res),
    }
    Ok(())
}

/// ```python
/// async def serve(reader, writer):
///     writer.write(b"ab\nline-of-twenty-one;xyz\n")
///     await go.get()
///     writer.write(b"0123456789")
///     await go.get()
///     writer.write(b"ab;tail-too-long\nend")
///     writer.close()
///
/// reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=8)
/// await show("readline", reader.readline())
/// await show("readuntil(;)", reader.readuntil(b";"))
/// await show("readexactly(22)", reader.readexactly(22))
/// await show("readuntil(\\n)", reader.readuntil(b"\n"))
/// go.put_nowait(1)
/// await show("readuntil(;)", reader.readuntil(b";"))
/// await show("readexactly(3)", reader.readexactly(3))
/// go.put_nowait(1)
/// await show("readuntil(;)", reader.readuntil(b";"))
/// await show("readexactly(10)", reader.readexactly(10))
/// await show("readline", reader.readline())
/// await show("readexactly(5)", reader.readexactly(5))
/// await show("readuntil(;)", reader.readuntil(b";"))
/// await show("readline", reader.readline())
/// trace.append(f"at_eof={reader.at_eof()}")
/// ```
#[test]
fn limit_overruns_and_early_eof_match_asyncio() {
    let trace = Trace::new();
    let t = trace.clone();
    run(async move {
        let go = Rc::new(Queue::new());
        let go_server = go.clone();
        let server = start_server("127.0.0.1:0", move |reader, writer| {
            let go = go_server.clone();
            async move {
                let _reader = reader;
                writer.write(b"ab\nline-of-twenty-one;xyz\n")?;
                let _ = go.get().await;
                writer.write(b"0123456789")?;
                let _ = go.get().await;
                writer.write(b"ab;tail-too-long\nend")?;
                writer.close();
                io::Result::Ok(())
            }
        })
        .await?;
        let (reader, writer) = open_connection(server.local_addrs()[0]).await?;
        let mut reader = reader.with_limit(NonZeroUsize::new(8).unwrap());
        let r = &mut reader;
        show(&t, "readline", r.readline().await);
        show(&t, "readuntil(;)", r.readuntil(b";").await);
        show(&t, "readexactly(22)", r.readexactly(22).await);
        show(&t, "readuntil(\\n)", r.readuntil(b"\n").await);
        go.put_nowait(1).unwrap();
        show(&t, "readuntil(;)", r.readuntil(b";").await);
        show(&t, "readexactly(3)", r.readexactly(3).await);
        go.put_nowait(1).unwrap();
        show(&t, "readuntil(;)", r.readuntil(b";").await);
        show(&t, "readexactly(10)", r.readexactly(10).await);
        asyncio_readline(&t, r).await?;
        show(&t, "readexactly(5)", r.readexactly(5).await);
        show(&t, "readuntil(;)", r.readuntil(b";").await);
        show(&t, "readline", r.readline().await);
        t.push(format!(
            "at_eof={}",
            if r.at_eof() { "True" } else { "False" }
        ));
        writer.close();
        server.close();
        server.wait_closed().await;
        io::Result::Ok(())
    })
    .unwrap();
    trace.assert_eq_python(PYTHON_TRACE);
}

/// tulip's own `readline()` on the too-long line, as documented: the `LimitOverrunError` (asyncio's
/// `ValueError`) leaves the line buffered, so the next read starts with it.
#[test]
fn readline_overrun_keeps_the_line_as_documented() {
    run(async {
        let server = start_server("127.0.0.1:0", |reader, writer| async move {
            let _reader = reader;
            writer.write(b"tail-too-long\nend")?;
            writer.close();
            io::Result::Ok(())
        })
        .await?;
        let (reader, _writer) = open_connection(server.local_addrs()[0]).await?;
        let mut reader = reader.with_limit(NonZeroUsize::new(8).unwrap());
        let err = reader.readline().await.unwrap_err();
        assert_eq!(err.consumed(), Some(13));
        assert_eq!(reader.readexactly(14).await?, b"tail-too-long\n");
        assert_eq!(reader.read_to_end().await?, b"end");
        server.close();
        io::Result::Ok(())
    })
    .unwrap();
}
