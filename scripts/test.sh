#!/usr/bin/env bash
# Runs the whole test suite: unit, integration and doc tests of every crate, and compiles the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A test file gated on a feature (`#![cfg(feature = ...)]` at its top) compiles to no tests without
# it, so each is run below with its features, by the file-name pattern on the matching line; checked
# first, so a new gated test that no line runs fails here instead of passing as 0 tests.
gated_patterns=('hyper_*' 'tls_*' trace_spans tokio_compat websocket_echo zmq_selector)
for f in tests/*.rs; do
    grep -q '^#!\[cfg(.*feature' "$f" || continue
    name=$(basename "$f" .rs)
    covered=""
    for pattern in "${gated_patterns[@]}"; do
        # shellcheck disable=SC2053 # the pattern is meant to glob
        if [[ $name == $pattern ]]; then
            covered=1
        fi
    done
    if [ -z "$covered" ]; then
        echo "scripts/test.sh: $f needs a feature but no line below runs it: add it to gated_patterns and run it with its features" >&2
        exit 1
    fi
done
# Unit and integration tests (benches are compiled below, not run: `--all-targets` would run them).
cargo test --workspace --lib --bins --tests --examples
cargo test --workspace --doc
# The network suite again on the poll(2) selector and on the fault-injecting one (spurious readiness,
# EINTR, error events, late events); examples launched by the tests inherit the selector.
net_tests=()
for f in tests/tcp_*.rs tests/udp_*.rs tests/unix_*.rs tests/example_*.rs tests/protocol_*.rs \
    tests/transport_*.rs tests/streams_*.rs tests/io_*.rs; do
    [ -e "$f" ] && net_tests+=(--test "$(basename "$f" .rs)")
done
TULIP_SELECTOR=poll cargo test -p tulip "${net_tests[@]}"
TULIP_SELECTOR=fault cargo test -p tulip "${net_tests[@]}"
cargo bench --workspace --no-run
# Feature `hyper` (tulip::hyper, examples http_server/http_client): every tests/hyper_*.rs.
cargo test --features hyper --test 'hyper_*'
# Feature `tls` (tulip::tls, example tls_echo; rcgen makes the test certificates): every tests/tls_*.rs.
cargo test --features tls,rcgen --test 'tls_*'
# Feature `tracing` (a span per task, slow-poll and panic events): the capturing-subscriber tests, and
# clippy with the feature on (its code is compiled only then).
cargo test --features tracing --test trace_spans
cargo test -p tulip-core --features tracing --lib
cargo clippy -p tulip-core --features tracing --all-targets -- -D warnings
cargo clippy -p tulip --features tracing,async-compat --all-targets -- -D warnings
# Code written for tokio, on tulip through async-compat (docs/TOKIO_LIBRARIES.md); the feature only
# pulls in async-compat and tokio for this test.
cargo test --features async-compat --test tokio_compat
# README's tour has HTTP and TLS blocks compiled only with their features: the facade's doc tests again.
cargo test -p tulip --features hyper,tls,rcgen --doc
# async-tungstenite on tulip's streams (examples/websocket_echo.rs; the crate is an optional dependency
# used only there).
cargo test --features async-tungstenite --test websocket_echo
# The `zmq` feature (examples/zmq_selector.rs, tests/zmq_selector.rs) links the system libzmq through
# pkg-config: install Debian's package when it is missing (CI runs this as root, without a terminal).
if ! pkg-config --exists libzmq 2>/dev/null; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test.sh: the zmq feature needs libzmq and pkg-config (Debian: libzmq3-dev)" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        libzmq3-dev pkg-config
fi
cargo test --features zmq --test zmq_selector
