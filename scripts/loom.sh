#!/usr/bin/env bash
# loom models of the pieces that cross threads: every interleaving and every memory order loom allows,
# on the real code (core/src/sync_shim/ switches to loom's atomics and locks under `--cfg tulip_loom`).
#   core/tests/loom_park.rs       the parked flag against the poller notify
#   core/tests/loom_injector.rs   call_soon_threadsafe racing the loop's shutdown
#   core/tests/loom_remote.rs     remote spawn and wake against a running, parking loop
#   core/tests/loom_blocking.rs   the blocking pool's hand-off and the paused clock's in-flight count
#   core/tests/loom_wake_latch.rs the poller's wake-up latch: notifies racing the eventfd drain
#   core/src/sync_shim/task_model.rs (in-crate, `--lib loom_`)  task cancel racing completion
# Bounded: LOOM_MAX_PREEMPTIONS (default 3) caps the preemptions loom explores per execution, and every
# model has at most three threads. Built in its own target directory so the ordinary builds stay warm.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg tulip_loom"
export CARGO_TARGET_DIR="${LOOM_TARGET_DIR:-target/loom}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
tests=()
for f in core/tests/loom_*.rs; do
    tests+=(--test "$(basename "$f" .rs)")
done
start=$SECONDS
cargo test -p tulip-core --release "${tests[@]}"
cargo test -p tulip-core --release --lib loom_
# The models are code too: the same lints as the rest (the ordinary clippy run never sees tulip_loom).
cargo clippy -p tulip-core --release --tests -- -D warnings
echo "loom models: $((SECONDS - start)) s (build included)"
