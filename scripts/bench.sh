#!/usr/bin/env bash
# The benchmarks, under the names they had before scripts/benchmarks.py (which measures, saves each
# part's results in target/benchmarks/ and writes BENCHMARKS.md from them):
#
#   scripts/bench.sh [--all]      every part (= scripts/benchmarks.py --all)
#   scripts/bench.sh --no-instr   the criterion runs only (BENCH_RUNS, default 3)
#   scripts/bench.sh --report     BENCHMARKS.md again from the saved results, nothing measured
#   scripts/bench.sh --net        echo load, memory per task and connection, idle connections on the
#                                 example servers, timer lateness
#   scripts/bench.sh --http       hyper under wrk (installs wrk from Debian's packages if missing)
#   scripts/bench.sh PART...      the named parts (`scripts/benchmarks.py --list`)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:---all}" in
    --all) exec scripts/benchmarks.py --all ;;
    --no-instr) exec scripts/benchmarks.py criterion ;;
    --report) exec scripts/benchmarks.py --render ;;
    --net) exec scripts/benchmarks.py echo memory idle_memory lateness ;;
    --http) exec scripts/benchmarks.py http ;;
    *) exec scripts/benchmarks.py "$@" ;;
esac
