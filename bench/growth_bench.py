"""Cost as work grows: ``scale_bench.py`` at several sizes, one after the other, and one table comparing them.

Issue 21, part 7: at 1× (1M citizens, 5M applications, 10M wallet documents) and 2× its size, the officer inbox,
a citizen's application list and an application's detail keep their p95 flat, and submit keeps its throughput
within 10 %. Each size gets its own freshly generated database (dropped afterwards unless --keep), measured by the
same code as ``scale_bench.py`` (its full report is printed, and appended to --markdown, for each size); the
table compares every size with the first.

    .venv/bin/python bench/growth_bench.py [--scales 1,2] [any scale_bench.py option except --scale/--reuse]
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

import scale_bench
from http_bench import _raise_interrupt

# "Flat": a read's p95 at the larger size within this factor of the first size's. An index look-up grows with the
# logarithm of the rows (at most one more B-tree level from 1× to 2×); more than this is a plan that scans.
FLAT_FACTOR = 1.25
# Submit throughput at the larger size at least this share of the first size's.
SUBMIT_SHARE = 0.90


def parse(argv: Sequence[str] | None) -> tuple[list[float], argparse.Namespace]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--scales", default="1,2", help="sizes to measure, as multiples of scale_bench's (default 1,2)")
    own, rest = parser.parse_known_args(argv)
    try:
        scales = [float(s) for s in own.scales.split(",") if s.strip()]
    except ValueError:
        parser.error("--scales takes numbers separated by commas, e.g. 1,2")
    if len(scales) < 2 or any(s <= 0 for s in scales):
        parser.error("--scales needs at least two positive sizes")
    args = scale_bench.parse_args(rest)
    if args.reuse:
        parser.error("--reuse measures one database; growth needs a fresh one per size")
    return scales, args


def rows(scales: Sequence[float], reports: Sequence[scale_bench.Report]) -> list[tuple[str, ...]]:
    """One row per measure: its figure at each size, the last size's over the first's, the target, the verdict."""
    out: list[tuple[str, ...]] = []
    first = reports[0]
    if first.queries is not None:
        for i, latency in enumerate(first.queries.rows):
            p95 = [r.queries.rows[i].pct(95) if r.queries else float("nan") for r in reports]
            ratio = p95[-1] / p95[0] if p95[0] else float("nan")
            verdict = "pass" if ratio <= FLAT_FACTOR and all(p < scale_bench.TARGET_P95_MS for p in p95) else "FAIL"
            target = f"≤ {FLAT_FACTOR:.2f}× and p95 < {scale_bench.TARGET_P95_MS:.0f} ms"
            out.append((f"{latency.label}, p95 ms", *(f"{p:.2f}" for p in p95), f"{ratio:.2f}", target, verdict))
    if first.submit is not None:
        rates = [r.submit.rate if r.submit else 0.0 for r in reports]
        ratio = rates[-1] / rates[0] if rates[0] else 0.0
        clean = all(r.submit is not None and r.submit.errors == 0 and r.submit.verified for r in reports)
        verdict = "pass" if ratio >= SUBMIT_SHARE and clean else "FAIL"
        target = f"≥ {SUBMIT_SHARE:.2f}×, 0 errors, verified"
        out.append(("POST /api/v1/applications, per s", *(f"{r:,.0f}" for r in rates), f"{ratio:.2f}", target, verdict))
    return out


def table(scales: Sequence[float], reports: Sequence[scale_bench.Report]) -> str:
    sizes = [f"{s:g}× ({r.sizes.applications:,} applications)" for s, r in zip(scales, reports, strict=True)]
    header = ("measure", *sizes, f"{scales[-1]:g}× / {scales[0]:g}×", "target", "result")
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", *["---:"] * (len(sizes) + 1), "---", "---"]) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(scales, reports)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    scales, args = parse(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    base = (args.citizens, args.applications, args.documents)
    reports = []
    try:
        for scale in scales:
            args.scale = scale
            args.citizens, args.applications, args.documents = base
            scale_bench.say(f"\n=== size {scale:g}× ===")
            reports.append(scale_bench.measure_scale(args))
    except KeyboardInterrupt:
        scale_bench.say("\ninterrupted (the server was stopped and the database dropped unless --keep)")
        return 130
    report = (
        "### Cost as work grows\n\n- Command: `" + scale_bench.command_line(args) + "`\n\n" + table(scales, reports)
    )
    print(report)
    if args.markdown and args.markdown != "-":
        with open(args.markdown, "a", encoding="utf-8") as out:
            out.write("\n" + report + "\n")
    return 0 if all(row[-1] == "pass" for row in rows(scales, reports)) else 1


if __name__ == "__main__":
    sys.exit(main())
