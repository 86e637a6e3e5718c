#!/usr/bin/env bash
# MSRV check, part two: every dependency the library crates build with (normal and build dependencies
# of the workspace members, as resolved in Cargo.lock) declares a `rust-version` no newer than ours
# (`[workspace.package] rust-version`). Part one is clippy's `incompatible_msrv` lint (on by default),
# which flags any std API newer than that version in our own code. Dev-dependencies (tests), and the
# dependencies of unpublished members (the benchmarks, `publish = false`), are listed when newer, not
# failed: they do not affect who can build the library.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys

def version(v):
    return tuple(int(x) for x in v.split(".")[:3]) + (0,) * (3 - len(v.split(".")))

meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
members = set(meta["workspace_members"])
ours = {packages[m].get("rust_version") for m in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"every workspace member must inherit one rust-version, found {sorted(map(str, ours))}")
msrv = ours.pop()
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}

# Unpublished members (benches) are not the library: their dependencies count as dev-dependencies.
published = {m for m in members if packages[m].get("publish") != []}

def reachable(kinds_allowed, roots):
    seen, stack = set(), list(roots)
    while stack:
        for dep in nodes[stack.pop()]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & kinds_allowed and dep["pkg"] not in seen and dep["pkg"] not in members:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    return seen

library = reachable({None, "build"}, published)
everything = reachable({None, "build", "dev"}, members)
too_new = lambda ids: sorted(
    (packages[i]["name"], packages[i]["version"], packages[i]["rust_version"])
    for i in ids
    if packages[i].get("rust_version") and version(packages[i]["rust_version"]) > version(msrv)
)
bad = too_new(library)
for name, ver, rv in too_new(everything - library):
    print(f"note: dev-dependency {name} {ver} needs Rust {rv} (tests and benches only)")
for name, ver, rv in bad:
    print(f"error: {name} {ver} needs Rust {rv}, newer than our rust-version {msrv}")
print(f"rust-version {msrv}: {len(library)} library dependencies checked, {len(bad)} too new")
sys.exit(1 if bad else 0)
'
