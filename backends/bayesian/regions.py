"""Best-response regions R(W) and the small LPs over them (HiGHS through scipy's ``linprog``).

The closed region of an assignment W is the polytope {x in simplex : G_W x >= 0}, one row
v_i(., W[i, k], k) - v_i(., a, k) per follower i, type k and action a != W[i, k] (the incentive
constraints (17) of the paper for one W). On it the leader's utility is linear, c_W . x.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from stackopt.bayesian.game import BayesianStackelbergGame


def incentive_matrix(game: BayesianStackelbergGame, W: np.ndarray) -> np.ndarray:
    """G_W, of shape (n*K*(A-1), L): R(W)'s closure is {x in simplex : G_W x >= 0}."""
    n, L, A, K = game.shape
    v = game.response_utility
    rows = [
        v[i, :, W[i, k], k] - v[i, :, a, k]
        for i in range(n)
        for k in range(K)
        for a in range(A)
        if a != W[i, k]
    ]
    return np.array(rows).reshape(-1, L)


def region_lp(
    game: BayesianStackelbergGame, W: np.ndarray, c: np.ndarray | None = None
) -> tuple[bool, np.ndarray | None, float]:
    """max c . x over the closure of R(W) (c = None: a feasibility LP). Returns (feasible, x, value)."""
    L = game.shape[1]
    G = incentive_matrix(game, W)
    objective = np.zeros(L) if c is None else -np.asarray(c, dtype=float)
    res = linprog(
        objective,
        A_ub=-G if len(G) else None,
        b_ub=np.zeros(len(G)) if len(G) else None,
        A_eq=np.ones((1, L)),
        b_eq=[1.0],
        bounds=(0, None),
        method="highs",
    )
    if res.status == 2:
        return False, None, -np.inf
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed on a region LP: {res.message}")
    return True, res.x, float(-res.fun)


def interior_point(game: BayesianStackelbergGame, W: np.ndarray) -> tuple[np.ndarray, float]:
    """The point of R(W) deepest inside it: max r s.t. G_W x >= r |G_W row|, x >= r, sum x = 1.

    A radius r > 0 means the region is full-dimensional and the followers play W strictly at x.
    """
    L = game.shape[1]
    G = incentive_matrix(game, W)
    norms = np.linalg.norm(G, axis=1)
    A_ub = np.vstack([np.hstack([-G, norms[:, None]]), np.hstack([-np.eye(L), np.ones((L, 1))])])
    res = linprog(
        np.r_[np.zeros(L), -1.0],
        A_ub=A_ub,
        b_ub=np.zeros(len(A_ub)),
        A_eq=np.r_[np.ones(L), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * L + [(None, 1.0)],
        method="highs",
    )
    if res.status != 0:
        return np.full(L, 1.0 / L), -np.inf
    return res.x[:L], float(res.x[L])
