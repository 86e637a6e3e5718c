#!/usr/bin/env bash
# loom models of the pieces that cross threads (core/tests/loom_*.rs): every interleaving and every
# memory order loom allows, on the real code (core/src/sync_shim.rs switches to loom's atomics under
# `--cfg tulip_loom`). Built in its own target directory so the ordinary builds stay warm.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg tulip_loom"
export CARGO_TARGET_DIR="${LOOM_TARGET_DIR:-target/loom}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
tests=()
for f in core/tests/loom_*.rs; do
    tests+=(--test "$(basename "$f" .rs)")
done
cargo test -p tulip-core --release "${tests[@]}"
