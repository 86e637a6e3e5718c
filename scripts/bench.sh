#!/usr/bin/env bash
# Runs the micro-benchmarks (criterion: tulip, tokio current_thread and smol in the same run) and the
# callgrind instruction counts, then prints tulip's ratios to tokio and smol for each group.
#
#   scripts/bench.sh              everything (a few minutes of criterion, then callgrind)
#   scripts/bench.sh --no-instr   criterion only
#   scripts/bench.sh --report     only print the table from the last criterion run
#
# Ratio = other runtime's median time / tulip's median time: above 1 means tulip is faster.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

mode="${1:-all}"
if [ "$mode" != --report ]; then
    cargo bench -p tulip --bench runtime
fi

TARGET=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
python3 - "${CRITERION_HOME:-$TARGET/criterion}" <<'EOF'
import json, os, sys

root = sys.argv[1]
RUNTIMES = ("tulip", "tokio", "smol")
groups = {}  # (group, param) -> {id: (median ns per iteration, elements per iteration)}
for dirpath, _, files in os.walk(root):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
        continue
    parts = os.path.relpath(os.path.dirname(dirpath), root).split(os.sep)
    if len(parts) < 2:
        continue
    group, ident, param = parts[0], parts[1], "/".join(parts[2:])
    with open(os.path.join(dirpath, "estimates.json")) as f:
        median = json.load(f)["median"]["point_estimate"]
    elements = 1
    try:
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            elements = (json.load(f).get("throughput") or {}).get("Elements", 1)
    except FileNotFoundError:
        pass
    groups.setdefault((group, param), {})[ident] = (median, elements)

def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

print("\nMedian time per iteration (per operation in brackets); ratio = other / tulip, > 1: tulip faster\n")
print(f"{'group':<32}{'tulip':>22}{'tokio':>22}{'smol':>22}{'tokio/tulip':>13}{'smol/tulip':>12}")
for (group, param), ids in sorted(groups.items()):
    name = f"{group}/{param}" if param else group
    def cell(k):
        if k not in ids:
            return f"{'-':>22}"
        ns, el = ids[k]
        return f"{fmt(ns) + ' (' + fmt(ns / el) + ')':>22}"
    def ratio(k, width):
        if k in ids and "tulip" in ids:
            return f"{ids[k][0] / ids['tulip'][0]:>{width}.2f}"
        return f"{'-':>{width}}"
    if any(k in ids for k in RUNTIMES):
        print(f"{name:<32}{cell('tulip')}{cell('tokio')}{cell('smol')}{ratio('tokio', 13)}{ratio('smol', 12)}")
    for k in sorted(k for k in ids if k not in RUNTIMES):
        print(f"{name + ' ' + k:<32}{cell(k)}")
EOF

if [ "$mode" = all ]; then
    scripts/instructions.sh
fi
