"""Two bilevel programs from Luo, Pang and Ralph, "Mathematical Programs with Equilibrium
Constraints", Cambridge University Press, 1996 (pp. 354 and 357), in MacMPEC (``dempe.mod``,
``bilin.mod``, AMPL coding by S. Leyffer).
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def dempe(seed: int = 0) -> so.StackelbergGame:
    """Dempe, Optimization 25, 341-354, 1992: a nonlinear follower constraint.

    min_x (x - 3.5)^2 + (z + 4)^2,  x >= 0 (the follower is infeasible for x < 0),
    z solves  min_z (z - 3)^2 / 2  s.t.  z^2 <= x.
    Optimal value 28.25 at x = z = 0. ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="dempe")
    g.x = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F = so.Follower()
    g.F.z = pyo.Var(initialize=1.0)
    g.F.cost = pyo.Objective(expr=0.5 * (g.F.z - 3) ** 2)
    g.F.con = pyo.Constraint(expr=g.F.z**2 <= g.x)
    g.cost = pyo.Objective(expr=(g.x - 3.5) ** 2 + (g.F.z + 4) ** 2)
    return g


def bilin(seed: int = 0) -> so.StackelbergGame:
    """Hansen, Jaumard and Savard, SIAM J. Sci. Stat. Comput. 13, 1194-1217, 1992: a linear
    bilevel program.

    max_x 8 x1 + 4 x2 - 4 y1 + 40 y2 + 4 y3  s.t. x1 + 2 x2 - y3 <= 1.3,  x >= 0,
    y solves  min_y 2 y1 + y2 + 2 y3  s.t. y1 - y2 - y3 >= -1,  4 x1 - 2 y1 + 4 y2 - y3 <= 2,
              4 x2 + 4 y1 - 2 y2 - y3 <= 2,  y >= 0.
    The follower's costs are read off MacMPEC's rows KKT1-KKT3. ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="bilin")
    g.x = pyo.Var([1, 2], bounds=(0, None), initialize=0.0)
    g.F = so.Follower()
    y = g.F.y = pyo.Var([1, 2, 3], bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=2 * y[1] + y[2] + 2 * y[3])
    g.F.s1 = pyo.Constraint(expr=y[1] - y[2] - y[3] >= -1)
    g.F.s2 = pyo.Constraint(expr=4 * g.x[1] - 2 * y[1] + 4 * y[2] - y[3] <= 2)
    g.F.s3 = pyo.Constraint(expr=4 * g.x[2] + 4 * y[1] - 2 * y[2] - y[3] <= 2)
    g.lin = pyo.Constraint(expr=g.x[1] + 2 * g.x[2] - y[3] <= 1.3)
    g.gain = pyo.Objective(
        expr=8 * g.x[1] + 4 * g.x[2] - 4 * y[1] + 40 * y[2] + 4 * y[3], sense=pyo.maximize
    )
    return g
