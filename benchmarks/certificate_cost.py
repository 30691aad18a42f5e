"""What certifying a Result costs, next to the solve it certifies (target: at most 20%).

For each game the same solve runs with ``certify=False`` (the equilibrium is still recomputed, no
best-response solves, no stationarity LP) and with ``certify=True``, alternating; the script prints
the median wall times and the certificate's share, ``res.certificate.seconds`` over the certified
solve's time without it (the checks are timed inside the run, so the ratio does not depend on the
machine's load the way a difference of two runs does).
Run: .venv/bin/python benchmarks/certificate_cost.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import stackopt as so

CASES = {
    "QRE subsidy 3 x 10, gradient (paper settings)": (
        lambda: so.models.qre_subsidy(n=3, actions=10, budget=1.0, seed=0),
        {
            "method": "gradient",
            "max_iter": 5000,
            "lr": 0.01,
            "optimizer": "adam",
            "line_search": False,
        },
    ),
    "QRE subsidy 3 x 10, mpec scholtes": (
        lambda: so.models.qre_subsidy(n=3, actions=10, budget=1.0, seed=0),
        {"method": "mpec", "strategy": "scholtes"},
    ),
    "security game 5 x 100, mpec penalty": (
        lambda: so.models.security_game(budget=0.6, seed=3),
        {"method": "mpec", "strategy": "penalty"},
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'game / method':48s} {'uncertified':>12s} {'certified':>10s} {'checks':>8s} {'cost':>7s}"
    )
    for label, (build, options) in CASES.items():
        times: dict[bool, list[float]] = {False: [], True: []}
        shares, checks, status = [], [], ""
        for _ in range(args.rounds):
            for certify in (False, True):
                game = build()
                start = time.perf_counter()
                res = so.solve(game, certify=certify, **options)
                times[certify].append(time.perf_counter() - start)
                if certify:
                    seconds = res.certificate.seconds
                    checks.append(seconds)
                    shares.append(seconds / (res.wall_time - seconds))
                    status = f"{res.status} {res.certificate!r}"
        plain, checked = (statistics.median(times[c]) for c in (False, True))
        print(
            f"{label:48s} {plain:10.2f} s {checked:8.2f} s {statistics.median(checks):6.2f} s "
            f"{100 * statistics.median(shares):6.1f}%\n    {status}"
        )


if __name__ == "__main__":
    main()
