"""The demo: one library game solved by every route, side by side.

Run with ``python -m stackopt.app.demo [--game cournot] [--n 2]``. Each row is one ``stackopt.solve`` call;
every leader objective is evaluated at a recomputed follower equilibrium.
"""

from __future__ import annotations

import argparse
from typing import Any

import stackopt as so

ROUTES: list[tuple[str, dict[str, Any]]] = [
    ("initial", dict(method="initial")),
    ("mpec scholtes/ipopt", dict(method="mpec", strategy="scholtes")),
    ("mpec smoothed-fb/ipopt", dict(method="mpec", strategy="smoothed-fb")),
    ("mpec penalty/ipopt", dict(method="mpec", strategy="penalty")),
    ("mpec nlp/ipopt", dict(method="mpec", strategy="nlp")),
    ("mpec bigm/scip", dict(method="mpec", strategy="bigm")),
    ("mpec sos1/scip", dict(method="mpec", strategy="sos1")),
    ("gradient (kkt oracle, sgd)", dict(method="gradient", optimizer="sgd", lr=1.0, max_iter=500)),
    ("slsqp (black box)", dict(method="slsqp")),
    ("trust-constr (black box)", dict(method="trust-constr")),
]


def main(argv: list[str] | None = None) -> None:
    """Solve ``cournot(n)`` (leader + n followers at Nash) by every route and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2, help="number of followers (default 2)")
    args = parser.parse_args(argv)
    print(f"Cournot leader with {args.n} followers at Nash (P = 100 - Q, unit cost 10)")
    n = args.n
    print(f"closed form: q0 = 45, q_i = {45 / (n + 1):.6g}, leader profit {2025 / (n + 1):.6g}\n")
    header = f"{'route':<28}{'status':<17}{'q0':>10}{'profit':>12}{'violation':>11}{'time [s]':>10}"
    print(header)
    print("-" * len(header))
    for label, kwargs in ROUTES:
        res = so.solve(so.models.cournot(n=args.n), **kwargs)
        q0 = res.leader.get("q0", float("nan"))
        obj = float("nan") if res.leader_objective is None else res.leader_objective
        vio = float("nan") if res.violation is None else res.violation
        print(
            f"{label:<28}{res.status:<17}{q0:>10.4f}{obj:>12.4f}{vio:>11.1e}{res.wall_time:>10.3f}"
        )


if __name__ == "__main__":
    main()
