#!/usr/bin/env python3
"""Docs coverage: every public item carries the `**asyncio:**` marker line and a runnable example.

    scripts/check_docs.py [--summary] [CRATE_DIR...]      default: core time net

A public item is a `pub` (not `pub(...)`) fn, struct, enum, union, trait or type alias in a crate's
sources, or a `pub` method in an inherent `impl` block. The workspace denies `unreachable_pub`, so every
such item is reachable from outside its crate. Left out: items marked `#[doc(hidden)]` or inside a hidden
module, trait impls, trait methods (documented on the trait), re-exports, consts, fields and variants,
test modules, items inside function bodies and `macro_rules!` definitions.

Each public item's doc comment must contain
  - a line with `**asyncio:**` naming the asyncio counterpart, or `**asyncio:** none (reason)` for an
    item listed by name (`Item`, `Type::method`, or `Type::*` for all of a type's methods) in
    scripts/docs_allow.txt: asyncio has nothing like it;
  - a code block (```, ```rust, ```no_run, ```should_panic) that rustdoc runs or at least compiles;
    ```ignore, ```compile_fail and other languages do not count.

Exits 1 and lists the offenders when any item misses either; prints per-crate counts.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOW_FILE = os.path.join(ROOT, "scripts", "docs_allow.txt")

ITEM_RE = re.compile(
    r"^pub\s+(?:(?:const|async|unsafe|extern\s+\"[^\"]*\")\s+)*(fn|struct|enum|union|trait|type)\s+([A-Za-z_][A-Za-z0-9_]*)"
)
MARKER = "**asyncio:**"
NONE_RE = re.compile(r"\*\*asyncio:\*\* none \(.+\)")
FENCE_RE = re.compile(r"^\s*```(.*)$")
RUNNABLE_TAGS = {"", "rust", "no_run", "should_panic"}


def blank_code(src):
    """The source with comments and string/char literal contents replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif re.match(r'b?r#*"', src[i:i + 40]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'b?r(#*)"', src[i:])
            if m is None:
                out.append(c)
                i += 1
                continue
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + re.sub(r"[^\n]", " ", src[i + 2:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j += 1
            out.append('"' + re.sub(r"[^\n]", " ", src[i + 1:j - 1]) + '"')
            i = j
        elif c == "'":
            m = re.match(r"'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", src[i:], re.S)
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_attrs(header):
    """(attributes, rest) of an item header: leading `#[...]` groups split off."""
    attrs = []
    h = header.lstrip()
    while h.startswith("#[") or h.startswith("#!["):
        depth, j = 0, h.index("[")
        while j < len(h):
            if h[j] == "[":
                depth += 1
            elif h[j] == "]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        attrs.append(h[: j + 1])
        h = h[j + 1:].lstrip()
    return attrs, h


def docs_of(raw_lines, start, item):
    """The `///` lines of an item whose header (attributes included) spans lines `start..=item`."""
    above = []
    k = start - 1
    while k >= 0 and raw_lines[k].strip().startswith("///"):
        above.append(raw_lines[k].strip()[3:])
        k -= 1
    above.reverse()
    inside = [ln.strip()[3:] for ln in raw_lines[start:item] if ln.strip().startswith("///")]
    return above + inside


def has_example(docs):
    in_block = False
    for d in docs:
        m = FENCE_RE.match(d)
        if not m:
            continue
        if in_block:
            in_block = False
            continue
        in_block = True
        tags = {t.strip() for t in m.group(1).split(",")}
        tags = {t for t in tags if not re.fullmatch(r"edition\d+", t)}
        if tags <= RUNNABLE_TAGS:
            return True
    return False


def scan_file(path):
    """Yields (item line, qualified name, docs) of each public item in one file (lines 1-based)."""
    src = open(path, encoding="utf-8").read()
    raw_lines = src.split("\n")
    code = blank_code(src)
    # Open blocks: (kind, name, hidden).
    stack = []
    start = None  # index in `code` where the current header begins
    for i, c in enumerate(code):
        if c not in "{;}":
            if start is None and not c.isspace():
                start = i
            continue
        if c == "}":
            if stack:
                stack.pop()
            start = None
            continue
        header = code[start:i] if start is not None else ""
        attrs, rest = strip_attrs(header)
        attr_text = "".join(attrs).replace(" ", "")
        hidden = "doc(hidden)" in attr_text
        if start is not None:
            first_line = code.count("\n", 0, start)
            item_line = code.count("\n", 0, start + header.find(rest)) if rest else first_line
        else:
            first_line = item_line = code.count("\n", 0, i)
        visible = all(k in ("mod", "macro") and not hid for k, _, hid in stack)
        in_impl = bool(stack) and stack[-1][0] == "impl" and all(
            k in ("mod", "macro") and not hid for k, _, hid in stack[:-1]
        )
        m = ITEM_RE.match(rest)
        if m and not hidden and (visible or (in_impl and m.group(1) == "fn")):
            name = m.group(2) if visible else stack[-1][1] + "::" + m.group(2)
            yield item_line + 1, name, docs_of(raw_lines, first_line, item_line)
        if c == "{":
            kind, name = "other", ""
            if re.match(r"^(pub(\([^)]*\))?\s+)?mod\s+\w+", rest):
                kind = "test" if "cfg(test)" in attr_text else "mod"
            elif re.match(r"^(unsafe\s+)?impl\b", rest):
                body = rest
                while True:
                    stripped = re.sub(r"<[^<>]*>", "", body)
                    if stripped == body:
                        break
                    body = stripped
                if re.search(r"\bfor\b", body):
                    kind = "trait_impl"
                else:
                    kind = "impl"
                    tm = re.search(r"impl\s+([A-Za-z_][A-Za-z0-9_:]*)", body)
                    name = tm.group(1).split("::")[-1] if tm else "?"
            elif re.match(r"^macro_rules!", rest):
                kind = "macro_rules"
            elif re.match(r"^[a-z_][a-z0-9_]*!\s*$", rest):
                kind = "macro"
            stack.append((kind, name, hidden))
        start = None


def hidden_modules(base):
    """Module paths (file path without `.rs`) declared `#[doc(hidden)] pub mod name;`."""
    hidden = []
    decl = re.compile(r"#\[doc\(hidden\)\]\s*(?:#\[[^\]]*\]\s*)*pub\s+mod\s+(\w+)\s*;")
    for dirpath, _, files in os.walk(base):
        for f in files:
            if not f.endswith(".rs"):
                continue
            src = open(os.path.join(dirpath, f), encoding="utf-8").read()
            own = dirpath if f in ("mod.rs", "lib.rs", "main.rs") else os.path.join(dirpath, f[:-3])
            for m in decl.finditer(src):
                hidden.append(os.path.join(own, m.group(1)))
    return hidden


def load_allow():
    allow = {}
    if os.path.exists(ALLOW_FILE):
        for ln in open(ALLOW_FILE, encoding="utf-8"):
            ln = ln.split("#", 1)[0].strip()
            if ln:
                allow[ln] = False
    return allow


def main(argv):
    summary = "--summary" in argv
    crates = [a for a in argv if not a.startswith("--")] or ["core", "time", "net"]
    allow = load_allow()
    offenders, totals = {}, {}
    for crate in crates:
        base = os.path.join(ROOT, crate, "src")
        totals[crate] = 0
        hidden = hidden_modules(base)
        for dirpath, _, files in sorted(os.walk(base)):
            for f in sorted(files):
                if not f.endswith(".rs"):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT)
                module = path[: -len("/mod.rs")] if f == "mod.rs" else path[: -len(".rs")]
                if any(module == h or module.startswith(h + os.sep) for h in hidden):
                    continue
                for ln, name, docs in scan_file(path):
                    totals[crate] += 1
                    problems = []
                    marker = [d for d in docs if MARKER in d]
                    wild = name.split("::")[0] + "::*"
                    listed = name in allow or wild in allow
                    if name in allow:
                        allow[name] = True
                    if wild in allow:
                        allow[wild] = True
                    if not marker:
                        problems.append("no **asyncio:** line")
                    elif any("**asyncio:** none" in d for d in marker):
                        if not listed:
                            problems.append("**asyncio:** none, but not in scripts/docs_allow.txt")
                        elif not any(NONE_RE.search(d) for d in marker):
                            problems.append("**asyncio:** none without a (reason)")
                    elif name in allow:
                        problems.append("in scripts/docs_allow.txt but names an asyncio counterpart")
                    if not has_example(docs):
                        problems.append("no runnable example")
                    if problems:
                        offenders.setdefault(crate, []).append((rel, ln, name, problems))
    # An entry no scanned crate has is stale only when every crate was scanned.
    full = set(crates) >= {"core", "time", "net"}
    stale = [k for k, used in allow.items() if not used and full]
    if not summary:
        for crate in crates:
            for rel, ln, name, problems in offenders.get(crate, []):
                print(f"{rel}:{ln}: {name}: {'; '.join(problems)}")
        for name in stale:
            print(f"scripts/docs_allow.txt: {name}: no such public item")
    print()
    for crate in crates:
        bad = len(offenders.get(crate, []))
        print(f"{crate:<6} {totals[crate]:>5} public items, {bad:>4} lacking the asyncio line or an example")
    return 1 if any(offenders.values()) or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
