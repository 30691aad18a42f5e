"""A Cournot leader with n followers who play Nash among themselves.

Inverse demand P = A - q0 - sum_i q_i, unit cost c for everyone. For a leader quantity q0 the
followers' Nash equilibrium is q_i = (A - c - q0) / (n + 1); the leader's optimum is
q0 = (A - c) / 2. With A = 100, c = 10, n = 2: q0 = 45, q_i = 15, leader profit 675.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def cournot(n: int = 2, A: float = 100.0, c: float = 10.0, seed: int = 0) -> so.StackelbergGame:
    """Build the game: leader ``q0``, followers ``F[1..n]`` each with quantity ``q``."""
    g = so.StackelbergGame(name=f"cournot{n}")
    g.q0 = pyo.Var(bounds=(0, A), initialize=0.0)
    g.F = so.Follower(range(1, n + 1))
    for i in g.F:
        g.F[i].q = pyo.Var(bounds=(0, A), initialize=0.0)
    total = g.q0 + sum(g.F[i].q for i in g.F)
    for i in g.F:
        g.F[i].profit = pyo.Objective(expr=(A - total - c) * g.F[i].q, sense=pyo.maximize)
    g.profit = pyo.Objective(expr=(A - total - c) * g.q0, sense=pyo.maximize)
    return g
