#!/usr/bin/env bash
# Instructions per operation for tulip, tokio (current_thread) and smol (LocalExecutor), counted with
# callgrind: each (workload, runtime) pair runs once with N operations and once with none, and the
# difference divided by N is the cost of one operation (start-up and teardown cancel out).
#
#   scripts/instructions.sh [N] [workload...]      default N = 10000, all workloads below
#
# Callgrind output stays in target/callgrind/<workload>.<runtime>.<n>.out, for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-10000}"
shift || true
if [ "$#" -gt 0 ]; then
    WORKLOADS=("$@")
else
    WORKLOADS=(spawn_await spawn_batch chained_spawn yield ping_pong io_ping_pong timer_cancel timer_cancel_live timer_fire
        call_soon call_later_cancel spawn_detached spawn_await_eager spawn_await_ctx)
fi
RUNTIMES=(tulip tokio smol)
TULIP_ONLY=" call_soon call_later_cancel spawn_detached call_soon_threadsafe spawn_await_eager spawn_await_ctx "

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: installing it" >&2
    apt-get update && apt-get install -y valgrind
fi

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The bench profile is release with debug info (root Cargo.toml), so callgrind_annotate can name functions.
BIN=$(cargo bench -p tulip-benches --bench instructions --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])
')
if [ -z "$BIN" ]; then
    echo "could not build the instructions harness; run: cargo bench -p tulip-benches --bench instructions --no-run" >&2
    exit 1
fi
OUT="$(dirname "$(dirname "$(dirname "$BIN")")")/callgrind"
mkdir -p "$OUT"

# Total instructions (all threads) of one run.
count() { # workload runtime n
    local file="$OUT/$1.$2.$3.out"
    valgrind --tool=callgrind --callgrind-out-file="$file" "$BIN" "$1" "$2" "$3" >/dev/null 2>"$file.log" || {
        echo "failed: $BIN $1 $2 $3 (see $file.log)" >&2
        return 1
    }
    awk '/^(summary|totals):/ { print $2; exit }' "$file"
}

RESULTS="$OUT/results.tsv"
: >"$RESULTS"
for w in "${WORKLOADS[@]}"; do
    for rt in "${RUNTIMES[@]}"; do
        if [ "$rt" != tulip ] && [[ "$TULIP_ONLY" == *" $w "* ]]; then
            continue
        fi
        base=$(count "$w" "$rt" 0)
        full=$(count "$w" "$rt" "$N")
        printf '%s\t%s\t%s\t%s\t%s\n' "$w" "$rt" "$N" "$base" "$full" >>"$RESULTS"
        echo "  $w on $rt: $base (n=0), $full (n=$N)" >&2
    done
done

python3 - "$RESULTS" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    w, rt, n, base, full = line.split("\t")
    rows.setdefault(w, {})[rt] = (int(full) - int(base)) / int(n)
print(f"\nInstructions per operation (callgrind, all threads; N minus a 0-operation baseline, / N)\n")
print(f"{'workload':<22}{'tulip':>10}{'tokio':>10}{'smol':>10}{'tokio/tulip':>13}{'smol/tulip':>12}")
for w, r in rows.items():
    t = r.get("tulip")
    cells = "".join(f"{r[k]:>10.0f}" if k in r else f"{'-':>10}" for k in ("tulip", "tokio", "smol"))
    ratios = "".join(
        f"{r[k] / t:>{width}.2f}" if k in r and t else f"{'-':>{width}}"
        for k, width in (("tokio", 13), ("smol", 12))
    )
    print(f"{w:<22}{cells}{ratios}")
print("\nratio > 1: tulip executes fewer instructions per operation")
EOF
