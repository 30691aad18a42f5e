"""Bard's convex two-level programs in MacMPEC (``bard2``, ``bard3``; ``bard1`` is
:func:`stackopt.models.bard1`).

J.F. Bard, "Convex two-level optimization", Mathematical Programming 40(1), 15-27, 1988; AMPL
coding by S. Leyffer in MacMPEC (``bard2m.mod``, ``bard3.mod``, ``bard3m.mod``; ``bard2.mod`` gives
the followers' bounds no multipliers, which makes them the leader's: another program). The
Facchinei-Jiang-Qi problems 10 and 11 (MacMPEC ``bilevel2``, ``bilevel2m``, ``bilevel3``) are the
same two bilevel programs written with other multipliers.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def bard2(seed: int = 0) -> so.StackelbergGame:
    """Aiyoshi and Shimizu's resource allocation (IEEE SMC-11, 1981), two divisions.

    max_x (200 - y11 - y21)(y11 + y21) + (160 - y12 - y22)(y12 + y22)
    s.t. x11 + x12 + x21 + x22 <= 40,  0 <= x <= (10, 5; 15, 20),
    division i:  min_y (y_i1 - a_i)^2 + (y_i2 - b_i)^2  s.t. 0.4 y_i1 + 0.7 y_i2 <= x_i1,
                 0.6 y_i1 + 0.3 y_i2 <= x_i2,  0 <= y_i <= u_i,
    with (a, b) = (4, 13) and (35, 2), u = (20, 20) and (40, 40). ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="bard2")
    ub_x = {(1, 1): 10, (1, 2): 5, (2, 1): 15, (2, 2): 20}
    g.x = pyo.Var(ub_x, bounds=lambda m, i, j: (0, ub_x[i, j]), initialize=5.0)
    g.budget = pyo.Constraint(expr=sum(g.x.values()) <= 40)
    targets = {1: (4, 13), 2: (35, 2)}
    ub_y = {1: 20, 2: 40}
    g.D = so.Follower([1, 2])
    for i in (1, 2):
        d = g.D[i]
        d.y = pyo.Var([1, 2], bounds=(0, ub_y[i]), initialize=0.0)
        a, b = targets[i]
        d.cost = pyo.Objective(expr=(d.y[1] - a) ** 2 + (d.y[2] - b) ** 2)
        d.c1 = pyo.Constraint(expr=0.4 * d.y[1] + 0.7 * d.y[2] <= g.x[i, 1])
        d.c2 = pyo.Constraint(expr=0.6 * d.y[1] + 0.3 * d.y[2] <= g.x[i, 2])
    y1 = g.D[1].y[1] + g.D[2].y[1]
    y2 = g.D[1].y[2] + g.D[2].y[2]
    g.revenue = pyo.Objective(expr=(200 - y1) * y1 + (160 - y2) * y2, sense=pyo.maximize)
    return g


def bard3(seed: int = 0) -> so.StackelbergGame:
    """Bard (1988), example 3: a nonconvex leader over a convex follower.

    min_x -x1^2 - 3 x2 - 4 y1 + y2^2  s.t. x1^2 + 2 x2 <= 4,  x >= 0,
    y solves  min_y y1^2 - 5 y2  s.t. x1^2 - 2 x1 + x2^2 - 2 y1 + y2 >= -3,
              x2 + 3 y1 - 4 y2 >= 4,  y >= 0.
    The follower's objective is read off MacMPEC's stationarity rows (KKT1, KKT2 of ``bard3.mod``);
    ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="bard3")
    g.x = pyo.Var([1, 2], bounds=(0, None), initialize=0.0)
    g.nlncs = pyo.Constraint(expr=g.x[1] ** 2 + 2 * g.x[2] <= 4)
    g.F = so.Follower()
    y = g.F.y = pyo.Var([1, 2], bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=y[1] ** 2 - 5 * y[2])
    g.F.c1 = pyo.Constraint(expr=g.x[1] ** 2 - 2 * g.x[1] + g.x[2] ** 2 - 2 * y[1] + y[2] >= -3)
    g.F.c2 = pyo.Constraint(expr=g.x[2] + 3 * y[1] - 4 * y[2] >= 4)
    g.cost = pyo.Objective(expr=-(g.x[1] ** 2) - 3 * g.x[2] - 4 * y[1] + y[2] ** 2)
    return g
