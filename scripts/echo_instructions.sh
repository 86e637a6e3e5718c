#!/usr/bin/env bash
# Server cost per echo request under a fixed load, deterministic enough to compare runtimes on a noisy
# shared machine: user-space instructions per request (callgrind on the server process only; the load
# generator runs natively outside valgrind) and server CPU time per request (the server's threads'
# /proc/<pid>/task/*/schedstat, nanoseconds, over a fixed number of round trips, servers pinned to CPU 0
# and the load generator to CPU 1).
#
#   scripts/echo_instructions.sh [ROUNDS] [case...]        default 40 CPU rounds (x F, plan()), all four cases
#       cases: 1x64 100x1024 1000x64 10x65536  (CONNECTIONS x BYTES); CONNECTIONSxhttp is a keep-alive
#       `GET /` per round trip, for the hyper servers hyper-tulip and hyper-tokio (benches/http_load.rs)
#   SERVERS="tulip-echo tokio-ct"   the servers (default: tulip-echo tulip-echo_protocol
#                                   tulip-echo_streams tokio-ct tokio-ct#2 smol)
#   CG_ROUNDS=2                     callgrind rounds (instruction counts barely move between runs)
#   REFERENCE=tokio-ct              the server the paired CPU ratios divide by
#                                   (NAME#TAG runs server NAME again: `tokio-ct#2`, the reference a
#                                   second time in its own process, shows the method's own noise and
#                                   bias; its ratio should straddle 1.00; callgrind skips it)
#   NO_CALLGRIND=1 / NO_CPU=1       skip one of the two measurements (its column prints "-")
#   NO_BUILD=1                      use the examples already in target/release/examples (echo_load
#                                   and http_load are still built when out of date)
#
# Instructions: every connection first makes W warm-up round trips (not counted), then N_CG measured
# ones (`echo_load -- fixed`, benches/echo/fixed.rs; every byte checked). The server runs under
# callgrind twice, with N = 0 and N = N_CG; (total(N_CG) - total(0)) / (connections x N_CG) cancels
# start-up, accepts, warm-up and teardown.
#
# CPU, paired and interleaved (`echo_load -- interleaved`, benches/echo/interleaved.rs): in each of
# ROUNDS rounds every server is started afresh, all at once, pinned to CPU 0; one load generator
# deals out S slices: in each slice every server has one turn (in a random order drawn afresh for
# each slice, so no server always follows the same one): K round trips per connection, the server's
# CPU time read just before and just after them (each time once it has gone back to sleep); in the
# few-connection cases each turn opens C new connections (the last turn's are closed) and warms them
# up with W round trips each before its first reading, elsewhere each server's C connections are
# opened and warmed up once per round. A turn is 10-70 ms, so both sides of a ratio see the same
# machine state; this VM's speed drifts by several per cent over seconds, which
# one-server-after-the-other runs could not separate from the servers; new connections each turn
# keep a connection's own luck (its kernel state, fixed when it opened) from lasting a whole round
# (plan()). A round's CPU per request is the server's CPU over all its turns divided by its measured
# round trips; each tulip server's is divided by the reference server's of the same round. The
# rounds differ mostly by the processes' luck (where their memory landed), so the rounds, each with
# new processes, are the samples: reported are the median ratio and a distribution-free confidence
# interval for it (order statistics of the per-round ratios, binomial, at least 95 % coverage; with
# fewer than 6 rounds no such interval exists and the smallest and largest ratio are given instead).
#
# Output on stdout, one line per case and server (stable, for scripts/benchmarks.py):
#   case server instructions_per_req cpu_us_per_req cpu_ratio ratio_lo ratio_hi rounds
# (cpu_us_per_req the median over the rounds; cpu_ratio the median paired ratio to REFERENCE, with its
# interval ratio_lo..ratio_hi; "-" where not measured, and for the reference itself). Raw per-round
# figures (with the wall-clock time per round trip in the server's turns, which with one connection is
# the latency a client sees) go to stderr and to target/echo_instructions/raw.tsv, every turn's to
# target/echo_instructions/turns.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${1:-40}"
CG_ROUNDS="${CG_ROUNDS:-2}"
REFERENCE="${REFERENCE:-tokio-ct}"
shift || true
if [ "$#" -gt 0 ]; then
    CASES=("$@")
else
    CASES=(1x64 100x1024 1000x64 10x65536)
fi
read -r -a SERVER_LIST <<<"${SERVERS:-tulip-echo tulip-echo_protocol tulip-echo_streams tokio-ct tokio-ct#2 smol}"

