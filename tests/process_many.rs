//! 100 subprocesses at once, each reaped with its own exit status, and no zombie left afterwards.
//!
//! The only test in this file, so that when it checks for zombies no other test's children exist.

use rustix::io::Errno;
use rustix::process::{waitpid, WaitOptions};
use tulip::process::Command;

/// asyncio:
///
/// ```python
/// async def run(i):
///     cmd = ("true",) if i % 2 == 0 else ("sh", "-c", "exit 3")
///     proc = await asyncio.create_subprocess_exec(*cmd)
///     return await proc.wait()
///
/// codes = await asyncio.gather(*(run(i) for i in range(100)))
/// assert codes == [0 if i % 2 == 0 else 3 for i in range(100)]
/// ```
#[test]
fn hundred_concurrent_subprocesses_are_reaped_with_their_statuses() {
    let codes = tulip::run(async {
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                tulip::spawn(async move {
                    let mut cmd = if i % 2 == 0 {
                        Command::new("true")
                    } else {
                        Command::shell("exit 3")
                    };
                    let mut child = cmd.spawn().unwrap();
                    child.wait().await.unwrap().code()
                })
            })
            .collect();
        let mut codes = Vec::new();
        for t in tasks {
            codes.push(t.await);
        }
        codes
    });
    let expected: Vec<_> = (0..100)
        .map(|i| Some(if i % 2 == 0 { 0 } else { 3 }))
        .collect();
    assert_eq!(codes, expected);

    // No child left at all, zombie or running: no thread of this process has one ...
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let children = task.unwrap().path().join("children");
        if let Ok(list) = std::fs::read_to_string(&children) {
            assert_eq!(list.trim(), "", "{} lists children", children.display());
        }
    }
    // ... and waitpid(-1) has nobody to wait for.
    assert_eq!(
        waitpid(None, WaitOptions::NOHANG).unwrap_err(),
        Errno::CHILD
    );
}
