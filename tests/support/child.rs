//! Running one test in a child process, so a scenario that may abort the process (a panic during
//! unwinding, a lowered descriptor limit) fails only its own test instead of the whole test binary.

use std::process::Command;

/// Set in the child's environment: the test body runs there.
const CHILD_ENV: &str = "TULIP_TEST_CHILD";

/// Runs `body` here when this process is the child, otherwise re-runs test `name` (this test binary,
/// `--exact`, ignored tests included so `--ignored` shows the real failure) in a child process and
/// checks that it passed: an abort shows up as a signal exit status.
pub(crate) fn isolated(name: &str, body: impl FnOnce()) {
    if std::env::var_os(CHILD_ENV).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args([
            name,
            "--exact",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the test binary as a child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "scenario {name} failed: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
