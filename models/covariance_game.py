"""The covariance (linear-quadratic GAN) game of Fiez, Chasnov and Ratliff (2020, Sec. 5).

A generator V (m x m, the leader) and a discriminator W (m x m, the follower) share
f(V, W) = sum_ij W_ij (Sigma - V V^T)_ij. The leader minimizes f, the follower minimizes
-f + eta/2 ||W||^2, so its best response is W = (Sigma - V V^T) / eta and the leader's Stackelberg
cost is ||Sigma - V V^T||^2 / eta: its dynamics drive V V^T to Sigma and W to 0. Sigma = B B^T / m
+ I/2 with B standard normal drawn from ``seed``.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

import stackopt as so


def covariance_game(m: int = 3, eta: float = 1.0, seed: int = 0) -> so.StackelbergGame:
    """Build the game: leader ``V[i, j]``, follower ``F.W[i, j]``, target ``sigma`` (a numpy array)."""
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((m, m))
    sigma = b @ b.T / m + 0.5 * np.eye(m)
    g = so.StackelbergGame(name=f"covariance{m}")
    g.sigma = sigma
    idx = [(i, j) for i in range(m) for j in range(m)]
    g.V = pyo.Var(idx, initialize={(i, j): rng.normal(0.0, 1.0) for i, j in idx})
    g.F = so.Follower()
    g.F.W = pyo.Var(idx, initialize=0.0)
    f = sum(
        g.F.W[i, j] * (sigma[i, j] - sum(g.V[i, k] * g.V[j, k] for k in range(m))) for i, j in idx
    )
    g.F.cost = pyo.Objective(expr=-f + eta / 2 * sum(g.F.W[i, j] ** 2 for i, j in idx))
    g.cost = pyo.Objective(expr=f)
    return g
