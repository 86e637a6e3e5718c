#!/usr/bin/env bash
# Server memory per idle connection, measured on the example servers themselves (release builds) and on
# the tokio / smol echo servers of benches/echo_load.rs: the server's RSS (VmRSS) before any client, with
# N connections open that never sent anything, and with the same N connections after each has echoed
# one message and gone quiet again. Loopback only (127.0.0.1).
#
#   scripts/idle_memory.sh [N] [server...]
#       defaults: N = 10000 connections; servers tulip-echo tulip-echo_protocol tulip-echo_streams
#       tokio-ct smol (tokio-ct and smol build benches/echo_load.rs, which pulls tokio and smol)
#   MSG=1024 (default): the size of the one message each connection echoes in the second phase
#   NO_BUILD=1: measure the example binaries already in target/release/examples (e.g. an older build)
#
# The client (python3, one process) holds every connection; the server is a separate process, so RSS
# growth is the server's alone. The descriptor limit is raised to the hard limit first (the server and
# the client each need N + a few descriptors).
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-10000}"
shift || true
if [ "$#" -gt 0 ]; then
    SERVERS=("$@")
else
    SERVERS=(tulip-echo tulip-echo_protocol tulip-echo_streams tokio-ct smol)
fi
MSG="${MSG:-1024}"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((N + 64)) ]; then
    echo "the hard descriptor limit ($hard) is below N + 64; use a smaller N" >&2
    exit 1
fi
ulimit -n "$hard"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -p tulip --example echo --example echo_protocol --example echo_streams >&2
fi
LOAD=""
for s in "${SERVERS[@]}"; do
    case "$s" in tokio-* | smol*) LOAD=needed ;; esac
done
if [ -n "$LOAD" ]; then
    LOAD=$(cargo bench -p tulip-benches --bench echo_load --no-run --message-format=json 2>/dev/null |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "echo_load" and m.get("executable"):
        print(m["executable"])
')
    [ -n "$LOAD" ] || { echo "could not build benches/echo_load.rs" >&2; exit 1; }
fi

CMDS=()
for s in "${SERVERS[@]}"; do
    case "$s" in
        tulip-*) CMDS+=("$s=target/release/examples/${s#tulip-}") ;;
        tokio-ct | tokio-mt | smol | smol-2) CMDS+=("$s=$LOAD server $s") ;;
        *) echo "unknown server $s" >&2; exit 1 ;;
    esac
done

python3 - "$N" "$MSG" "${CMDS[@]}" <<'EOF'
import os, signal, socket, subprocess, sys, time

n, msg = int(sys.argv[1]), int(sys.argv[2])
servers = [a.split("=", 1) for a in sys.argv[3:]]

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")

def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))

def settle(pid):
    """Waits until the server's RSS stops moving (two equal samples 0.5 s apart), at most 10 s."""
    last = rss(pid)
    for _ in range(20):
        time.sleep(0.5)
        now = rss(pid)
        if now == last:
            return now
        last = now
    return last

def measure(name, cmd):
    proc = subprocess.Popen(cmd.split() + ["127.0.0.1:0"], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"{name}: unexpected first line {line!r}")
        host, port = line[len("listening on "):].rsplit(":", 1)
        addr = (host, int(port))
        base_fds = fds(proc.pid)
        base = settle(proc.pid)
        socks = []
        for _ in range(n):
            socks.append(socket.create_connection(addr))
        deadline = time.time() + 120
        while fds(proc.pid) < base_fds + n:
            if time.time() > deadline:
                raise RuntimeError(f"{name}: only {fds(proc.pid) - base_fds} of {n} accepted")
            time.sleep(0.2)
        idle = settle(proc.pid)
        payload = b"x" * msg
        for s in socks:
            s.sendall(payload)
        for s in socks:
            got = 0
            while got < msg:
                chunk = s.recv(msg - got)
                if not chunk:
                    raise RuntimeError(f"{name}: server closed a connection")
                got += len(chunk)
        after = settle(proc.pid)
        for s in socks:
            s.close()
        return base, idle, after
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

rows = []
for name, cmd in servers:
    base, idle, after = measure(name, cmd)
    rows.append((name, base, (idle - base) / n, (after - base) / n))
    print(f"  {name} done", file=sys.stderr)

print(f"\nServer RSS per idle connection ({n} connections on 127.0.0.1; VmRSS growth over the server's RSS "
      f"before the first client, divided by {n})\n")
print("| server | RSS before | per connection, never used | per connection, after one "
      f"{msg} B echo each |")
print("| --- | ---: | ---: | ---: |")
for name, base, idle, after in rows:
    print(f"| {name} | {base / 1048576:.1f} MiB | {idle / 1024:.2f} KiB | {after / 1024:.2f} KiB |")
EOF
