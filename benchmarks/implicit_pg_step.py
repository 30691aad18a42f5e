"""Time and memory of one implicit-pg step (the leader's implicit gradient) against the game size.

The step is :func:`stackopt.backends.markov.policy_gradient.implicit_gradient` at the uniform leader policy
and the follower's exact response: partial gradients by the policy gradient theorem, the adjoint
H22 u = grad_2 J2 by conjugate gradients on complex-step Hessian-vector products, no dense
second-derivative tensor. Goal (issue 20): under 50 ms at 40 states x 3 actions, memory linear in
S * A beyond the game's own P. Prints the median over repeats, the peak memory the step allocates
(tracemalloc) and that peak relative to the size of P.

    python benchmarks/implicit_pg_step.py
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from stackopt.backends.markov.policy import logits
from stackopt.backends.markov.policy_gradient import implicit_gradient
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.markov import random_markov_game


def main() -> None:
    print(
        f"{'states x actions':>17} {'median step':>12} {'CG warm':>9} {'peak MB':>8} {'peak / P':>9}"
    )
    for states in (10, 20, 40, 80):
        game = random_markov_game(states, 3, 3, gamma=0.9, lam=0.5, seed=0)
        pi1 = np.full((states, 3), 1 / 3)
        theta2 = logits(soft_best_response(game, pi1)[0])
        cold, warm, u = [], [], None
        for _ in range(7):
            t = time.perf_counter()
            g = implicit_gradient(game, pi1, theta2)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            implicit_gradient(game, pi1, theta2, warm=g.adjoint)
            warm.append(time.perf_counter() - t)
            u = g.adjoint
        tracemalloc.start()
        implicit_gradient(game, pi1, theta2, warm=u)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{states:>10} x 3   {1e3 * statistics.median(cold):>9.2f} ms "
            f"{1e3 * statistics.median(warm):>6.2f} ms {peak / 1e6:>8.2f} {peak / game.P.nbytes:>9.2f}"
        )


if __name__ == "__main__":
    main()
