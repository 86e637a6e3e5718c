#!/usr/bin/env python3
"""Runs tulip's benchmarks and writes BENCHMARKS.md from their results.

    scripts/benchmarks.py --all              every part in PARTS_ALL, then BENCHMARKS.md
    scripts/benchmarks.py PART [PART...]     only these parts (the others keep their last results)
    scripts/benchmarks.py --render           only write BENCHMARKS.md again from the saved results
    scripts/benchmarks.py --list             the parts and what each runs

Every part saves its parsed results with the command, commit, time, duration and load average before
and after in target/benchmarks/PART.json; BENCHMARKS.md is benches/BENCHMARKS.md.in with each
`{{name}}` placeholder replaced by a generated block. Nothing in the template states a figure: every
number in BENCHMARKS.md comes from these results. A part with no saved results renders as "not measured".

Settings (environment; the defaults are the full run: 48 min 18 s on the shared 2-vCPU VM on
2026-11-30 with nothing else running, 21 min of it echo_instr's, then 40 rounds for every case; about
15 min more with twice as many at 1 x 64 B and 10 x 64 KiB):
    BENCH_RUNS=3        criterion runs (benches/runtime.rs); the table shows medians over runs
    CRITERION_ARGS="--warm-up-time 1 --measurement-time 2"   passed to each criterion run
    INSTR_N=10000       operations per callgrind run (scripts/instructions.sh)
    SYSCALL_REQS=2000   round trips per strace run (scripts/syscalls.sh)
    ECHO_REPS=6 ECHO_SECS=5    rounds of the echo matrix (servers interleaved per round, the order
                               rotating each round; 6 is the fewest with a 95 % interval), seconds each
    ECHO_INSTR_ROUNDS=40       paired interleaved CPU rounds of scripts/echo_instructions.sh, twice as many
                               at 1 x 64 B and 10 x 64 KiB (CG_ROUNDS=2 callgrind ones)
    HTTP_REPS=5 HTTP_SECS=5    the same for hyper under wrk (benches/http_load.rs)
    IDLE_CONNS=10000    connections held open by scripts/idle_memory.sh
    LATENESS_RUNS=5 LATENESS_N=1000   rounds of 1 ms sleeps (benches/lateness.rs)
    OUT=BENCHMARKS.md   where to write the result

Adding a measurement: a script that prints one whitespace-separated record per line can be plugged
in as a part by one entry in LINE_PARTS below (its command and column names); its records appear as a
table in the `{{NAME}}` placeholder and are available to the targets table (see `targets()`).
"""

import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired_ratio import median_interval  # noqa: E402  (scripts/paired_ratio.py, beside this file)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
TEMPLATE = "benches/BENCHMARKS.md.in"


def env_int(name, default):
    return int(os.environ.get(name, default))


BENCH_RUNS = env_int("BENCH_RUNS", 3)
CRITERION_ARGS = os.environ.get("CRITERION_ARGS", "--warm-up-time 1 --measurement-time 2").split()
INSTR_N = env_int("INSTR_N", 10000)
SYSCALL_REQS = env_int("SYSCALL_REQS", 2000)
ECHO_REPS = env_int("ECHO_REPS", 6)
ECHO_SECS = env_int("ECHO_SECS", 5)
HTTP_REPS = env_int("HTTP_REPS", 5)
HTTP_SECS = env_int("HTTP_SECS", 5)
IDLE_CONNS = env_int("IDLE_CONNS", 10000)
LATENESS_RUNS = env_int("LATENESS_RUNS", 5)
LATENESS_N = env_int("LATENESS_N", 1000)
OUT = os.environ.get("OUT", "BENCHMARKS.md")

ENV = dict(os.environ, CARGO_TERM_COLOR="never")

# Parts fed by another script's output: NAME -> command, the columns of each record line (records are
# the lines with exactly that many whitespace-separated fields whose numeric columns parse), a title.
# `cmd` may be missing on a branch: the part is then skipped with a note.
LINE_PARTS = {
    "echo_instr": {
        "cmd": ["scripts/echo_instructions.sh", os.environ.get("ECHO_INSTR_ROUNDS", "40")],
        "columns": ["case", "runtime", "instructions_per_req", "cpu_us_per_req", "cpu_ratio", "ratio_lo",
                    "ratio_hi", "rounds"],
        "numeric": ["instructions_per_req", "cpu_us_per_req", "cpu_ratio", "ratio_lo", "ratio_hi", "rounds"],
        # Rendered as tables of these columns; the ratio and its interval go into one more table.
        "tables": ["instructions_per_req", "cpu_us_per_req"],
        "paired": ("cpu_ratio", "ratio_lo", "ratio_hi", "rounds"),
        "title": "Echo servers: instructions and CPU per request under a fixed load (deterministic)",
    },
}


# ---------------------------------------------------------------------------------------------------
# Running things


