//! `Command::stderr_to_stdout` (asyncio `stderr=asyncio.subprocess.STDOUT`): stderr goes wherever
//! stdout goes, interleaved in write order; a later `stderr(..)` undoes it.

use std::process::Stdio;

use tulip::process::Command;

/// ```python
/// p = await asyncio.create_subprocess_shell(cmd, stdout=PIPE, stderr=STDOUT)
/// out, err = await p.communicate()   # out == b"1\n2\n3\n4\n", err is None
/// ```
#[test]
fn stderr_joins_stdout_in_write_order() {
    tulip::run(async {
        let out = Command::shell("echo 1; echo 2 >&2; echo 3; echo 4 >&2")
            .stdout(Stdio::piped())
            .stderr_to_stdout()
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"1\n2\n3\n4\n");
        assert!(out.stderr.is_empty());
    });
}

/// With `spawn`, the child has no separate stderr pipe: `child.stderr` is `None` and everything is read
/// from `child.stdout`.
#[test]
fn spawned_child_has_no_stderr_pipe() {
    tulip::run(async {
        let mut child = Command::shell("echo a >&2; echo b")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()) // replaced by the redirection below
            .stderr_to_stdout()
            .spawn()
            .unwrap();
        assert!(child.stderr.is_none());
        let mut got = Vec::new();
        child
            .stdout
            .as_ref()
            .unwrap()
            .read_to_end(&mut got)
            .await
            .unwrap();
        assert_eq!(got, b"a\nb\n");
        assert!(child.wait().await.unwrap().success());
    });
}

/// Stdout to `/dev/null` takes stderr with it; a later `stderr(piped)` gives stderr its own pipe back.
#[test]
fn redirect_follows_stdout_and_can_be_undone() {
    tulip::run(async {
        let mut cmd = Command::shell("echo quiet >&2");
        cmd.stdout(Stdio::null()).stderr_to_stdout();
        let out = cmd.output().await.unwrap();
        assert!(out.stdout.is_empty() && out.stderr.is_empty());

        cmd.stderr(Stdio::piped());
        let out = cmd.output().await.unwrap();
        assert_eq!(out.stderr, b"quiet\n");
    });
}
