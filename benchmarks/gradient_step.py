"""Speed of one leader step (oracle + implicit gradient) on the QRE subsidy game, 3 followers x 10.

Targets (issue 3): median step <= 10 ms; a 5,000-step run <= 60 s (the paper: 466-4658 s per run);
step time / one sparse LU factorization of the KKT Jacobian < 5. Prints times and ratios, and the
step with the paper's own oracle (damped best responses) for comparison. The target's factorization
is scipy's sparse LU as it comes (``splu``, SuperLU with its default COLAMD ordering); the ratio to
SuperLU with the fastest ordering on this matrix (minimum degree on J^T + J, which stackopt uses
for its own sparse factorizations) is printed too, as a stricter yardstick.

The run is the paper's setting (lr 0.01, Adam, up to 5,000 steps; the method stops once it is
stationary). This host's speed drifts by up to a factor of two within minutes, so step and LU are
timed as pairs: each round times the LU, runs the gradient method, and times the LU again, and
its ratio divides the run's median step by the median of those LUs. The rounds' ratios are
summarized by their median.
Run: .venv/bin/python benchmarks/gradient_step.py [--rounds 5] [--steps 5000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse.linalg as spla

import stackopt as so
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.kkt_evaluator import SPARSE_ORDERING, KKTEvaluator

# (SuperLU's column ordering, whose it is, how the ratio is read)
#: the paper's setting (Algorithm 1: Adam, fixed steps of 0.01)
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}
ORDERINGS = (
    ("COLAMD", "scipy's default", "target < 5"),
    (
        SPARSE_ORDERING,
        "stackopt's",
        "the fastest ordering on this matrix: stricter than the target",
    ),
)
FIRST = 200  # the early steps, where the leader moves most, are also reported on their own


def timed(f: Callable[[], object], reps: int = 150) -> list[float]:
    """The times of ``reps`` single calls (the step time is one call too)."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    game = so.models.qre_subsidy(n=3, actions=10, budget=1.0, seed=0)

    ev = KKTEvaluator(game)
    values = {v.name: v.value for v in ev.kkt.primal}
    z0, pi = ev.values_of(values | {n: 0.0 for n in ev.leader_names})
    at = ev.evaluate(KKTOracle(game, ev)(pi, z0).z, pi)
    jac = at.jac_z.tocsc()
    print(f"the KKT Jacobian J_z: {jac.shape[0]}x{jac.shape[1]}, nnz {jac.nnz}")
    factorizations = {
        ordering: (lambda ordering=ordering: spla.splu(jac, permc_spec=ordering))
        for ordering, _, _ in ORDERINGS
    }

    rows = []
    for r in range(args.rounds):
        before = {o: timed(f) for o, f in factorizations.items()}
        t = time.perf_counter()
        res = so.solve(game, method="gradient", max_iter=args.steps, **PAPER)
        total = time.perf_counter() - t
        after = {o: timed(f) for o, f in factorizations.items()}
        steps = [row["step_time"] for row in res.history]
        lu = {o: statistics.median(before[o] + after[o]) for o in factorizations}
        rows.append((len(steps), statistics.median(steps), statistics.median(steps[:FIRST]), lu))
        print(
            f"round {r + 1}: {len(steps)} steps ({res.status}, welfare {res.leader_objective:.4f}, "
            f"violation {res.violation:.1e}) in {total:.2f} s with compilation; median step "
            f"{1e6 * rows[-1][1]:.0f} us (first {FIRST}: {1e6 * rows[-1][2]:.0f} us); one LU "
            + ", ".join(f"{o} {1e6 * lu[o]:.0f} us" for o in factorizations)
        )

    median = statistics.median(row[1] for row in rows)
    print(f"median step: {1e3 * median:.2f} ms   (target <= 10 ms: ratio {median / 0.010:.2f})")
    print(
        f"a 5,000-step run at that median: {5000 * median:.1f} s   (target <= 60 s: ratio "
        f"{5000 * median / 60:.2f}; paper 466-4658 s)"
    )
    for ordering, whose, reading in ORDERINGS:
        ratios = [row[1] / row[3][ordering] for row in rows]
        early = [row[2] / row[3][ordering] for row in rows]
        print(
            f"step / one sparse LU (SuperLU, {ordering}, {whose} ordering): "
            f"{statistics.median(ratios):.1f} (rounds {min(ratios):.1f}-{max(ratios):.1f}; "
            f"first {FIRST} steps {statistics.median(early):.1f})   ({reading})"
        )

    paper = so.solve(game, method="gradient", oracle="relaxation", max_iter=20, **PAPER)
    slow = statistics.median(row["step_time"] for row in paper.history)
    print(
        f"with the paper's oracle (damped best responses by Ipopt, oracle='relaxation'), 20 "
        f"steps: median step {1e3 * slow:.1f} ms = {slow / median:.0f} x the kkt oracle's; "
        f"5,000 steps at that median: {5000 * slow:.0f} s"
    )

    lu = statistics.median(row[3][SPARSE_ORDERING] for row in rows)
    z = at.z
    weights = np.ones(len(ev.leader_lb))

    def leader(at):  # what a step reads of the leader: c, G, the gradients of c + w G
        return at.leader_cost, at.constraint_values, at.leader_vjp(1.0, weights)

    parts = {
        "F alone (one Newton/chord trial point)": lambda: ev.evaluate(z, pi, derivatives=False),
        "F, J_z and the step's LU of J_z": lambda: ev.evaluate(z, pi).lu,
        "F, then the leader's functions and gradients": lambda: leader(ev.evaluate(z, pi)),
    }
    for name, f in parts.items():
        cost = statistics.median(timed(f, 300))
        print(f"  {name}: {1e6 * cost:.1f} us = {cost / lu:.2f} LU")
    print(f"leader variables: {ev.n_pi}")


if __name__ == "__main__":
    main()
