"""Speed of the gradient method on the paper-size security game (5 defenders x 100 targets).

The reproduction's most expensive cells (results/wang2022). Prints the median step; then, at the
equilibrium, stackopt's factorization of the KKT Jacobian J_z (the inactive constraints eliminated
first, :mod:`stackopt.reduced_lu`) against one SuperLU of the whole J_z under each column ordering,
since the factorizations dominate the step.
Run: .venv/bin/python benchmarks/security_step.py [--steps 100] [--budget 0.6] [--seed 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import scipy.sparse.linalg as spla

import stackopt as so
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.start_points import current_value
from stackopt.kkt_evaluator import SPARSE_ORDERING, KKTEvaluator

#: the paper's setting (Algorithm 1: Adam, fixed steps of 0.01)
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}
ORDERINGS = ("COLAMD", "MMD_AT_PLUS_A", "MMD_ATA", "NATURAL")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--budget", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    game = so.models.security_game(budget=args.budget, seed=args.seed)
    t = time.perf_counter()
    res = so.solve(game, method="gradient", max_iter=args.steps, **PAPER)
    total = time.perf_counter() - t
    step_times = [row["step_time"] for row in res.history[1:]]  # step 0 finds the first equilibrium
    median = statistics.median(step_times)
    print(
        f"security game 5x100, budget {args.budget}, seed {args.seed}, {len(res.history)} steps: "
        f"status {res.status}, whole solve {total:.1f} s"
    )
    print(f"median step: {1e3 * median:.1f} ms; a 5,000-step run projects to {5000 * median:.0f} s")

    ev = KKTEvaluator(game)
    structure = ev.kkt.structure
    z, pi = ev.values_of(
        {v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars}
    )
    z = KKTOracle(game, ev)(pi, z).z
    at = ev.evaluate(z, pi)
    jac = at.jac_z.tocsc()
    print(f"J_z: {jac.shape[0]}x{jac.shape[1]}, nnz {jac.nnz}")
    reps = 10

    def timed(f) -> float:
        f()
        t = time.perf_counter()
        for _ in range(reps):
            f()
        return (time.perf_counter() - t) / reps

    evaluation = timed(lambda: ev.evaluate(z, pi).jac_pi_dot(0 * pi))  # F and J's entries
    with_lu = timed(lambda: ev.evaluate(z, pi).lu)  # the same, then stackopt's LU
    print(
        f"  stackopt's LU: {1e3 * (with_lu - evaluation):6.2f} ms ({len(at.lu.d)} inactive "
        f"constraints eliminated, S {len(at.lu.keep_rows)}x{len(at.lu.keep_rows)}); F and J's "
        f"entries: {1e3 * evaluation:.2f} ms"
    )
    for ordering in ORDERINGS:
        reps, t = 5, time.perf_counter()
        for _ in range(reps):
            lu = spla.splu(jac, permc_spec=ordering)
        cost = (time.perf_counter() - t) / reps
        used = "   (stackopt's)" if ordering == SPARSE_ORDERING else ""
        print(f"  SuperLU, {ordering:>13}: {1e3 * cost:6.2f} ms, fill {lu.L.nnz + lu.U.nnz}{used}")


if __name__ == "__main__":
    main()
