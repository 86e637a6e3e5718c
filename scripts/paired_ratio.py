#!/usr/bin/env python3
"""Summarises scripts/echo_instructions.sh's raw.tsv: per case and server the median instructions and
CPU per request, and the paired CPU comparison with a reference server.

    scripts/paired_ratio.py RAW.tsv REFERENCE SERVER...

RAW.tsv rows: case, server, round, kind (`ins` or `cpu`), value, wall (tab-separated; value "-" when the
round failed). Paired ratio: a server's CPU per request over the reference's in the same round; the
median over the rounds, with a distribution-free confidence interval for that median from the order
statistics of the ratios (the narrowest interval [r_(k), r_(n+1-k)] whose binomial coverage
is at least 95 %; with fewer than 6 rounds none exists and the smallest and largest ratios are given).

Prints one line per case and server:
    case server instructions_per_req cpu_us_per_req cpu_ratio ratio_lo ratio_hi rounds
"""

import math
import sys
from statistics import median

COVERAGE = 0.95


def median_interval(xs):
    """(lo, hi, coverage) for the median of `xs`: order statistics k and n+1-k (1-based) with the largest
    k whose coverage 1 - 2 P(Binomial(n, 1/2) < k) is at least COVERAGE; (min, max, coverage) when even
    k = 1 falls short."""
    xs = sorted(xs)
    n = len(xs)
    best = 1

    def coverage(k):
        return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n

    for k in range(1, n // 2 + 1):
        if coverage(k) >= COVERAGE:
            best = k
    return xs[best - 1], xs[n - best], coverage(best)


def main(argv):
    raw, reference, servers = argv[1], argv[2], argv[3:]
    ins, cpu = {}, {}
    for line in open(raw):
        case, server, rnd, kind, value, _wall = line.rstrip("\n").split("\t")
        if value == "-":
            continue
        (ins if kind == "ins" else cpu).setdefault((case, server), {})[int(rnd)] = float(value)
    cases = list(dict.fromkeys(k[0] for k in list(ins) + list(cpu)))
    print(f"# case server instructions_per_req cpu_us_per_req cpu_ratio ratio_lo ratio_hi rounds "
          f"(medians; user-space instructions by callgrind, server CPU from schedstat; cpu_ratio: median "
          f"of the per-round CPU ratios to {reference} in the same round, ratio_lo..ratio_hi its "
          f">= {COVERAGE:.0%} confidence interval, order statistics)")
    for case in cases:
        ref = cpu.get((case, reference), {})
        for server in servers:
            i = ins.get((case, server), {})
            c = cpu.get((case, server), {})
            i_s = f"{median(i.values()):.0f}" if i else "-"
            c_s = f"{median(c.values()):.3f}" if c else "-"
            ratios = [c[r] / ref[r] for r in c if r in ref and ref[r] > 0]
            if server != reference and ratios:
                lo, hi, cov = median_interval(ratios)
                rat = f"{median(ratios):.4f} {lo:.4f} {hi:.4f} {len(ratios)}"
                if cov < COVERAGE:
                    print(f"  {case} {server}: {len(ratios)} rounds give no {COVERAGE:.0%} interval; "
                          f"min..max ({cov:.0%})", file=sys.stderr)
            else:
                rat = f"- - - {len(c)}"
            if i or c:
                print(f"{case} {server} {i_s} {c_s} {rat}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