def log(msg):
    print(f"[benchmarks {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, check=True):
    """Runs `cmd`, its stderr to ours; returns its stdout."""
    log("$ " + " ".join(cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env or ENV, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode}")
    return p.stdout


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def commit():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, text=True).stdout.strip()
        return rev + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def bench_exe(name):
    """Builds the benches/ target `name` (release, bench profile) and returns its executable."""
    out = run(["cargo", "bench", "-p", "tulip-benches", "--bench", name, "--no-run",
               "--message-format=json"])
    for line in out.splitlines():
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("reason") == "compiler-artifact" and m["target"]["name"] == name and m.get("executable"):
            return m["executable"]
    raise RuntimeError(f"could not build benches target {name}")


def target_dir():
    out = run(["cargo", "metadata", "--format-version", "1", "--no-deps"])
    return json.loads(out)["target_directory"]


def md_tables(text):
    """Markdown tables in `text`: [(heading, [header cells], [[cells]...])]."""
    tables, heading, cur = [], "", None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            heading = s.lstrip("#").strip()
        if s.startswith("|") and s.endswith("|"):
            cells = [c.strip() for c in s[1:-1].split("|")]
            if cur is None:
                cur = (heading, cells, [])
                tables.append(cur)
            elif not all(set(c) <= set("-: ") for c in cells):
                cur[2].append(cells)
        else:
            cur = None
    return tables


def num(s):
    """The first number in a cell ("1 234.5 KiB" -> 1234.5), or None."""
    m = re.search(r"-?[\d ]*\d(?:\.\d+)?", s.replace("\u202f", " "))
    if not m:
        return None
    try:
        return float(m.group(0).replace(" ", ""))
    except ValueError:
        return None


def med(values):
    values = [v for v in values if v is not None and v == v]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------------------------------
# Parts: each returns (command shown in BENCHMARKS.md, data saved as JSON).


def part_criterion():
    """criterion micro-benchmarks (benches/runtime.rs), BENCH_RUNS times"""
    root = os.environ.get("CRITERION_HOME", os.path.join(target_dir(), "criterion"))
    runs = []
    for i in range(BENCH_RUNS):
        log(f"criterion run {i + 1} of {BENCH_RUNS}")
        start = time.time()
        run(["cargo", "bench", "-p", "tulip-benches", "--bench", "runtime", "--"] + CRITERION_ARGS)
        found = {}
        for dirpath, _, files in os.walk(root):
            if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
                continue
            if os.path.getmtime(os.path.join(dirpath, "estimates.json")) < start:
                continue
            bench = os.path.relpath(os.path.dirname(dirpath), root)
            with open(os.path.join(dirpath, "estimates.json")) as f:
                ns = json.load(f)["median"]["point_estimate"]
            elements = 1
            try:
                with open(os.path.join(dirpath, "benchmark.json")) as f:
                    elements = (json.load(f).get("throughput") or {}).get("Elements", 1)
            except FileNotFoundError:
                pass
            found[bench] = {"ns": ns, "elements": elements}
        runs.append(found)
    cmd = f"cargo bench -p tulip-benches --bench runtime -- {' '.join(CRITERION_ARGS)}, {BENCH_RUNS} time(s)"
    return cmd, {"runs": runs}


def part_instructions():
    """callgrind instructions per operation (scripts/instructions.sh INSTR_N)"""
    out = run(["scripts/instructions.sh", str(INSTR_N)])
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 6 and f[0] not in ("workload",):
            vals = [None if x == "-" else float(x) for x in f[1:4]]
            if all(v is None or isinstance(v, float) for v in vals):
                rows[f[0]] = dict(zip(("tulip", "tokio", "smol"), vals))
    return f"scripts/instructions.sh {INSTR_N}", {"rows": rows}


def parse_syscalls(out):
    cols, rows = None, {}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "server":
            cols = f[1:]
        elif cols and len(f) == len(cols) + 1:
            try:
                rows[f[0]] = dict(zip(cols, map(float, f[1:])))
            except ValueError:
                pass
    return rows


def part_syscalls():
    """strace system calls per request, waiting and queued (scripts/syscalls.sh)"""
    waiting = parse_syscalls(run(["scripts/syscalls.sh", "1", str(SYSCALL_REQS), "64"]))
    env = dict(ENV, THINK_MS="0")
    reqs = max(SYSCALL_REQS // 2, 1)
    queued = parse_syscalls(run(["scripts/syscalls.sh", "10", str(reqs), "64", "tulip-echo",
                                 "tulip-echo_protocol", "tulip-echo_streams", "tulip-http_server",
                                 "tokio-ct", "smol"], env=env))
    cmd = (f"scripts/syscalls.sh 1 {SYSCALL_REQS} 64 and THINK_MS=0 scripts/syscalls.sh 10 {reqs} 64")
    return cmd, {"waiting": waiting, "queued": queued}


def part_timer_syscalls():
    """system calls per timer created and cancelled (strace of benches/instructions.rs)"""
    exe = bench_exe("instructions")
    n = 100_000
    per = {}
    for rt in ("tulip", "tokio", "smol"):
        counts = []
        for k in (0, n):
            path = os.path.join(target_dir(), f"timer_syscalls.{rt}.{k}.strace")
            subprocess.run(["strace", "-c", "-f", "-o", path, exe, "timer_cancel", rt, str(k)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            total = 0
            for line in open(path):
                f = line.split()
                if len(f) >= 5 and f[3].isdigit() and f[-1] == "total":
                    total = int(f[3])
            counts.append(total)
        per[rt] = (counts[1] - counts[0]) / n
    return (f"strace -c -f BENCH timer_cancel RUNTIME {n}, minus the same with 0 timers (BENCH: "
            f"benches/instructions.rs)",
            {"per_timer": per, "n": n})


def part_idle_memory():
    """server RSS per idle connection on the example servers (scripts/idle_memory.sh)"""
    out = run(["scripts/idle_memory.sh", str(IDLE_CONNS)])
    rows = {}
    for _, header, body in md_tables(out):
        for cells in body:
            rows[cells[0]] = {"before_mib": num(cells[1]), "never_kib": num(cells[2]),
                              "after_kib": num(cells[3])}
    return f"scripts/idle_memory.sh {IDLE_CONNS}", {"rows": rows}


MEMORY_WORKLOADS = [
    ("parked", 100_000, "idle task parked on a channel (100 000)"),
    ("parked_bare", 100_000, "idle task parked on `pending()`, the runtime's own cost (100 000)"),
    ("sleeping", 1_000_000, "task sleeping 10 s (1 000 000)"),
    ("idle_tcp", 5_000, "idle TCP connection, server side, both ends in one process (5 000)"),
]


def part_memory():
    """RSS per parked task, sleeping task, idle connection (echo_load -- mem)"""
    exe = bench_exe("echo_load")
    rows = {}
    for workload, n, _ in MEMORY_WORKLOADS:
        for rt in ("tulip", "tokio", "smol"):
            out = run([exe, "mem", rt, workload, str(n)], check=False)
            rows.setdefault(workload, {})[rt] = num(out.strip() or "nan")
    return "cargo bench -p tulip-benches --bench echo_load -- mem RUNTIME WORKLOAD N", {"rows": rows}


ECHO_CASES = [(1, 64), (100, 1024), (10, 65536), (1000, 64)]
ECHO_SERVERS = [
    ("tulip echo", ["example", "echo"]),
    ("tulip echo_protocol", ["example", "echo_protocol"]),
    ("tulip echo_streams", ["example", "echo_streams"]),
    ("tokio current_thread", ["server", "tokio-ct"]),
    ("smol", ["server", "smol"]),
    ("raw epoll", ["server", "epoll"]),
]


def echo_once(exe, examples, server, conns, size, secs):
    kind, name = server
    argv = [os.path.join(examples, name)] if kind == "example" else [exe, "server", name]
    proc = subprocess.Popen(["taskset", "-c", "0"] + argv + ["127.0.0.1:0"], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"{argv}: unexpected first line {line!r}")
        addr = line[len("listening on "):]
        out = subprocess.run(["taskset", "-c", "1", exe, "load", addr, str(conns), str(size),
                              str(secs), str(proc.pid)], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
    finally:
        proc.kill()
        proc.wait()
    fields = dict(re.findall(r"(\w+): (?:Some\()?([-\d.e+NaN]+)", out))
    return {k: float(v) for k, v in fields.items()}


def part_echo():
    """echo matrix, servers interleaved per round: CPU per request, req/s (echo_load -- load)"""
    exe = bench_exe("echo_load")
    run(["cargo", "build", "--release", "-p", "tulip", "--example", "echo", "--example",
         "echo_protocol", "--example", "echo_streams"])
    examples = os.path.join(target_dir(), "release", "examples")
    samples = {}
    for conns, size in ECHO_CASES:
        case = f"{conns}x{size}"
        for rep in range(ECHO_REPS):
            # The order rotates each round, so a drift in the machine's load during a round does not
            # always fall on the same server.
            shift = rep % len(ECHO_SERVERS)
            for name, server in ECHO_SERVERS[shift:] + ECHO_SERVERS[:shift]:
                log(f"echo {case} {name} round {rep + 1}/{ECHO_REPS}")
                r = echo_once(exe, examples, server, conns, size, ECHO_SECS)
                samples.setdefault(case, {}).setdefault(name, []).append(r)
    cmd = (f"ECHO_REPS={ECHO_REPS} ECHO_SECS={ECHO_SECS} scripts/benchmarks.py echo (per case, "
           f"{ECHO_REPS} round(s) of every server in turn, order rotating, each: echo_load -- load ADDR CONNS SIZE "
           f"{ECHO_SECS} PID, against a fresh server)")
    return cmd, {"samples": samples}


def part_http():
    """hyper on tulip vs tokio under wrk (benches/http_load.rs)"""
    run(["scripts/install_wrk.sh"])
    out = run(["cargo", "bench", "-p", "tulip-benches", "--bench", "http_load", "--",
               str(HTTP_REPS), str(HTTP_SECS)])
    cases = {}
    for heading, header, body in md_tables(out):
        m = re.match(r"(\d+) keep-alive", heading)
        if not m:
            continue
        for cells in body:
            cases.setdefault(m.group(1), {})[cells[0]] = {
                "rps": num(cells[1]), "p50": num(cells[3]), "p99": num(cells[4]),
                "cpu": num(cells[5]), "errors": num(cells[7])}
    return f"cargo bench -p tulip-benches --bench http_load -- {HTTP_REPS} {HTTP_SECS}", {"cases": cases}


def part_lateness():
    """1 ms sleep lateness with the machine's floor (benches/lateness.rs)"""
    exe = bench_exe("lateness")
    out = run([exe, str(LATENESS_RUNS), str(LATENESS_N)])
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 7 and f[0] == "lateness":
            rows.setdefault(f[1], []).append(dict(zip(("p50", "p90", "p99", "max"),
                                                      map(float, f[3:]))))
    return (f"cargo bench -p tulip-benches --bench lateness -- {LATENESS_RUNS} {LATENESS_N}",
            {"rows": rows, "n": LATENESS_N})


UNINIT_TESTS = [("tulip", "io_readiness", "read_into_uninitialised_memory")]


def part_uninit():
    """the read into uninitialised memory works (its test)"""
    results = {}
    for pkg, test, name in UNINIT_TESTS:
        p = subprocess.run(["cargo", "test", "-p", pkg, "--test", test, "--", "--exact", name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
        passed = p.returncode == 0 and "1 passed" in p.stdout
        results[f"{test}::{name}"] = passed
    cmd = "; ".join(f"cargo test -p {p} --test {t} -- --exact {n}" for p, t, n in UNINIT_TESTS)
    return cmd, {"tests": results}


def line_part(name):
    spec = LINE_PARTS[name]
    if not os.path.exists(spec["cmd"][0]):
        raise FileNotFoundError(f"{spec['cmd'][0]} is not on this branch")
    out = run(spec["cmd"])
    records = []
    for line in out.splitlines():
        f = line.split()
        if len(f) != len(spec["columns"]):
            continue
        rec = dict(zip(spec["columns"], f))
        try:
            for c in spec["numeric"]:
                # "-": a measurement the script skipped.
                rec[c] = None if rec[c] == "-" else float(rec[c])
        except ValueError:
            continue
        records.append(rec)
    return " ".join(spec["cmd"]), {"records": records}


PARTS = {
    "instructions": part_instructions,
    "criterion": part_criterion,
    "syscalls": part_syscalls,
    "timer_syscalls": part_timer_syscalls,
    "uninit": part_uninit,
    "memory": part_memory,
    "idle_memory": part_idle_memory,
    "lateness": part_lateness,
    "echo": part_echo,
    "http": part_http,
}
def _line_part_fn(name):
    def part():
        return line_part(name)
    part.__doc__ = LINE_PARTS[name]["title"] + f" ({' '.join(LINE_PARTS[name]['cmd'])})"
    return part


for _name in LINE_PARTS:
    PARTS[_name] = _line_part_fn(_name)
PARTS_ALL = list(PARTS)

SAVED = None


def saved_dir():
    global SAVED
    if SAVED is None:
        SAVED = os.path.join(target_dir(), "benchmarks")
        os.makedirs(SAVED, exist_ok=True)
    return SAVED


def run_part(name):
    t0, load0, rev = time.time(), loadavg(), commit()
    try:
        cmd, data = PARTS[name]()
    except FileNotFoundError as e:
        log(f"part {name} skipped: {e}")
        return None
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        # The other parts still run; this part keeps its previous results (their commit and date show).
        log(f"part {name} FAILED: {e}")
        return False
    t1, load1 = time.time(), loadavg()
    rec = {"part": name, "command": cmd, "data": data, "commit": rev,
           "started": datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
           "seconds": round(t1 - t0), "load_before": load0, "load_after": load1}
    with open(os.path.join(saved_dir(), name + ".json"), "w") as f:
        json.dump(rec, f, indent=1)
    log(f"part {name}: {rec['seconds']} s, load average {load0} -> {load1}")
    return True


def load_saved():
    got = {}
    for name in PARTS:
        path = os.path.join(saved_dir(), name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                got[name] = json.load(f)
    return got


# ---------------------------------------------------------------------------------------------------
# Rendering


def f0(v):
    return "-" if v is None else f"{v:,.0f}".replace(",", " ")


def f1(v):
    return "-" if v is None else f"{v:,.1f}".replace(",", " ")


def f2(v):
    # `+ 0.0` and the rounding first: a baseline subtraction's -0.001 prints as 0.00, not -0.00.
    return "-" if v is None else f"{round(v, 2) + 0.0:.2f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fx(v):
    return "-" if v is None else f"{v:.2f}x"


def fns(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def table(header, rows, right_from=1):
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---" if i < right_from else "---:" for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def provenance(rec):
    return (f"Command: `{rec['command']}`. Measured {rec['started']} UTC on commit `{rec['commit']}`, "
            f"{rec['seconds']} s, load average {rec['load_before']} before, {rec['load_after']} after.")


def missing(name):
    return f"_Not measured in the saved results: run `scripts/benchmarks.py {name}`._"


def criterion_rows(rec):
    """(group, param) -> {runtime id: [{"ns", "elements"} per run]}."""
    rows = {}
    for r in rec["data"]["runs"]:
        for bench, v in r.items():
            parts = bench.split("/")
            if len(parts) < 2:
                continue
            rows.setdefault((parts[0], "/".join(parts[2:])), {}).setdefault(parts[1], []).append(v)
    return rows


def crit_ratio(ids, other):
    if other not in ids or "tulip" not in ids:
        return None
    return statistics.median(o["ns"] / t["ns"] for o, t in zip(ids[other], ids["tulip"]))


def render_criterion(rec):
    rows = []
    extra = []
    for (group, param), ids in sorted(criterion_rows(rec).items()):
        name = f"{group} ({param})" if param else group

        def cell(k):
            if k not in ids:
                return "-"
            ns = statistics.median(v["ns"] for v in ids[k])
            return f"{fns(ns)} ({fns(ns / ids[k][0]['elements'])})"
        if "tulip" in ids:
            rows.append([name, cell("tulip"), cell("tokio"), cell("smol"),
                         fx(crit_ratio(ids, "tokio")), fx(crit_ratio(ids, "smol"))])
        for k in sorted(k for k in ids if k not in ("tulip", "tokio", "smol")):
            extra.append([f"{name}: {k}", cell(k)])
    out = [provenance(rec), "",
           table(["group", "tulip", "tokio", "smol", "tokio/tulip", "smol/tulip"], rows)]
    if extra:
        out += ["", table(["tulip only", "time (per operation)"], extra)]
    return "\n".join(out)


def render_instructions(rec):
    rows = []
    for w, r in rec["data"]["rows"].items():
        t = r.get("tulip")
        rows.append([w, f0(t), f0(r.get("tokio")), f0(r.get("smol")),
                     fx(ratio(r.get("tokio"), t)), fx(ratio(r.get("smol"), t))])
    return provenance(rec) + "\n\n" + table(
        ["workload", "tulip", "tokio", "smol", "tokio/tulip", "smol/tulip"], rows)


SYSCALL_COLS = ["total", "epoll_wait", "epoll_ctl", "recvfrom", "read", "sendto", "writev", "write", "failed"]


def render_syscalls(rec):
    out = [provenance(rec)]
    for key, title in (("waiting", "One connection, 1 ms pause after each response (the server waits for every request):"),
                       ("queued", "Ten connections, no pause (requests queue up):")):
        rows = rec["data"][key]
        cols = [c for c in SYSCALL_COLS if any(r.get(c, 0) for r in rows.values()) or c in ("total", "failed")]
        out += ["", title, "", table(["server"] + cols,
                                     [[s] + [f2(r.get(c, 0.0)) for c in cols] for s, r in rows.items()])]
    return "\n".join(out)


def render_timer_syscalls(rec):
    per = rec["data"]["per_timer"]
    return provenance(rec) + "\n\n" + table(
        ["runtime", "system calls per timer created and cancelled"],
        [[rt, f"{v:.3f}"] for rt, v in per.items()])


def render_uninit(rec):
    return provenance(rec) + "\n\n" + table(
        ["test", "result"], [[t, "passed" if ok else "FAILED"] for t, ok in rec["data"]["tests"].items()])


def render_memory(rec):
    rows = []
    for workload, n, label in MEMORY_WORKLOADS:
        r = rec["data"]["rows"].get(workload, {})
        t = r.get("tulip")
        rows.append([label, f"{f0(t)} B", f"{f0(r.get('tokio'))} B", f"{f0(r.get('smol'))} B",
                     fx(ratio(r.get("tokio"), t)), fx(ratio(r.get("smol"), t))])
    return provenance(rec) + "\n\n" + table(
        ["workload", "tulip", "tokio current_thread", "smol", "tokio/tulip", "smol/tulip"], rows)


def render_idle_memory(rec):
    rows = [[s, f"{f1(r['before_mib'])} MiB", f"{f2(r['never_kib'])} KiB", f"{f2(r['after_kib'])} KiB"]
            for s, r in rec["data"]["rows"].items()]
    return provenance(rec) + "\n\n" + table(
        ["server", "RSS before", "per connection, never used", "per connection, after one 1 KiB echo"], rows)


def echo_medians(rec):
    """case -> server -> {"rps", "cpu", "p99", "errors"} (medians over rounds, errors summed)."""
    out = {}
    for case, servers in rec["data"]["samples"].items():
        for s, runs in servers.items():
            out.setdefault(case, {})[s] = {
                "rps": med(r.get("req_per_sec") for r in runs),
                "cpu": med(r.get("server_cpu_us_per_req") for r in runs),
                "p99": med(r.get("p99_us") for r in runs),
                "errors": sum(r.get("errors", 0) for r in runs),
                "cpus": [r.get("server_cpu_us_per_req") for r in runs],
            }
    return out


def case_label(case):
    """"10x65536" -> "10 x 64 KiB"; other names as they are."""
    m = re.fullmatch(r"(\d+)x(\d+)", case)
    if not m:
        return case.replace("x", " x ", 1)
    conns, size = int(m.group(1)), int(m.group(2))
    s = f"{size // 1024} KiB" if size >= 1024 else f"{size} B"
    return f"{conns:,} x {s}".replace(",", " ")


def render_echo(rec):
    m = echo_medians(rec)
    cases = list(m)
    servers = [s for s, _ in ECHO_SERVERS if any(s in m[c] for c in cases)]
    cpu_rows, rps_rows = [], []
    for s in servers:
        cpu_rows.append([s] + [f"{f2(m[c].get(s, {}).get('cpu'))} ({fx(ratio(m[c].get(s, {}).get('cpu'), m[c].get('tokio current_thread', {}).get('cpu')))})" for c in cases])
        rps_rows.append([s] + [f"{f0(m[c].get(s, {}).get('rps'))} ({fx(ratio(m[c].get(s, {}).get('rps'), m[c].get('tokio current_thread', {}).get('rps')))})" for c in cases])
    errors = sum(v["errors"] for c in m.values() for v in c.values())
    spread = []
    for c in cases:
        for s in servers:
            cpus = [x for x in m[c].get(s, {}).get("cpus", []) if x is not None]
            if len(cpus) > 1 and min(cpus) > 0:
                spread.append(max(cpus) / min(cpus))
    out = [provenance(rec), "",
           "Server CPU µs per request, median of the rounds (in brackets: / tokio current_thread's; "
           "lower is better):", "",
           table(["server"] + [case_label(c) for c in cases], cpu_rows), "",
           "req/s, median of the rounds (in brackets: / tokio current_thread's):", "",
           table(["server"] + [case_label(c) for c in cases], rps_rows), "",
           f"Errors (bytes lost or corrupted, connections failed) over all rounds: {int(errors)}."]
    if spread:
        out.append(f"Spread of one server's CPU per request between rounds of the same case: "
                   f"largest / smallest up to {max(spread):.2f}x (median over cells "
                   f"{statistics.median(spread):.2f}x).")
    return "\n".join(out)


def render_http(rec):
    rows = []
    for conns, servers in rec["data"]["cases"].items():
        t, k = servers.get("tulip", {}), servers.get("tokio current_thread", {})
        rows.append([conns, f0(t.get("rps")), f0(k.get("rps")), fx(ratio(t.get("rps"), k.get("rps"))),
                     f2(t.get("cpu")), f2(k.get("cpu")), fx(ratio(k.get("cpu"), t.get("cpu"))),
                     f0((t.get("errors") or 0) + (k.get("errors") or 0))])
    return provenance(rec) + "\n\n" + table(
        ["connections", "tulip req/s", "tokio req/s", "tulip / tokio", "tulip CPU µs/req",
         "tokio CPU µs/req", "CPU tokio / tulip", "errors"], rows)


LATENESS_ORDER = ["floor-nanosleep", "floor-epoll_pwait2", "tulip", "tokio", "smol", "paired-tulip",
                  "paired-floor"]
LATENESS_LABEL = {
    "floor-nanosleep": "floor: bare `clock_nanosleep`, slack 1 ns",
    "floor-epoll_pwait2": "floor: bare `epoll_pwait2`, slack 1 ns",
    "paired-tulip": "paired: tulip `sleep`, taking turns with the next row",
    "paired-floor": "paired: bare `epoll_pwait2` on the loop's thread",
}


def lateness_medians(rec):
    return {r: {q: med(x[q] for x in runs) for q in ("p50", "p90", "p99", "max")}
            for r, runs in rec["data"]["rows"].items()}


def render_lateness(rec):
    rows = rec["data"]["rows"]
    m = lateness_medians(rec)
    body = []
    for r in LATENESS_ORDER:
        if r not in rows:
            continue
        per_run = " / ".join(f0(x["p99"]) for x in rows[r])
        body.append([LATENESS_LABEL.get(r, r), f0(m[r]["p50"]), f0(m[r]["p90"]), f0(m[r]["p99"]),
                     per_run, f0(m[r]["max"])])
    return provenance(rec) + "\n\n" + table(
        ["runner", "p50", "p90", "p99", "p99 of each round", "max"], body)


def render_line_part(name, rec):
    """Records whose first two columns are a case and a runtime: one table per numeric column, a row
    per case, a column per runtime (in brackets: / the tokio current_thread one of the case). Other
    records: one row each."""
    spec = LINE_PARTS[name]
    recs = rec["data"]["records"]
    cols = spec["columns"]
    out = [provenance(rec)]
    if cols[:2] != ["case", "runtime"]:
        return "\n\n".join(out + [table(cols, [[f2(r[c]) if c in spec["numeric"] else r[c] for c in cols]
                                                for r in recs])])
    runtimes = list(dict.fromkeys(r["runtime"] for r in recs))
    cases = list(dict.fromkeys(r["case"] for r in recs))
    by = {(r["case"], r["runtime"]): r for r in recs}
    for c in spec.get("tables", spec["numeric"]):
        fmt = f0 if "instructions" in c else f2
        rows = []
        for case in cases:
            tok = next((by[(case, rt)][c] for rt in runtimes
                        if (case, rt) in by and is_tokio_reference(rt)), None)
            cells = []
            for rt in runtimes:
                v = by.get((case, rt), {}).get(c)
                r = ratio(v, tok)
                cells.append("" if (case, rt) not in by else fmt(v) + (f" ({fx(r)})" if r is not None else ""))
            rows.append([case_label(case)] + cells)
        out.append(f"{c.replace('_', ' ')}:\n\n" + table(["case"] + runtimes, rows))
    if spec.get("paired"):
        rows = []
        for case in cases:
            cells = [paired_cell(by.get((case, rt)), spec["paired"]) for rt in runtimes]
            rows.append([case_label(case)] + cells)
        out.append("CPU per request over tokio current_thread's in the same round (paired): median of the "
                   "per-round ratios [95 % confidence interval of that median] over n rounds (with fewer "
                   f"than {PAIRED_MIN_ROUNDS} rounds the brackets hold the smallest and largest ratio "
                   "instead):\n\n" + table(["case"] + runtimes, rows))
    return "\n\n".join(out)


def is_tokio_reference(runtime):
    """The tokio current_thread server the ratios divide by (not tokio multi_thread, not `tokio-ct#2`,
    the same server run again as a check of the method)."""
    return "tokio" in runtime and "mt" not in runtime and "#" not in runtime


def paired_cell(r, cols):
    """`0.97 [0.95, 0.99] n=15` from a record's paired-ratio columns; "" without them."""
    if not r:
        return ""
    med, lo, hi, n = (r.get(c) for c in cols)
    if med is None:
        return "reference" if n else ""
    return f"{med:.3f} [{lo:.3f}, {hi:.3f}] n={n:.0f}"


# Rounds below which the order statistics give no 95 % interval for a median (scripts/paired_ratio.py
# then reports the smallest and largest ratio instead).
PAIRED_MIN_ROUNDS = 6


def paired_verdict(r):
    """Judges "at most the reference's" from a record's paired ratio: met when the whole confidence
    interval of the median ratio is at or below 1, not met when the whole interval is above 1, level
    (None) when it spans 1: the rounds cannot tell the two apart. None as well with too few rounds
    for an interval."""
    if (r.get("rounds") or 0) < PAIRED_MIN_ROUNDS:
        return None
    if r.get("ratio_hi") is not None and r["ratio_hi"] <= 1.0:
        return True
    if r.get("ratio_lo") is not None and r["ratio_lo"] > 1.0:
        return False
    return None


# ---------------------------------------------------------------------------------------------------
# The targets of issue 10


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def paired_row_verdict(records, rounds):
    """The verdict of a paired CPU row over several tulip servers: not met when any server's interval
    is above 1, met when every one is at or below 1, else level (or no verdict, too few rounds)."""
    verdicts = [paired_verdict(r) for r in records]
    if False in verdicts or None not in verdicts:
        return verdict(False not in verdicts)
    if rounds < PAIRED_MIN_ROUNDS:
        return f"— (fewer than {PAIRED_MIN_ROUNDS} rounds: no interval)"
    return "**level** (within noise)"


def targets(saved):
    rows = []

    def row(target, measured, goal, ok, part):
        cmd = f"`scripts/benchmarks.py {part}`" if part in saved else f"not measured (`scripts/benchmarks.py {part}`)"
        rows.append([target, measured, goal, ok if isinstance(ok, str) else verdict(ok), cmd])

    # System calls per request.
    s = saved.get("syscalls")
    if s:
        waiting, queued = s["data"]["waiting"], s["data"]["queued"]
        for server in ("tulip-echo", "tulip-echo_protocol", "tulip-echo_streams", "tulip-http_server"):
            w, q = waiting.get(server), queued.get(server)
            if not w:
                continue
            reads = w.get("recvfrom", 0) + w.get("read", 0)
            writes = w.get("sendto", 0) + w.get("writev", 0) + w.get("write", 0)
            qe = q.get("epoll_wait") if q else None
            ok = reads <= 1.005 and writes <= 1.005 and qe is not None and qe < 1
            row(f"System calls per request, {server}",
                f"{reads:.2f} reads, {writes:.2f} writes, {w.get('epoll_wait', 0):.2f} epoll_wait waiting; "
                f"{'-' if qe is None else f'{qe:.2f}'} epoll_wait queued (tokio {waiting.get('tokio-ct', {}).get('total', 0):.2f} total)",
                "≤ 1 read, ≤ 1 write, a fraction of an epoll_wait when requests queue", ok, "syscalls")
    else:
        row("System calls per request", "-", "≤ 1 read, ≤ 1 write, a fraction of an epoll_wait", None, "syscalls")

    u = saved.get("uninit")
    if u:
        tests = u["data"]["tests"]
        row("Reads into uninitialised memory", ", ".join(f"`{t}` {'passed' if ok else 'failed'}" for t, ok in tests.items()),
            "a read into `&mut [MaybeUninit<u8>]` on sockets and `Async<T>`", all(tests.values()), "uninit")
    else:
        row("Reads into uninitialised memory", "-", "a read into uninitialised memory", None, "uninit")

    im = saved.get("idle_memory")
    for server in ("tulip-echo", "tulip-echo_protocol", "tulip-echo_streams"):
        r = im["data"]["rows"].get(server) if im else None
        if r:
            worst = max(r["never_kib"], r["after_kib"])
            row(f"Memory per idle connection, {server}", f"{r['never_kib']:.2f} / {r['after_kib']:.2f} KiB (never used / after one echo)",
                "≤ 2 KiB", worst <= 2.0, "idle_memory")
        else:
            row(f"Memory per idle connection, {server}", "-", "≤ 2 KiB", None, "idle_memory")

    e = saved.get("echo")
    m = echo_medians(e) if e else {}
    big = m.get("10x65536", {})
    if big.get("tulip echo") and big.get("tulip echo_streams"):
        rr = ratio(big["tulip echo_streams"]["rps"], big["tulip echo"]["rps"])
        cr = ratio(big["tulip echo_streams"]["cpu"], big["tulip echo"]["cpu"])
        row("`echo_streams` vs `echo`, 10 x 64 KiB", f"{fx(rr)} the req/s, {fx(cr)} the CPU per request",
            "within 10 % (req/s ≥ 0.90x)", rr is not None and rr >= 0.9, "echo")
    else:
        row("`echo_streams` vs `echo`, 10 x 64 KiB", "-", "within 10 %", None, "echo")

    mem = saved.get("memory")
    # The runtime's own cost of a parked task (on `pending()`); on a channel adds the channel's waiter.
    bare = mem["data"]["rows"].get("parked_bare", {}) if mem else {}
    chan = mem["data"]["rows"].get("parked", {}) if mem else {}
    if bare.get("tulip") is not None:
        row("Memory per parked task (100 000 on `pending()`)",
            f"{bare['tulip']:.0f} B (tokio {f0(bare.get('tokio'))}, smol {f0(bare.get('smol'))}; "
            f"parked on a channel: {f0(chan.get('tulip'))} B, tokio {f0(chan.get('tokio'))}, smol {f0(chan.get('smol'))})",
            "≤ 128 B", bare["tulip"] <= 128, "memory")
    else:
        row("Memory per parked task", "-", "≤ 128 B", None, "memory")

    lat = saved.get("lateness")
    if lat:
        lm = lateness_medians(lat)
        t = lm.get("tulip", {})
        fl = lm.get("floor-epoll_pwait2", {})
        pt, pf = lm.get("paired-tulip", {}), lm.get("paired-floor", {})
        measured = (f"{f0(t.get('p99'))} µs (p50 {f0(t.get('p50'))}); the floor in the same rounds "
                    f"{f0(fl.get('p99'))} µs (p50 {f0(fl.get('p50'))}); smol {f0(lm.get('smol', {}).get('p99'))} µs")
        if pt.get("p50") is not None and pf.get("p50") is not None:
            measured += (f"; paired turns, tulip minus floor: p50 {pt['p50'] - pf['p50']:+.1f} µs, "
                         f"p99 {pt['p99'] - pf['p99']:+.0f} µs")
        ok = t.get("p99") is not None and t["p99"] <= 100
        row("Timer lateness of a 1 ms sleep, p99", measured, "≤ 100 µs", ok, "lateness")
        if not ok and fl.get("p99") is not None and fl["p99"] > 100:
            rows[-1][3] += " (the bare floor was above 100 µs too: the machine's load, see the section)"
    else:
        row("Timer lateness of a 1 ms sleep, p99", "-", "≤ 100 µs", None, "lateness")

    c = saved.get("criterion")
    crows = criterion_rows(c) if c else {}
    live = {p: statistics.median(v["ns"] / v["elements"] for v in ids["tulip"])
            for (g, p), ids in crows.items() if g == "timer_insert_cancel" and "tulip" in ids}
    if live:
        ks = sorted(live, key=int)
        flat = max(live.values()) / min(live.values())
        row("Timer insert + cancel, 1 000 .. 1 000 000 live",
            ", ".join(f"{fns(live[k])} at {int(k):,}".replace(",", " ") for k in ks) + f" (largest / smallest {flat:.2f}x)",
            "flat (largest / smallest ≤ 1.25x)", flat <= 1.25, "criterion")
    else:
        row("Timer insert + cancel flat", "-", "flat from 1 000 to 1 000 000", None, "criterion")
    ts = saved.get("timer_syscalls")
    if ts:
        v = ts["data"]["per_timer"].get("tulip")
        row("System calls per timer (insert + cancel)", f"{v:.3f} (tokio {ts['data']['per_timer'].get('tokio', 0):.3f})",
            "none", v is not None and v < 0.01, "timer_syscalls")
    else:
        row("System calls per timer", "-", "none", None, "timer_syscalls")

    ins = saved.get("instructions")
    pp = ins["data"]["rows"].get("ping_pong") if ins else None
    if pp and pp.get("tulip"):
        r = ratio(pp.get("tokio"), pp["tulip"])
        row("Ping-pong vs tokio current_thread, instructions",
            f"{fx(r)} ({f0(pp['tulip'])} against {f0(pp.get('tokio'))} per round trip)", "≥ 1.10x",
            r is not None and r >= 1.1, "instructions")
    else:
        row("Ping-pong vs tokio, instructions", "-", "≥ 1.10x", None, "instructions")
    ppc = crows.get(("ping_pong", ""))
    if ppc and "tulip" in ppc:
        r = crit_ratio(ppc, "tokio")
        row("Ping-pong vs tokio current_thread, time (criterion)", fx(r), "≥ 1.10x",
            r is not None and r >= 1.1, "criterion")
    else:
        row("Ping-pong vs tokio, time (criterion)", "-", "≥ 1.10x", None, "criterion")

    for conns, size in ECHO_CASES:
        case = f"{conns}x{size}"
        cm = m.get(case, {})
        tokio = cm.get("tokio current_thread", {}).get("cpu")
        tulips = [(s, cm[s]["cpu"]) for s, _ in ECHO_SERVERS if s.startswith("tulip") and s in cm]
        if tokio and tulips:
            # Paired: each tulip server's CPU over tokio's in the same round, median over the rounds.
            tok_runs = cm["tokio current_thread"]["cpus"]
            paired = {}
            for s, _ in tulips:
                rs = [a / b for a, b in zip(cm[s]["cpus"], tok_runs) if a is not None and b]
                if rs:
                    lo, hi, _cov = median_interval(rs)
                    paired[s] = {"cpu_ratio": statistics.median(rs), "ratio_lo": lo, "ratio_hi": hi,
                                 "rounds": len(rs)}
                else:
                    paired[s] = None
            measured = ", ".join(f"{s[6:]} {f2(v)}" for s, v in tulips) + f" µs; tokio {f2(tokio)}"
            if all(v is not None for v in paired.values()):
                measured += ("; paired per round: " + ", ".join(
                    f"{s[6:]} {v['cpu_ratio']:.3f} [{v['ratio_lo']:.3f}, {v['ratio_hi']:.3f}]"
                    for s, v in paired.items()) + f" x tokio's, n={len(tok_runs)} rounds")
                ok = paired_row_verdict(paired.values(), len(tok_runs))
            else:
                ok = max(v for _, v in tulips if v is not None) <= tokio
            row(f"Server CPU per request, {case_label(case)}", measured,
                "≤ tokio current_thread's, every tulip server", ok, "echo")
        else:
            row(f"Server CPU per request, {case_label(case)}", "-", "≤ tokio current_thread's", None, "echo")
    # The deterministic per-request measurement (LINE_PARTS["echo_instr"]): every tulip server
    # against the tokio current_thread one of the same case, instructions and CPU each.
    ei = saved.get("echo_instr")
    if ei:
        by = {}
        for r in ei["data"]["records"]:
            by.setdefault(r["case"], {})[r["runtime"]] = r
        for case, rts in by.items():
            tok = next((v for k, v in rts.items() if is_tokio_reference(k)), None)
            tul = {k: v for k, v in rts.items() if "tulip" in k}
            col = "instructions_per_req"
            vals = [v[col] for v in tul.values() if v[col] is not None]
            if tok and tok[col] is not None and vals:
                row(f"Server instructions per request (fixed load), {case_label(case)}",
                    ", ".join(f"{k.replace('tulip-', '')} {f0(v[col])}" for k, v in tul.items())
                    + f"; tokio {f0(tok[col])}",
                    "≤ tokio current_thread's, every tulip server", max(vals) <= tok[col], "echo_instr")
            paired = {k: v for k, v in tul.items() if v.get("cpu_ratio") is not None}
            if tok and tok.get("cpu_us_per_req") is not None and paired:
                ok = paired_row_verdict(paired.values(), tok.get("rounds") or 0)
                row(f"Server CPU per request (fixed load, paired, interleaved), {case_label(case)}",
                    ", ".join(f"{k.replace('tulip-', '')} {v['cpu_ratio']:.3f} [{v['ratio_lo']:.3f}, "
                              f"{v['ratio_hi']:.3f}]" for k, v in paired.items())
                    + f" x tokio's ({f2(tok['cpu_us_per_req'])} µs), n={tok['rounds']:.0f} rounds"
                    + "".join(f"; check, {k} (tokio again): {v['cpu_ratio']:.3f} [{v['ratio_lo']:.3f}, "
                              f"{v['ratio_hi']:.3f}]" for k, v in rts.items()
                              if "#" in k and v.get("cpu_ratio") is not None),
                    "≤ tokio current_thread's, every tulip server", ok, "echo_instr")
    return table(["target (issue 10)", "measured", "target", "verdict", "command"], rows, right_from=99)


def header(saved):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, text=True).stdout.strip()
        except OSError:
            return "?"
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    commits = sorted({r["commit"] for r in saved.values()})
    dates = sorted(r["started"] for r in saved.values())
    # The span ends when the part that ended last ended, not when the last one started.
    fmt = "%Y-%m-%d %H:%M"
    ends = [datetime.datetime.strptime(r["started"], fmt) + datetime.timedelta(seconds=r["seconds"])
            for r in saved.values()]
    if ends:
        dates.append(max(ends).strftime(fmt))
    total = sum(r["seconds"] for r in saved.values())
    loads = [float(r["load_before"]) for r in saved.values()] + [float(r["load_after"]) for r in saved.values()]
    return "\n".join([
        f"- **Machine:** {os.cpu_count()} CPUs ({cpu}), {mem}, {sh('uname -sr')}, {sh('rustc -V')}.",
        f"- **Measured:** {dates[0] if dates else '-'} to {dates[-1] if dates else '-'} UTC, commit "
        f"{', '.join(f'`{c}`' for c in commits) or '-'}; the parts took {total // 60} min {total % 60} s "
        f"together; load average (1 min) between {min(loads) if loads else '-'} and "
        f"{max(loads) if loads else '-'} at the parts' starts and ends (each section gives its own).",
    ])


def render(saved):
    with open(TEMPLATE) as f:
        text = f.read()
    renderers = {
        "header": lambda: header(saved),
        "targets": lambda: targets(saved),
    }
    simple = {"criterion": render_criterion, "instructions": render_instructions,
              "syscalls": render_syscalls, "timer_syscalls": render_timer_syscalls,
              "uninit": render_uninit, "memory": render_memory, "idle_memory": render_idle_memory,
              "echo": render_echo, "http": render_http, "lateness": render_lateness}
    for name, fn in simple.items():
        renderers[name] = (lambda n, g: lambda: g(saved[n]) if n in saved else missing(n))(name, fn)
    for name in LINE_PARTS:
        renderers[name] = (lambda n: lambda: render_line_part(n, saved[n]) if n in saved else missing(n))(name)

    def sub(mt):
        key = mt.group(1)
        if key not in renderers:
            raise KeyError(f"{TEMPLATE}: unknown placeholder {{{{{key}}}}}")
        return renderers[key]()
    text = re.sub(r"\{\{(\w+)\}\}", sub, text)
    with open(OUT, "w") as f:
        f.write(text)
    log(f"wrote {OUT}")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "--list":
        for name, fn in PARTS.items():
            doc = (fn.__doc__ or "").strip().splitlines()
            print(f"{name:<16}{doc[0] if doc else ''}")
        return 0
    if argv[0] == "--render":
        render(load_saved())
        return 0
    names = PARTS_ALL if argv[0] == "--all" else argv
    unknown = [n for n in names if n not in PARTS]
    if unknown:
        print(f"unknown part(s): {' '.join(unknown)}; parts: {' '.join(PARTS)}", file=sys.stderr)
        return 2
    t0 = time.time()
    failed = [name for name in names if run_part(name) is False]
    log(f"parts done in {time.time() - t0:.0f} s" + (f"; not measured: {' '.join(failed)}" if failed else ""))
    render(load_saved())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
