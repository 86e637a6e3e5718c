#!/usr/bin/env bash
# Runs the tests that exercise tulip's `unsafe` code under valgrind's memcheck; any invalid read or
# write, use of uninitialised memory or bad free fails the run (exit 1).
#
#   scripts/memcheck.sh            the default list below
#   scripts/memcheck.sh TEST...    those integration tests of the `tulip` package only
#
# Covered: the task harness (spawn_unchecked, borrowed metadata, drop and cancel paths), the reactor and
# selectors (raw descriptors, the epoll event buffer read in place), `Async<T>`, fd watches and signals,
# plus tulip-core's unit tests. Leaks are not checked: thread-locals and the blocking pool's threads
# live until exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: installing it" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends valgrind
fi

if [ "$#" -gt 0 ]; then
    TESTS=("$@")
else
    TESTS=()
    for t in task_cancel task_panic task_done_callback task_drop_panic loop_shutdown handle_threadsafe \
        async_fd io_readiness selector_custom selector_faults tcp_drop tcp_echo unix_roundtrip signal_delivery; do
        [ -e "tests/$t.rs" ] && TESTS+=("$t")
    done
fi

args=()
for t in "${TESTS[@]}"; do args+=(--test "$t"); done
# Test executables, one JSON line each.
exes=$(
    {
        cargo test -p tulip "${args[@]}" --no-run --message-format=json
        [ "$#" -gt 0 ] || cargo test -p tulip-core --lib --no-run --message-format=json
    } 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])
'
)
if [ -z "$exes" ]; then
    echo "scripts/memcheck.sh: no test executable was built" >&2
    exit 1
fi

failed=0
for exe in $exes; do
    name=$(basename "$exe")
    log="$(dirname "$exe")/$name.memcheck.log"
    start=$(date +%s)
    if valgrind --tool=memcheck --error-exitcode=101 --leak-check=no --track-origins=no \
        --log-file="$log" "$exe" --test-threads=2 -q >/dev/null 2>&1; then
        echo "memcheck ok:     ${name%-*} ($(($(date +%s) - start)) s)"
    else
        failed=1
        echo "memcheck FAILED: ${name%-*} (log: $log)"
        grep -E "Invalid|uninitialised|definitely|ERROR SUMMARY" "$log" | head -20 || true
    fi
done
exit "$failed"
