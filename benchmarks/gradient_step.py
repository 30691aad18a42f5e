"""Speed of one leader step (oracle + implicit gradient) on the QRE subsidy game, 3 followers x 10.

Targets (issue 3): median step <= 10 ms; a 5,000-step run <= 60 s (the paper: 466-4658 s per run);
step time / one sparse LU factorization of the KKT Jacobian < 5. Prints times and ratios.
Run: .venv/bin/python benchmarks/gradient_step.py [--steps 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.sparse.linalg as spla

import stackopt as so
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.kkt_evaluator import SPARSE_ORDERING, KKTEvaluator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    game = so.models.qre_subsidy(n=3, actions=10, budget=1.0, seed=0)
    t = time.perf_counter()
    res = so.solve(game, method="gradient", steps=args.steps, lr=0.01)
    total = time.perf_counter() - t
    step_times = [row["step_time"] for row in res.history]
    median = statistics.median(step_times)
    print(
        f"QRE subsidy 3x10, {len(res.history)} steps: status {res.status}, "
        f"welfare {res.leader_objective:.4f}, violation {res.violation:.2e}"
    )
    print(f"whole solve (compile + steps + honest evaluation): {total:.2f} s")
    print(f"median step: {1e3 * median:.2f} ms   (target <= 10 ms: ratio {median / 0.010:.2f})")
    print(
        f"projected 5,000-step run: {5000 * median:.1f} s   (target <= 60 s: ratio "
        f"{5000 * median / 60:.2f}; paper 466-4658 s)"
    )

    ev = KKTEvaluator(game)
    oracle = KKTOracle(game, ev)
    values = {v.name: v.value for v in ev.kkt.primal}
    z0, pi = ev.values_of(values | {n: 0.0 for n in ev.leader_names})
    at = ev.evaluate(oracle(pi, z0).z, pi)
    jac = at.jac_z.tocsc()
    print(f"the KKT Jacobian J_z: {jac.shape[0]}x{jac.shape[1]}, nnz {jac.nnz}")

    def timed(f, reps: int = 300) -> float:
        """The median time of one call, the statistic of the step time too."""
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    lus = {}
    for ordering, whose in (("COLAMD", "scipy's default"), (SPARSE_ORDERING, "stackopt's")):
        lus[ordering] = timed(lambda ordering=ordering: spla.splu(jac, permc_spec=ordering))
        print(
            f"one sparse LU (SuperLU, {ordering}, {whose} ordering): {1e6 * lus[ordering]:.1f} us; "
            f"step / factorization: {median / lus[ordering]:.1f}   (target < 5)"
        )
    lu = lus[SPARSE_ORDERING]
    z = at.z

    def leader(at):  # what a step reads of the leader: c, G, the gradients of c + w G
        return at.leader_cost, at.constraint_values, at.leader_vjp(1.0, weights)

    weights = np.ones(len(ev.leader_lb))
    parts = {
        "F alone (one Newton/chord trial point)": lambda: ev.evaluate(z, pi, derivatives=False),
        "F, J_z and the step's LU of J_z": lambda: ev.evaluate(z, pi).lu,
        "F, then the leader's functions and gradients": lambda: leader(ev.evaluate(z, pi)),
    }
    for name, f in parts.items():
        cost = timed(f)
        print(f"  {name}: {1e6 * cost:.1f} us = {cost / lu:.2f} LU")
    print(
        f"leader variables: {ev.n_pi}, step-time spread p10-p90: "
        f"{1e3 * np.percentile(step_times, 10):.2f}-{1e3 * np.percentile(step_times, 90):.2f} ms"
    )


if __name__ == "__main__":
    main()
