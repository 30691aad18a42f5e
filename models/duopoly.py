"""The Stackelberg duopoly of Fiez, Chasnov and Ratliff.

Inverse demand P = A - q0 - q1; firm i earns (P - c_i) q_i. The leader (firm 0) commits to q0, the
follower best-responds q1 = (A - c1 - q0) / 2. With A = 100, c = (5, 2): q = (46, 26), price 28,
profits (1058, 676).
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def duopoly(
    A: float = 100.0, c1: float = 5.0, c2: float = 2.0, seed: int = 0
) -> so.StackelbergGame:
    """Build the duopoly: leader quantity ``q0``, follower ``F.q`` (``seed`` is accepted, unused)."""
    g = so.StackelbergGame(name="duopoly")
    g.q0 = pyo.Var(bounds=(0, A), initialize=0.0)
    g.F = so.Follower()
    g.F.q = pyo.Var(bounds=(0, A), initialize=0.0)
    price = A - g.q0 - g.F.q
    g.F.profit = pyo.Objective(expr=(price - c2) * g.F.q, sense=pyo.maximize)
    g.profit = pyo.Objective(expr=(price - c1) * g.q0, sense=pyo.maximize)
    return g
