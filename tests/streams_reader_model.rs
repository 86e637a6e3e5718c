//! `StreamReader` against a model of asyncio's `StreamReader`, with the input split into random
//! fragments: `readline`, `readuntil`, `readexactly`, `read` and the limit give the model's answers
//! however the bytes arrive.

use proptest::prelude::*;
use tulip::net::{open_connection, TcpListener};

#[derive(Debug, Clone)]
enum Op {
    Readline,
    Readuntil(Vec<u8>),
    Readexactly(usize),
    Read(usize),
}

/// What one operation returned, reduced to what the model predicts exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Data(Vec<u8>),
    /// `IncompleteReadError` with its partial bytes (consumed).
    Incomplete(Vec<u8>),
    /// `LimitOverrunError` (nothing consumed).
    Overrun,
    /// `read(n)`: a non-empty prefix of at most `n` bytes, or empty at EOF; checked separately.
    Prefix(Vec<u8>),
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// asyncio's semantics over the bytes not yet consumed (`rest`, all of which arrive before EOF).
fn model(rest: &mut &[u8], op: &Op, limit: usize) -> Outcome {
    let until = |rest: &mut &[u8], sep: &[u8]| -> Outcome {
        match find(rest, sep) {
            Some(i) if i > limit => Outcome::Overrun,
            Some(i) => {
                let (line, tail) = rest.split_at(i + sep.len());
                *rest = tail;
                Outcome::Data(line.to_vec())
            }
            None if rest.len() >= sep.len() && rest.len() + 1 - sep.len() > limit => {
                Outcome::Overrun
            }
            None => {
                let all = rest.to_vec();
                *rest = &[];
                Outcome::Incomplete(all)
            }
        }
    };
    match op {
        Op::Readuntil(sep) => until(rest, sep),
        Op::Readline => match until(rest, b"\n") {
            Outcome::Incomplete(all) => Outcome::Data(all),
            o => o,
        },
        Op::Readexactly(n) if rest.len() >= *n => {
            let (head, tail) = rest.split_at(*n);
            *rest = tail;
            Outcome::Data(head.to_vec())
        }
        Op::Readexactly(_) => {
            let all = rest.to_vec();
            *rest = &[];
            Outcome::Incomplete(all)
        }
        Op::Read(_) => unreachable!("read(n) is checked against the stream, not predicted"),
    }
}

/// Sends `data` in `fragments` (sizes, cycled) with a few yields between, and runs `ops` on a reader
/// with `limit`; returns each outcome.
fn run(
    data: Vec<u8>,
    fragments: Vec<usize>,
    yields: Vec<u8>,
    ops: Vec<Op>,
    limit: usize,
) -> Vec<Outcome> {
    tulip::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = tulip::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            conn.set_nodelay(true).unwrap();
            let mut at = 0;
            let mut i = 0;
            while at < data.len() {
                let n = fragments[i % fragments.len()].min(data.len() - at);
                conn.write_all(&data[at..at + n]).await.unwrap();
                at += n;
                for _ in 0..yields[i % yields.len()] {
                    tulip::yield_now().await;
                }
                i += 1;
            }
            // Dropping `conn` sends EOF.
        });
        let (mut reader, _w) = open_connection(addr).await.unwrap();
        reader.set_limit(limit).unwrap();
        let mut out = Vec::new();
        for op in &ops {
            let o = match op {
                Op::Readline => match reader.readline().await {
                    Ok(d) => Outcome::Data(d),
                    Err(e) if e.is_limit_overrun() => Outcome::Overrun,
                    Err(e) => panic!("readline: {e}"),
                },
                Op::Readuntil(sep) => match reader.readuntil(sep).await {
                    Ok(d) => Outcome::Data(d),
                    Err(e) if e.is_limit_overrun() => Outcome::Overrun,
                    Err(e) if e.is_incomplete() => {
                        Outcome::Incomplete(e.partial().unwrap().to_vec())
                    }
                    Err(e) => panic!("readuntil: {e}"),
                },
                Op::Readexactly(n) => match reader.readexactly(*n).await {
                    Ok(d) => Outcome::Data(d),
                    Err(e) if e.is_incomplete() => {
                        Outcome::Incomplete(e.partial().unwrap().to_vec())
                    }
                    Err(e) => panic!("readexactly: {e}"),
                },
                Op::Read(n) => Outcome::Prefix(reader.read(*n).await.unwrap()),
            };
            out.push(o);
        }
        writer.await;
        out
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Readline),
        2 => prop::sample::select(vec![b";".to_vec(), b"\r\n".to_vec(), b"ab".to_vec(), b"\n\n".to_vec()])
            .prop_map(Op::Readuntil),
        2 => (0usize..40).prop_map(Op::Readexactly),
        1 => (0usize..40).prop_map(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reader_matches_the_model_under_any_fragmentation(
        data in prop::collection::vec(prop::sample::select(b"ab;\r\nxyz".to_vec()), 0..400),
        fragments in prop::collection::vec(1usize..64, 1..8),
        yields in prop::collection::vec(0u8..3, 1..4),
        ops in prop::collection::vec(op(), 1..30),
        limit in prop::sample::select(vec![1usize, 2, 5, 16, 64, 65536]),
    ) {
        let outcomes = run(data.clone(), fragments, yields, ops.clone(), limit);
        let mut rest: &[u8] = &data;
        for (i, (op, got)) in ops.iter().zip(&outcomes).enumerate() {
            if let (Op::Read(n), Outcome::Prefix(bytes)) = (op, got) {
                prop_assert!(bytes.len() <= *n, "op {i} {op:?}: {} bytes", bytes.len());
                prop_assert!(rest.starts_with(bytes), "op {i} {op:?}: not the next bytes");
                prop_assert!(
                    !bytes.is_empty() || *n == 0 || rest.is_empty(),
                    "op {i} {op:?}: empty before EOF"
                );
                rest = &rest[bytes.len()..];
                continue;
            }
            let want = model(&mut rest, op, limit);
            prop_assert_eq!(got, &want, "op {} {:?} (limit {})", i, op, limit);
        }
    }
}
