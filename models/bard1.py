"""MacMPEC ``bard1``: a bilevel program with a convex quadratic follower.

    min_x (x - 5)^2 + (2y + 1)^2
    s.t.  y solves  min_y (y - 1)^2 - 1.5 x y
                    s.t. 3x - y >= 3,  -x + 0.5 y >= -4,  -x - y >= -7,  y >= 0,
          x >= 0.

Its optimal value is 17 at (x, y) = (1, 0).
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def bard1(seed: int = 0) -> so.StackelbergGame:
    """Build bard1: leader ``x``, follower ``F.y`` (``seed`` is accepted, unused)."""
    g = so.StackelbergGame(name="bard1")
    g.x = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - 1) ** 2 - 1.5 * g.x * g.F.y)
    g.F.c1 = pyo.Constraint(expr=3 * g.x - g.F.y >= 3)
    g.F.c2 = pyo.Constraint(expr=-g.x + 0.5 * g.F.y >= -4)
    g.F.c3 = pyo.Constraint(expr=-g.x - g.F.y >= -7)
    g.cost = pyo.Objective(expr=(g.x - 5) ** 2 + (2 * g.F.y + 1) ** 2)
    return g
