#!/usr/bin/env bash
# Runs the whole test suite: unit, integration and doc tests of every crate, and compiles the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cargo test --workspace --all-targets
cargo test --workspace --doc
cargo bench --workspace --no-run
