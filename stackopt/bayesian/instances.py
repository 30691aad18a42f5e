"""Instance families: random games, and the two-point family behind the regret lower bound.

The lower-bound family (cf. the paper's Omega(sqrt(min{L, nK} T)) bound) hides d = nK/2 independent
coins in the type marginals: types 2m and 2m+1 of follower i have probabilities (1 +- s_c eps)/K, and
the leader must guess every sign s_c to earn the optimum (1 + eps)/2; a wrong guess costs eps/d.
"""

from __future__ import annotations

import numpy as np

from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import ModelError


def random_game(
    n: int, K: int, A: int, L: int, seed: int = 0, independent: bool = True
) -> BayesianStackelbergGame:
    """Utilities uniform on [0, 1); marginals (or the joint table) drawn from a flat Dirichlet."""
    rng = np.random.default_rng(seed)
    u = rng.random((L,) + (A,) * n)
    v = rng.random((n, L, A, K))
    if independent:
        return BayesianStackelbergGame(u, v, marginals=rng.dirichlet(np.ones(K), size=n))
    return BayesianStackelbergGame(u, v, joint=rng.dirichlet(np.ones(K**n)).reshape((K,) * n))


def lower_bound_game(
    n: int, K: int, epsilon: float, signs: np.ndarray | None = None
) -> BayesianStackelbergGame:
    """The hard family: L = 1 + d leader actions, d = nK/2 coins, A = 2 (0 = stay, 1 = engage).

    Coin c = (follower i, type pair m) owns leader action c + 1. Type 2m engages iff
    x_{c+1} >= 1/d, type 2m+1 engages iff x_{c+1} <= 1/(2d); the leader earns the fraction of
    followers that engage. Optimal value (1 + eps)/2 for every choice of ``signs`` in {-1, +1}^d.
    """
    if K % 2 or K < 2:
        raise ModelError(f"K must be even for the lower-bound family; got K={K}")
    if not 0 <= epsilon < 1:
        raise ModelError(f"epsilon must be in [0, 1); got {epsilon}")
    d = n * K // 2
    s = np.ones(d) if signs is None else np.asarray(signs, dtype=float)
    if s.shape != (d,) or not np.all(np.abs(s) == 1):
        raise ModelError(f"signs must be a vector of d = nK/2 = {d} entries, each -1 or +1")
    L = 1 + d
    v = np.zeros((n, L, 2, K))
    marginals = np.zeros((n, K))
    for i in range(n):
        for m in range(K // 2):
            c = i * (K // 2) + m
            own = np.eye(L)[c + 1]
            v[i, :, 1, 2 * m] = own - 1.0 / d
            v[i, :, 1, 2 * m + 1] = 1.0 / (2 * d) - own
            marginals[i, 2 * m] = (1 + s[c] * epsilon) / K
            marginals[i, 2 * m + 1] = (1 - s[c] * epsilon) / K
    engaged = np.indices((2,) * n).sum(axis=0) / n
    u = np.broadcast_to(engaged, (L,) + (2,) * n).copy()
    return BayesianStackelbergGame(u, v, marginals=marginals)
