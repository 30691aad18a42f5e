"""The derivation of bigm's M values (backends/strategies/big_m_bounds.py) on the paper-size
security game (5 defenders x 100 targets, 500 complementarity pairs), and its FBBT against
Pyomo's block FBBT on the same constraints.

Printed: the seconds of ``derive`` for every side (it ends at the first multiplier without a
bound: the game's reimbursements are unbounded, so its multipliers are too) and for the slacks
only (the study's setting, ``dual_big_M`` given), and the seconds and constraint runs of the
package's FBBT and of ``pyomo.contrib.fbbt.fbbt`` on the model (the same algorithm but for the
queue: Pyomo's runs every constraint of each improved Var separately), with the number of
multiplier and slack bounds each gives.

Run: .venv/bin/python benchmarks/big_m_derivation.py [--seed 3] [--budget 0.6]
"""

from __future__ import annotations

import argparse
import time

import pyomo.environ as pyo
from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr, fbbt

import stackopt as so
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies import big_m_bounds


def _problem(budget: float, seed: int) -> MPECProblem:
    return MPECProblem(so.models.security_game(budget=budget, seed=seed))


def _bounded(problem: MPECProblem) -> tuple[int, int]:
    lam = sum(p.lam.ub is not None for p in problem.pairs)
    slack = sum(compute_bounds_on_expr(p.slack)[1] is not None for p in problem.pairs)
    return lam, slack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--budget", type=float, default=0.6)
    args = parser.parse_args()
    problem = _problem(args.budget, args.seed)
    n = len(problem.pairs)
    print(f"security game, budget {args.budget}, seed {args.seed}: {n} pairs")
    for label, which in (("every side", (True, True)), ("slacks only", (False, True))):
        started = time.perf_counter()
        bounds = big_m_bounds.derive(problem, [which] * n)
        seconds = time.perf_counter() - started
        found = sum(b.value is not None for pair in bounds for b in pair)
        print(f"derive, {label:12s} {seconds:6.2f} s  {found} finite bounds")
    rows = sum(1 for _ in problem.model.component_data_objects(pyo.Constraint, active=True))
    for label, tighten in (
        ("stackopt FBBT", lambda m: big_m_bounds._tighten(m, None)),
        ("pyomo fbbt", lambda m: fbbt(m, deactivate_satisfied_constraints=False)),
    ):
        fresh = _problem(args.budget, args.seed)
        started = time.perf_counter()
        tighten(fresh.model)
        seconds = time.perf_counter() - started
        lam, slack = _bounded(fresh)
        print(
            f"{label:14s} {seconds:6.2f} s on {rows} constraints: {lam} multiplier, "
            f"{slack} slack bounds"
        )


if __name__ == "__main__":
    main()
