//! Subprocess stdin flow control: the `SubprocessProtocol` gets `pause_writing` when the stdin pipe's
//! write buffer goes above its high-water mark and `resume_writing` when it has drained to the low one,
//! as asyncio's stdin pipe protocol forwards them (`scripts/asyncio_ref/process_stdin_pause_writing.py`).

mod support;

use support::protocol::until;
use tulip::process::{subprocess_exec, SubprocessProtocol, SubprocessTransport};

/// More than any pipe takes at once (Linux: 64 KiB by default).
const BIG: usize = 4 << 20;

#[derive(Default)]
struct Feeder {
    events: Vec<&'static str>,
    /// Write `BIG` bytes from `connection_made` (inside a protocol method).
    write_on_made: bool,
    transport: Option<SubprocessTransport>,
    lost: bool,
    /// Panic in `pause_writing` and `resume_writing` (after recording them).
    panic: bool,
    /// What the child wrote to stdout.
    out: Vec<u8>,
}

impl SubprocessProtocol for Feeder {
    fn connection_made(&mut self, transport: SubprocessTransport) {
        if self.write_on_made {
            let stdin = transport.get_pipe_transport(0).unwrap();
            stdin.set_write_buffer_limits(Some(1024), None).unwrap();
            stdin.write(&vec![b'x'; BIG]).unwrap();
            self.events.push("wrote");
        }
        self.transport = Some(transport);
    }
    fn pause_writing(&mut self) {
        self.events.push("pause_writing");
        if self.panic {
            panic!("boom in pause_writing");
        }
    }
    fn resume_writing(&mut self) {
        self.events.push("resume_writing");
        if self.panic {
            panic!("boom in resume_writing");
        }
    }
    fn pipe_data_received(&mut self, _fd: i32, data: &[u8]) {
        self.out.extend_from_slice(data);
    }
    fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
        self.lost = true;
    }
}

/// ```python
/// w = transport.get_pipe_transport(0)
/// w.set_write_buffer_limits(high=1024, low=256)
/// w.write(b"x" * (1 << 20))      # pause_writing() is called inside write()
/// ...                            # the child drains stdin: resume_writing()
/// # ['pause_writing', 'after write', 'resume_writing', 'buffer empty']
/// ```
#[test]
fn stdin_buffer_above_the_high_mark_pauses_and_drained_resumes() {
    tulip::run(async {
        let (t, p) = subprocess_exec(Feeder::default, "cat", [] as [&str; 0])?;
        let stdin = t.get_pipe_transport(0).unwrap();
        stdin.set_write_buffer_limits(Some(1024), Some(256))?;
        stdin.write(&vec![b'x'; BIG])?;
        p.borrow_mut().events.push("after write");
        until("the buffer drains", || stdin.get_write_buffer_size() == 0).await;
        p.borrow_mut().events.push("buffer empty");
        stdin.close();
        until("connection_lost", || p.borrow().lost).await;
        let events = p.borrow().events.clone();
        assert_eq!(
            events,
            [
                "pause_writing",
                "after write",
                "resume_writing",
                "buffer empty"
            ]
        );
        std::io::Result::Ok(())
    })
    .unwrap();
}

/// A `write` made inside one of the protocol's own methods: `pause_writing` comes once that method
/// has returned (it cannot run while the method holds `&mut self`), then `resume_writing`.
#[test]
fn write_from_connection_made_pauses_after_it_returns() {
    tulip::run(async {
        let (t, p) = subprocess_exec(
            || Feeder {
                write_on_made: true,
                ..Feeder::default()
            },
            "cat",
            [] as [&str; 0],
        )?;
        let stdin = t.get_pipe_transport(0).unwrap();
        until("the buffer drains", || stdin.get_write_buffer_size() == 0).await;
        until("resume_writing", || p.borrow().events.len() == 3).await;
        stdin.close();
        until("connection_lost", || p.borrow().lost).await;
        assert_eq!(
            p.borrow().events,
            ["wrote", "pause_writing", "resume_writing"]
        );
        std::io::Result::Ok(())
    })
    .unwrap();
}

/// A panicking `pause_writing` / `resume_writing` is reported with asyncio's messages and stdin goes
/// on: every byte reaches the child (asyncio's `_maybe_pause_protocol` / `_maybe_resume_protocol`,
/// which the stdin pipe transport uses, call the exception handler with 'protocol.pause_writing()
/// failed' / 'protocol.resume_writing() failed'; `scripts/asyncio_ref/protocol_flow_control_raises.py`
/// shows it on a stream transport).
#[test]
fn panicking_pause_and_resume_writing_are_reported_and_stdin_goes_on() {
    let lp = support::real_loop();
    let reports = support::record_exceptions(&lp);
    lp.block_on(async {
        let (t, p) = subprocess_exec(
            || Feeder {
                panic: true,
                ..Feeder::default()
            },
            "wc",
            ["-c"],
        )?;
        let stdin = t.get_pipe_transport(0).unwrap();
        stdin.set_write_buffer_limits(Some(1024), Some(256))?;
        stdin.write(&vec![b'x'; BIG])?;
        until("the buffer drains", || stdin.get_write_buffer_size() == 0).await;
        stdin.close();
        until("connection_lost", || p.borrow().lost).await;
        assert_eq!(p.borrow().events, ["pause_writing", "resume_writing"]);
        let out = String::from_utf8(p.borrow().out.clone()).unwrap();
        assert_eq!(
            out.trim(),
            BIG.to_string(),
            "the child did not get every byte"
        );
        std::io::Result::Ok(())
    })
    .unwrap();
    let seen: Vec<_> = reports
        .borrow()
        .iter()
        .map(|r| (r.message.clone(), r.panic_message.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "protocol.pause_writing() failed".to_owned(),
                Some("boom in pause_writing".to_owned())
            ),
            (
                "protocol.resume_writing() failed".to_owned(),
                Some("boom in resume_writing".to_owned())
            ),
        ]
    );
}

/// Water marks: asyncio's defaults and rules; `high < low` is refused; stdout has none.
#[test]
fn stdin_water_marks_follow_asyncio() {
    tulip::run(async {
        let (t, _p) = subprocess_exec(Feeder::default, "cat", [] as [&str; 0])?;
        let stdin = t.get_pipe_transport(0).unwrap();
        assert_eq!(stdin.get_write_buffer_limits(), (16 * 1024, 64 * 1024));
        stdin.set_write_buffer_limits(None, Some(100))?;
        assert_eq!(stdin.get_write_buffer_limits(), (100, 400));
        let err = stdin
            .set_write_buffer_limits(Some(10), Some(20))
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let stdout = t.get_pipe_transport(1).unwrap();
        let err = stdout.set_write_buffer_limits(Some(10), None).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
        t.close();
        std::io::Result::Ok(())
    })
    .unwrap();
}