# Warm-up round trips per connection, measured ones under callgrind, and for the CPU rounds the round
# trips per connection in a server's turn (K) and the turns per server in a round (S): K x connections
# is about 1 000 round trips (4 000 at 1 000 connections, where a turn otherwise is mostly ramp-up),
# 7-70 ms. One turn's CPU per request moves by 5-15 % at 10 x 64 KiB and 2-5 % elsewhere; a round's
# (20 turns, each on new connections) by about 3-4 % at 10 x 64 KiB even for the same server run twice
# (`tokio-ct#2`), so the number of rounds sets the precision.
# Connections (CONN): `reopen`, new ones for every turn, where there are few (one connection's luck
# would otherwise last the round); `keep`, one set per server and round, at 100 and 1 000 connections
# (averaged over the others in every turn, and opening them all every turn takes longer than the turn).
# Rounds: ROUNDS x F. F = 2 where a round's ratio moves most (sd 3-4 % at 1 x 64 B and 10 x 64 KiB,
# against 1-2 % at 100 x 1 KiB and 1 000 x 64 B in the 40-round runs of 2026-11-30), so that every
# case's 95 % interval is about ±1 % wide: the size of the differences being judged there.
plan() { # case -> "W N_CG K S CONN F"
    case "$1" in
        1x64) echo "200 2000 1000 20 reopen 2" ;;
        100x1024) echo "5 40 10 20 keep 1" ;;
        1000x64) echo "2 20 4 20 keep 1" ;;
        10x65536) echo "5 100 100 20 reopen 2" ;;
        1xhttp) echo "200 2000 1000 20 reopen 1" ;;
        *xhttp) echo "5 100 100 20 reopen 1" ;;
        *) echo "5 100 100 20 reopen 1" ;;
    esac
}

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -p tulip --example echo --example echo_protocol --example echo_streams >&2
fi
LOAD=$(cargo bench -p tulip-benches --bench echo_load --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "echo_load" and m.get("executable"):
        print(m["executable"])
' || true)
[ -n "$LOAD" ] || { echo "could not build benches/echo_load.rs" >&2; exit 1; }
HTTP_LOAD=""
if [[ " ${SERVER_LIST[*]} " == *" hyper-"* ]]; then
    HTTP_LOAD=$(cargo bench -p tulip-benches --bench http_load --no-run --message-format=json 2>/dev/null |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "http_load" and m.get("executable"):
        print(m["executable"])
' || true)
    [ -n "$HTTP_LOAD" ] || { echo "could not build benches/http_load.rs" >&2; exit 1; }
fi
if [ -z "${NO_CALLGRIND:-}" ] && ! command -v valgrind >/dev/null; then
    echo "valgrind not found (apt-get install valgrind), or set NO_CALLGRIND=1" >&2
    exit 1
fi
OUT=target/echo_instructions
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

server_cmd() { # name (NAME#TAG runs NAME: the same server twice, for an A/A check of the method)
    local name=${1%%#*}
    case "$name" in
        tulip-*) echo "target/release/examples/${name#tulip-}" ;;
        tokio-ct | tokio-mt | smol | epoll) echo "$LOAD server $name" ;;
        hyper-tulip) echo "$HTTP_LOAD server tulip" ;;
        hyper-tokio) echo "$HTTP_LOAD server tokio-ct" ;;
        *) echo "unknown server $1" >&2; return 1 ;;
    esac
}

