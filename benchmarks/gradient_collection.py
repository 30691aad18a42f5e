"""The gradient method with its default options on the public benchmark collection.

For every problem of :func:`stackopt.models.benchmarks.problems` that the KKT path takes (no
integer Vars): the status, the leader objective at the returned decision (honest evaluation, with
the certificate) against the known optimum, and the wall time of ``method="gradient"`` with default
options, and, for comparison, of one MPEC strategy (``--strategy``, Scholtes by default). It prints
one line per problem, then per method: solved (the objective matches the known optimum to the
problem's tolerance) / attempted, on all problems and on those whose followers are convex; the
number of ``error`` statuses; and the median time.

Run: ``python benchmarks/gradient_collection.py [--strategy scholtes] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import stackopt as so
from stackopt.models.benchmarks import problems


def run(problem, options: dict) -> tuple[str, float | None, float]:
    start = time.perf_counter()
    try:
        res = so.solve(problem.build(), **options)
        status, objective = res.status, res.leader_objective
    except so.ModelError as exc:  # a game this method cannot take
        status, objective = f"refused: {exc}"[:40], None
    return status, objective, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategy", default="scholtes", help="the MPEC strategy to compare")
    parser.add_argument("--only", nargs="*", help="problem names (default: all)")
    args = parser.parse_args()
    methods = {
        "gradient": dict(method="gradient"),
        args.strategy: dict(method="mpec", strategy=args.strategy),
    }
    chosen = [
        p
        for p in problems(exclude=["integer_leader", "integer_follower"])
        if not args.only or p.name in args.only
    ]
    rows = {label: [] for label in methods}
    print(f"{'problem':22s} {'optimum':>11s}  " + "  ".join(f"{m:>38s}" for m in methods))
    for p in chosen:
        cells = []
        for label, options in methods.items():
            status, objective, seconds = run(p, options)
            rows[label].append((p, status, objective, seconds))
            value = "none" if objective is None else f"{objective:.6g}"
            mark = "ok" if p.solved(objective) else "--"
            cells.append(f"{status[:16]:>16s} {value:>11s} {mark} {seconds:6.2f}s")
        print(f"{p.name:22s} {p.optimum:11.6g}  " + "  ".join(cells), flush=True)
    print()
    for label, results in rows.items():
        convex = [r for r in results if "convex_followers" in r[0].tags]
        solved = sum(p.solved(v) for p, _, v, _ in results)
        solved_convex = sum(p.solved(v) for p, _, v, _ in convex)
        errors = [p.name for p, status, _, _ in results if status == "error"]
        median = statistics.median(s for *_, s in results) if results else float("nan")
        print(
            f"{label:12s} solved {solved}/{len(results)}, convex followers {solved_convex}/"
            f"{len(convex)}, error {len(errors)} {errors}, median time {median:.2f}s"
        )


if __name__ == "__main__":
    main()
