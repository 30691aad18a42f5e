"""Time of ``import stackopt`` (target: under 1 s), from ``python -X importtime``.

Runs a fresh interpreter a few times, prints the median total and the modules that cost most in
the last run (self time; the heavy optional ones - scipy.stats, pandas, cvxpy, matplotlib, dask -
should not appear, they load when first used).
Run: .venv/bin/python benchmarks/import_time.py [--runs 5] [--top 12]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

HEAVY = ("scipy", "pandas", "cvxpy", "matplotlib", "dask", "distributed")


def import_times(module: str) -> dict[str, tuple[int, int]]:
    """module -> (self, cumulative) import time in microseconds, from one fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        out[name.strip()] = (int(own), int(cumulative))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    totals, times = [], {}
    for _ in range(args.runs):
        times = import_times("stackopt")
        totals.append(times["stackopt"][1] / 1e6)
    print(
        f"import stackopt: median {statistics.median(totals):.3f} s over {args.runs} runs "
        f"(min {min(totals):.3f} s, max {max(totals):.3f} s; target < 1 s)"
    )
    print("\nmost expensive modules (self time, last run):")
    for name, (own, _) in sorted(times.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"  {own / 1e3:8.1f} ms  {name}")
    heavy = sorted({n.split(".")[0] for n in times} & set(HEAVY))
    print(f"\nheavy optional packages loaded at import: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