SPID=""
# Starts server NAME on CPU 0 (under WRAP, e.g. valgrind), waits for its address; sets ADDR and SPID.
start_server() { # name log [wrap...]
    local name=$1 log=$2 fifo line
    shift 2
    fifo="$OUT/stdout.fifo"
    rm -f "$fifo"
    mkfifo "$fifo"
    # shellcheck disable=SC2046
    taskset -c 0 "$@" $(server_cmd "$name") 127.0.0.1:0 >"$fifo" 2>"$log" &
    SPID=$!
    exec 3<"$fifo"
    read -r line <&3 || { echo "$name did not start (see $log)" >&2; return 1; }
    ADDR=${line#listening on }
}

stop_server() {
    kill -TERM "$SPID" 2>/dev/null || true
    local i
    for i in $(seq 100); do
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SPID" 2>/dev/null || true
    wait "$SPID" 2>/dev/null || true
    exec 3<&-
    rm -f "$OUT/stdout.fifo"
}

# Starts server NAME natively on CPU 0, its first line to a file, waits for its address; sets ADDR and
# SPID (several can run at once).
start_native() { # name
    local name=$1 file="$OUT/$1.native.out" i
    rm -f "$file"
    # shellcheck disable=SC2046
    taskset -c 0 $(server_cmd "$name") 127.0.0.1:0 >"$file" 2>"$OUT/$name.native.log" &
    SPID=$!
    for i in $(seq 300); do
        [ -s "$file" ] && break
        sleep 0.05
    done
    ADDR=$(head -n 1 "$file")
    ADDR=${ADDR#listening on }
    [ -n "$ADDR" ] || { echo "$name did not start (see $OUT/$name.native.log)" >&2; return 1; }
}

# The load: prints `requests=R cpu_ns=T wall_ns=W errors=E`.
load() { # conns size warmup measured [pid]
    taskset -c 1 "$LOAD" fixed "$ADDR" "$@"
}

# Total instructions of the server (all threads) serving `measured` round trips per connection.
callgrind_total() { # name conns size warmup measured
    local name=$1 file="$OUT/$1.$2x$3.$5.callgrind"
    start_server "$name" "$file.log" valgrind --tool=callgrind --callgrind-out-file="$file"
    load "$2" "$3" "$4" "$5" >/dev/null
    stop_server
    awk '/^(summary|totals):/ { print $2; exit }' "$file"
}

RAW="$OUT/raw.tsv"
: >"$RAW"
TURNS="$OUT/turns.txt" # every turn's line from echo_load, prefixed with its case, round and servers
: >"$TURNS"
# raw.tsv: case server round kind(ins|cpu) value wall_us_per_req
for case in "${CASES[@]}"; do
    conns=${case%%x*}
    size=${case#*x}
    read -r warm n_cg k_cpu s_cpu conn_cpu factor <<<"$(plan "$case")"
    if [ -z "${NO_CALLGRIND:-}" ]; then
        for round in $(seq "$CG_ROUNDS"); do
            for s in "${SERVER_LIST[@]}"; do
                [[ "$s" == *"#"* ]] && continue # a second run of a server: the same instructions
                base=$(callgrind_total "$s" "$conns" "$size" "$warm" 0)
                full=$(callgrind_total "$s" "$conns" "$size" "$warm" "$n_cg")
                ins=$(python3 -c "print(f'{($full - $base) / ($conns * $n_cg):.0f}')")
                printf '%s\t%s\t%s\tins\t%s\t-\n' "$case" "$s" "$round" "$ins" >>"$RAW"
                echo "  $case $s callgrind round $round: $ins instructions/req" >&2
            done
        done
    fi
    if [ -z "${NO_CPU:-}" ]; then
        n_servers=${#SERVER_LIST[@]}
        for round in $(seq $((ROUNDS * factor))); do
            pids=()
            targets=()
            names=()
            for i in $(seq 0 $((n_servers - 1))); do
                s=${SERVER_LIST[$(((i + round - 1) % n_servers))]}
                start_native "$s"
                pids+=("$SPID")
                targets+=("$ADDR:$SPID")
                names+=("$s")
            done
            r=$(taskset -c 1 "$LOAD" interleaved "$conns" "$size" "$warm" "$k_cpu" "$s_cpu" "$conn_cpu" \
                "${targets[@]}" 2>"$OUT/interleaved.log" || true)
            kill -TERM "${pids[@]}" 2>/dev/null || true
            wait "${pids[@]}" 2>/dev/null || true
            printf '%s\n' "$r" >"$OUT/interleaved.out"
            printf '%s\n' "$r" | sed "s/^/case=$case round=$round names=$(IFS=,; echo "${names[*]}") /" >>"$TURNS"
            python3 - "$OUT/interleaved.out" "$case" "$round" "${names[@]}" >>"$RAW" <<'PY'
import sys
out, case, rnd, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
text = open(out).read()
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in text.splitlines() if line.startswith("slice=")]
errors = [line for line in text.splitlines() if line.startswith("errors=")]
failed = not rows or errors != ["errors=0"]
for j, name in enumerate(names):
    mine = [r for r in rows if int(r["server"]) == j]
    reqs = sum(int(r["requests"]) for r in mine)
    if failed or reqs == 0:
        print(f"{case} {name}: failed round {rnd}, left out", file=sys.stderr)
        cpu = wall = "-"
    else:
        cpu = f"{sum(int(r['cpu_ns']) for r in mine) / 1000 / reqs:.3f}"
        # Wall-clock per round trip of one connection (with one connection: a client's latency).
        conns = int(case.split("x")[0])
        wall = f"{sum(int(r['wall_ns']) for r in mine) / 1000 / reqs * conns:.2f}"
    print(f"{case}\t{name}\t{rnd}\tcpu\t{cpu}\t{wall}")
    print(f"  {case} {name} CPU round {rnd}: {cpu} µs CPU/req, wall {wall} µs/req", file=sys.stderr)
PY
        done
    fi
done

python3 scripts/paired_ratio.py "$RAW" "$REFERENCE" "${SERVER_LIST[@]}"
