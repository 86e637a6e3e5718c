#!/usr/bin/env bash
# Runs the micro-benchmarks (criterion: tulip, tokio current_thread and smol in the same run) several
# times, then the callgrind instruction counts, and prints tulip's ratio to tokio and smol per group.
#
#   scripts/bench.sh --all        every measurement, then BENCHMARKS.md written from the results
#                                 (= scripts/benchmarks.py --all; see that script for parts and settings)
#   scripts/bench.sh              BENCH_RUNS (default 3) criterion runs, then scripts/instructions.sh
#   scripts/bench.sh --no-instr   the criterion runs only
#   scripts/bench.sh --report     only print the table again from the last runs
#   scripts/bench.sh --net        only the echo load, memory and lateness tables (benches/echo_load.rs)
#                                 and the idle-connection memory of the example servers (idle_memory.sh)
#   scripts/bench.sh --http       only the hyper table: tulip vs tokio current_thread under wrk
#                                 (benches/http_load.rs; installs wrk from Debian's packages if missing)
#
# Each run's medians are saved in <target>/bench-runs/run-<i>.json; the table shows, per benchmark, the
# median over runs of the per-run median time, and the median over runs of the per-run ratio.
# Ratio = other runtime's time / tulip's time: above 1 means tulip is faster.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

mode="${1:-all}"
if [ "$mode" = --all ]; then
    exec scripts/benchmarks.py --all
fi
RUNS="${BENCH_RUNS:-3}"
TARGET=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
CRITERION="${CRITERION_HOME:-$TARGET/criterion}"
SAVED="$TARGET/bench-runs"

# Collects the medians (ns per iteration) and elements per iteration that criterion wrote since
# `since` (epoch seconds) into one JSON file.
collect() { # since out.json
    python3 - "$CRITERION" "$1" "$2" <<'EOF'
import json, os, sys

root, since, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
found = {}
for dirpath, _, files in os.walk(root):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
        continue
    if os.path.getmtime(os.path.join(dirpath, "estimates.json")) < since:
        continue
    bench = os.path.relpath(os.path.dirname(dirpath), root)
    with open(os.path.join(dirpath, "estimates.json")) as f:
        median = json.load(f)["median"]["point_estimate"]
    elements = 1
    try:
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            elements = (json.load(f).get("throughput") or {}).get("Elements", 1)
    except FileNotFoundError:
        pass
    found[bench] = {"ns": median, "elements": elements}
with open(out, "w") as f:
    json.dump(found, f, indent=1, sort_keys=True)
EOF
}

if [ "$mode" != --report ] && [ "$mode" != --net ] && [ "$mode" != --http ]; then
    rm -rf "$SAVED" && mkdir -p "$SAVED"
    for i in $(seq 1 "$RUNS"); do
        echo "== criterion run $i of $RUNS" >&2
        start=$(date +%s)
        cargo bench -p tulip-benches --bench runtime
        collect "$start" "$SAVED/run-$i.json"
    done
fi

if [ "$mode" != --net ] && [ "$mode" != --http ]; then
python3 - "$SAVED"/run-*.json <<'EOF'
import json, statistics, sys

RUNTIMES = ("tulip", "tokio", "smol")
runs = [json.load(open(p)) for p in sys.argv[1:]]
# bench path "group/id[/param]" -> (group, param) row, id column
rows = {}
for run in runs:
    for bench, v in run.items():
        parts = bench.split("/")
        if len(parts) < 2:
            continue
        key = (parts[0], "/".join(parts[2:]))
        rows.setdefault(key, {}).setdefault(parts[1], []).append(v)

def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

print(f"\n{len(runs)} criterion run(s). Median time per iteration (per operation in brackets);")
print("ratio = other / tulip (median of the per-run ratios), > 1: tulip faster\n")
print(f"{'group':<30}{'tulip':>22}{'tokio':>22}{'smol':>22}{'tokio/tulip':>13}{'smol/tulip':>12}")
for (group, param), ids in sorted(rows.items()):
    name = f"{group}/{param}" if param else group
    def cell(k):
        if k not in ids:
            return f"{'-':>22}"
        ns = statistics.median(v["ns"] for v in ids[k])
        per = ns / ids[k][0]["elements"]
        return f"{fmt(ns) + ' (' + fmt(per) + ')':>22}"
    def ratio(k, width):
        if k not in ids or "tulip" not in ids:
            return f"{'-':>{width}}"
        r = statistics.median(o["ns"] / t["ns"] for o, t in zip(ids[k], ids["tulip"]))
        return f"{r:>{width}.2f}"
    if any(k in ids for k in RUNTIMES):
        print(f"{name:<30}{cell('tulip')}{cell('tokio')}{cell('smol')}{ratio('tokio', 13)}{ratio('smol', 12)}")
    for k in sorted(k for k in ids if k not in RUNTIMES):
        print(f"{name + ' ' + k:<30}{cell(k)}")
EOF
fi

if [ "$mode" = all ]; then
    scripts/instructions.sh
fi

# Network load (echo servers of tulip, tokio, smol and raw epoll, pinned with taskset), memory per
# task / connection, and timer lateness: the tables of BENCHMARKS.md. Needs the release examples.
if [ "$mode" = all ] || [ "$mode" = --net ]; then
    cargo build --release --examples
    cargo bench -p tulip-benches --bench echo_load
    # Memory per idle connection on the example servers themselves (10 000 connections).
    scripts/idle_memory.sh
fi

# HTTP: the same hyper service on tulip and on tokio current_thread, loaded by wrk (server on CPU 0, wrk
# on CPU 1): req/s and server CPU per request. wrk comes from Debian's packages.
if [ "$mode" = all ] || [ "$mode" = --http ]; then
    if ! command -v wrk >/dev/null 2>&1; then
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "scripts/bench.sh: the HTTP benchmark needs wrk (Debian: apt-get install wrk)" >&2
            exit 1
        fi
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
        $sudo apt-get update -q
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk
    fi
    cargo bench -p tulip-benches --bench http_load
fi
