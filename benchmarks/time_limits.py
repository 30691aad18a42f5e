"""How long ``so.solve(..., time_limit=T)`` takes, per method, on two large games.

The methods that take ``time_limit`` and a Pyomo game of any size: ``mpec`` (its default strategy,
the penalty), ``gradient``, ``slsqp`` and ``trust-constr``, each with default options, on the
paper-size security game (5 defenders x 100 targets, 250 leader Vars) and QRE subsidies
(3 players x 10 actions, 3000 leader Vars), with limits of 1 and 5 s. Prints the wall time of
each solve and its status (docs/result.md shows a run).

    python benchmarks/time_limits.py [--limits 1 5] [--methods mpec gradient slsqp trust-constr]
"""

from __future__ import annotations

import argparse
import time
import warnings

import stackopt as so

GAMES = {
    "security game 5 x 100": lambda: so.models.security_game(budget=0.6, seed=3),
    "QRE subsidies 3 x 10": lambda: so.models.qre_subsidy(3, 10),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument(
        "--methods", nargs="+", default=["mpec", "gradient", "slsqp", "trust-constr"]
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    so.solve(so.models.duopoly(), method="mpec")  # imports and first-use compilation
    print("| method | game | " + " | ".join(f"`time_limit` {t:g} s" for t in args.limits) + " |")
    print("|---|---|" + "---|" * len(args.limits))
    for method in args.methods:
        for name, build in GAMES.items():
            cells = []
            for limit in args.limits:
                game = build()
                began = time.perf_counter()
                res = so.solve(game, method=method, time_limit=limit)
                cells.append(f"{time.perf_counter() - began:.1f} s ({res.status})")
            print(f"| `{method}` | {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
