#!/usr/bin/env bash
# System calls per echo request for tulip's echo servers and the tokio / smol comparison servers, and per
# HTTP/1.1 keep-alive request for tulip's hyper server (examples/http_server.rs, `GET /`), counted with
# `strace -c -f` over a fixed number of request/response round trips.
#
#   scripts/syscalls.sh [CONNS] [REQUESTS_PER_CONN] [SIZE] [server...]
#       defaults: 1 connection, 2000 round trips, 64-byte messages, all servers below
#       (SIZE does not apply to tulip-http_server: its request and response are fixed)
#   THINK_MS=1 (default): the client pauses this long after each response before the next request
#
# The pause makes the server wait for every request (the steady request/response case). Without it, strace
# (which slows every system call of the traced server, not of the client) lets the next request arrive
# before the server reads again, so reads find data without waiting and the cost of waiting for
# readiness disappears from the counts.
#
# Each server runs twice under strace: once serving CONNS connections that each make REQUESTS round trips,
# once with the same connections making none. The difference divided by CONNS * REQUESTS is the cost of
# one request (start-up, accept and close cancel out). The client (python3, one thread per connection)
# sends SIZE bytes and waits for all of them to come back before sending again. Counts are exact whatever
# the machine's load; only their split between calls can vary with timing (how often a read finds data).
# strace output stays in target/syscalls/.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS="${1:-1}"
REQS="${2:-2000}"
THINK_MS="${THINK_MS:-1}"
SIZE="${3:-64}"
shift 3 2>/dev/null || shift $#
if [ "$#" -gt 0 ]; then
    SERVERS=("$@")
else
    SERVERS=(tulip-echo tulip-echo_protocol tulip-echo_streams tulip-http_server tokio-ct smol)
fi

command -v strace >/dev/null || { echo "strace not found (apt-get install strace)" >&2; exit 1; }

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cargo build --release -p tulip --example echo --example echo_protocol --example echo_streams >&2
if [[ " ${SERVERS[*]} " == *" tulip-http_server "* ]]; then
    cargo build --release -p tulip --features hyper --example http_server >&2
fi
LOAD=$(cargo bench -p tulip-benches --bench echo_load --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "echo_load" and m.get("executable"):
        print(m["executable"])
')
[ -n "$LOAD" ] || { echo "could not build benches/echo_load.rs" >&2; exit 1; }
OUT=target/syscalls
mkdir -p "$OUT"

server_cmd() { # name
    case "$1" in
        tulip-*) echo "target/release/examples/${1#tulip-}" ;;
        tokio-ct | tokio-mt | smol) echo "$LOAD server $1" ;;
        *) echo "unknown server $1" >&2; return 1 ;;
    esac
}

# Round trips against ADDR: CONNS connections, each making N of them; exits non-zero on a short echo.
# MODE echo sends SIZE bytes and waits for them to come back; MODE http sends `GET /` (keep-alive) and
# reads one whole response (headers, then Content-Length bytes of body).
client() { # addr n mode
    python3 - "$1" "$CONNS" "$2" "$SIZE" "$THINK_MS" "$3" <<'EOF'
import socket, sys, threading, time
host, port = sys.argv[1].rsplit(":", 1)
conns, n, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
think = float(sys.argv[5]) / 1000
http = sys.argv[6] == "http"
payload = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n" if http else b"x" * size
errors = []
def http_response(s, pending):
    while b"\r\n\r\n" not in pending:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("server closed early")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("server closed early")
        rest += chunk
    return rest[length:]
def run():
    try:
        s = socket.create_connection((host, int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        for _ in range(n):
            s.sendall(payload)
            if http:
                pending = http_response(s, pending)
            else:
                got = 0
                while got < size:
                    chunk = s.recv(size - got)
                    if not chunk:
                        raise RuntimeError("server closed early")
                    got += len(chunk)
            if think:
                time.sleep(think)
        s.close()
    except Exception as e:
        errors.append(e)
threads = [threading.Thread(target=run) for _ in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    sys.exit(f"client failed: {errors[0]}")
EOF
}

# Runs server NAME under strace while the client makes N round trips per connection; the strace summary
# goes to FILE.
traced_run() { # name n file
    local cmd fifo line addr spid pid
    cmd=$(server_cmd "$1")
    fifo="$OUT/$1.$2.stdout"
    rm -f "$fifo"
    mkfifo "$fifo"
    # shellcheck disable=SC2086
    strace -c -f -o "$3" $cmd 127.0.0.1:0 >"$fifo" 2>/dev/null &
    spid=$!
    exec 3<"$fifo"
    read -r line <&3
    addr=${line#listening on }
    local mode=echo
    [[ "$1" == *http* ]] && mode=http
    client "$addr" "$2" "$mode"
    # Stop the server (the traced child, not strace) so strace writes its summary.
    pid=$(pgrep -P "$spid" | head -n1)
    kill -INT "$pid" 2>/dev/null || true
    sleep 0.2
    kill -TERM "$pid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    exec 3<&-
    rm -f "$fifo"
}

RESULTS="$OUT/results.tsv"
: >"$RESULTS"
for s in "${SERVERS[@]}"; do
    traced_run "$s" 0 "$OUT/$s.0.strace"
    traced_run "$s" "$REQS" "$OUT/$s.$REQS.strace"
    printf '%s\t%s\t%s\n' "$s" "$OUT/$s.0.strace" "$OUT/$s.$REQS.strace" >>"$RESULTS"
    echo "  $s done" >&2
done

python3 - "$RESULTS" "$((CONNS * REQS))" "$CONNS" "$REQS" "$SIZE" "$THINK_MS" <<'EOF'
import sys
def parse(path):
    calls, errors = {}, {}
    for line in open(path):
        f = line.split()
        if len(f) < 5 or not f[3].isdigit() or f[-1] == "total":
            continue
        name = {"epoll_pwait": "epoll_wait", "epoll_pwait2": "epoll_wait", "ppoll": "poll"}.get(f[-1], f[-1])
        calls[name] = calls.get(name, 0) + int(f[3])
        errors[name] = errors.get(name, 0) + (int(f[4]) if len(f) == 6 else 0)
    return calls, errors
total = int(sys.argv[2])
rows = []
for line in open(sys.argv[1]):
    name, base, full = line.rstrip("\n").split("\t")
    (bc, be), (fc, fe) = parse(base), parse(full)
    per = {k: (fc.get(k, 0) - bc.get(k, 0)) / total for k in set(fc) | set(bc)}
    err = sum(fe.values()) - sum(be.values())
    rows.append((name, per, err / total))
cols = ["epoll_wait", "epoll_ctl", "poll", "read", "recvfrom", "write", "sendto", "writev"]
print(f"\nSystem calls per request (strace -c -f; {sys.argv[3]} connections x {sys.argv[4]} round trips, "
      f"{sys.argv[5]} bytes, {sys.argv[6]} ms pause after each response; a 0-request run subtracted)\n")
print(f"{'server':<22}{'total':>8}" + "".join(f"{c:>11}" for c in cols) + f"{'failed':>8}")
for name, per, err in rows:
    tot = sum(per.values())
    print(f"{name:<22}{tot:>8.2f}" + "".join(f"{per.get(c, 0):>11.2f}" for c in cols) + f"{err:>8.2f}")
print("\nfailed: calls that returned an error (EAGAIN from a read or write that found nothing to do)")
EOF
