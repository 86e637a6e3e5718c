//! The work a [`File`](super::File) sends to the blocking pool: one job at a time, owning the descriptor.
//!
//! # Ownership
//!
//! A job takes the `std::fs::File` by value and hands it back with its result, so exactly one place owns
//! the descriptor at any time: the idle `File`, or the job on the pool. Whoever owns it last drops it, and
//! the descriptor is closed exactly once by `std`'s own `Drop`; no raw descriptor is ever copied.

use std::fs::{File as StdFile, Metadata};
use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::blocking::{spawn_blocking, SpawnBlocking};

/// What a job does once it owns the file.
#[derive(Debug)]
pub(super) enum Job {
    /// One `read(2)` of up to `len` bytes into the buffer (its contents are replaced). A regular file
    /// returns fewer only at end of file; a pipe or terminal returns what it has, as soon as it has some.
    Read { buf: Vec<u8>, len: usize },
    /// Write the whole buffer.
    Write(Vec<u8>),
    /// Move the cursor (`SeekFrom::Current` is taken relative to the caller's position, not the
    /// descriptor's: the pending rewind is folded in).
    Seek(SeekFrom),
    /// `fsync`.
    SyncAll,
    /// `fdatasync`.
    SyncData,
    /// `fstat`.
    Metadata,
    /// `ftruncate`.
    SetLen(u64),
    /// Close the descriptor (drop the `std::fs::File` on the pool, where a slow `close(2)` harms no one).
    Close,
}

impl Job {
    /// Whether dropping this job unstarted loses nothing the caller asked for (reads only).
    pub(super) fn is_read(&self) -> bool {
        matches!(self, Job::Read { .. })
    }
}

/// What a job reports back.
#[derive(Debug)]
pub(super) enum Done {
    /// The bytes read (none at end of file), or the error.
    Read { buf: Vec<u8>, res: io::Result<()> },
    /// The written buffer (to be reused) and the result.
    Write { buf: Vec<u8>, res: io::Result<()> },
    /// The new position.
    Pos(io::Result<u64>),
    /// A result without a value.
    Unit(io::Result<()>),
    /// File metadata.
    Meta(io::Result<Metadata>),
}

/// A job on the pool. Its output carries the file back (`None` after [`Job::Close`]).
pub(super) struct Inflight {
    pub(super) task: SpawnBlocking<(Option<StdFile>, Done)>,
    /// The number the caller waits for in `File::done`.
    pub(super) id: u64,
    /// Dropping an unstarted read loses nothing; every other job is detached instead, so it still runs.
    pub(super) is_read: bool,
}

impl std::fmt::Debug for Inflight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflight")
            .field("id", &self.id)
            .field("is_read", &self.is_read)
            .finish_non_exhaustive()
    }
}

/// Starts `job` on the pool. `rewind` is how far the descriptor's cursor is ahead of the caller's (bytes
/// read ahead and not consumed); the job moves it back first.
pub(super) fn start(file: StdFile, job: Job, rewind: u64, id: u64) -> Inflight {
    let is_read = job.is_read();
    let task = spawn_blocking(move || run(file, job, rewind));
    Inflight { task, id, is_read }
}

/// Runs on a pool thread.
fn run(mut file: StdFile, job: Job, rewind: u64) -> (Option<StdFile>, Done) {
    // A rewind larger than `i64::MAX` cannot happen: it is bounded by the read-ahead, a few chunks.
    let back = i64::try_from(rewind).unwrap_or(i64::MAX);
    if let Job::Close = job {
        // The cursor of a closed descriptor no longer matters.
        drop(file);
        return (None, Done::Unit(Ok(())));
    }
    if let Job::Seek(pos) = job {
        let pos = match pos {
            SeekFrom::Current(n) => match n.checked_sub(back) {
                Some(n) => SeekFrom::Current(n),
                None => return (Some(file), Done::Pos(Err(invalid_seek()))),
            },
            absolute => absolute,
        };
        let res = file.seek(pos);
        return (Some(file), Done::Pos(res));
    }
    if back != 0 {
        if let Err(e) = file.seek(SeekFrom::Current(-back)) {
            return (Some(file), failed(job, e));
        }
    }
    let done = match job {
        Job::Read { mut buf, len } => {
            buf.resize(len, 0);
            let res = loop {
                match file.read(&mut buf) {
                    Ok(n) => {
                        buf.truncate(n);
                        break Ok(());
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        buf.clear();
                        break Err(e);
                    }
                }
            };
            Done::Read { buf, res }
        }
        Job::Write(buf) => {
            let res = file.write_all(&buf);
            Done::Write { buf, res }
        }
        Job::SyncAll => Done::Unit(file.sync_all()),
        Job::SyncData => Done::Unit(file.sync_data()),
        Job::Metadata => Done::Meta(file.metadata()),
        Job::SetLen(n) => Done::Unit(file.set_len(n)),
        Job::Seek(_) | Job::Close => unreachable!("handled above"),
    };
    (Some(file), done)
}

/// The report of `job` when the rewind before it failed.
fn failed(job: Job, e: io::Error) -> Done {
    match job {
        Job::Read { mut buf, .. } => {
            buf.clear();
            Done::Read { buf, res: Err(e) }
        }
        Job::Write(buf) => Done::Write { buf, res: Err(e) },
        Job::Seek(_) => Done::Pos(Err(e)),
        Job::Metadata => Done::Meta(Err(e)),
        Job::SyncAll | Job::SyncData | Job::SetLen(_) | Job::Close => Done::Unit(Err(e)),
    }
}

fn invalid_seek() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "invalid seek to a negative or overflowing position",
    )
}
