"""Small games with known answers, shared by the tests."""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def linear_bilevel() -> so.StackelbergGame:
    """Bard (1998), Example 5.1.1: min x - 4y, y in argmin{y : -x - y <= -3, -2x + y <= 0,
    2x + y <= 12, 3x - 2y <= 4}; optimum (x, y) = (4, 4) with value -12."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.F.c1 = pyo.Constraint(expr=-g.x - g.F.y <= -3)
    g.F.c2 = pyo.Constraint(expr=-2 * g.x + g.F.y <= 0)
    g.F.c3 = pyo.Constraint(expr=2 * g.x + g.F.y <= 12)
    g.F.c4 = pyo.Constraint(expr=3 * g.x - 2 * g.F.y <= 4)
    g.cost = pyo.Objective(expr=g.x - 4 * g.F.y)
    return g
