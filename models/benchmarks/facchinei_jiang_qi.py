"""Bilevel and Nash-Stackelberg problems of Facchinei, Jiang and Qi in MacMPEC.

F. Facchinei, H. Jiang and L. Qi, "A smoothing method for mathematical programs with equilibrium
constraints", Mathematical Programming 85, 107-134, 1999 (Universita di Roma report 03.96);
AMPL coding by S. Leyffer in MacMPEC. Their problems 6, 7 and 9 are here; problem 8 (Cournot) is
:mod:`stackopt.models.benchmarks.gnash`, problems 10 and 11 are ``bard2`` and ``bard3``.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def stackelberg1(seed: int = 0) -> so.StackelbergGame:
    """Problem 6 (MacMPEC ``stackelberg1.mod``): a Stackelberg duopoly.

    min_x 0.5 x^2 + 0.5 x y - 95 x,  0 <= x <= 200,
    y solves  min_y y^2 + 0.5 x y - 100 y,  y >= 0.   ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="stackelberg1")
    g.x = pyo.Var(bounds=(0, 200), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y**2 + 0.5 * g.x * g.F.y - 100 * g.F.y)
    g.cost = pyo.Objective(expr=0.5 * g.x**2 + 0.5 * g.x * g.F.y - 95 * g.x)
    return g


def bilevel1(x_lb: float = 0.0, y_lb: float | None = None, seed: int = 0) -> so.StackelbergGame:
    """Problem 7 (MacMPEC ``bilevel1.mod``, ``bilevel1m.mod``), after Shimizu and Aiyoshi (1981).

    min_x 2 x1 + 2 x2 - 3 y1 - 3 y2 - 60  s.t. x1 + x2 + y1 - 2 y2 <= 40,  x_lb <= x <= 50,
    y solves  min_y (y1 - x1 + 20)^2 + (y2 - x2 + 20)^2
              s.t. 2 y_i <= x_i - 10,  -10 <= y_i <= 20.
    ``x_lb = 1, y_lb = -8`` (the leader also asks y >= -8) is MacMPEC's ``ex9.2.3`` (Floudas et
    al., test problem 9.3.4). ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="bilevel1")
    g.x = pyo.Var([1, 2], bounds=(x_lb, 50), initialize=x_lb)
    g.F = so.Follower()
    y = g.F.y = pyo.Var([1, 2], bounds=(-10, 20), initialize=0.0)
    g.F.cost = pyo.Objective(expr=sum((y[i] - g.x[i] + 20) ** 2 for i in (1, 2)))
    g.F.c = pyo.Constraint([1, 2], rule=lambda b, i: 2 * y[i] <= g.x[i] - 10)
    g.c1 = pyo.Constraint(expr=g.x[1] + g.x[2] + y[1] - 2 * y[2] <= 40)
    if y_lb is not None:
        g.y_lb = pyo.Constraint([1, 2], rule=lambda m, i: y[i] >= y_lb)
    g.cost = pyo.Objective(expr=2 * g.x[1] + 2 * g.x[2] - 3 * y[1] - 3 * y[2] - 60)
    return g


def nash1(x0: tuple[float, float] = (0.0, 0.0), seed: int = 0) -> so.StackelbergGame:
    """Problem 9 (MacMPEC ``nash1.mod`` with ``nash1a.dat`` ... ``nash1e.dat``): two followers
    in a Nash game, after Outrata (1994).

    min_x 0.5 (x1 - y1)^2 + 0.5 (x2 - y2)^2,  0 <= x <= 10,
    follower 1: min_y1 y1^2 + (8/3) y1 y2 - 34 y1      s.t. y1 <= 15 - x2,
    follower 2: min_y2 y2^2 + 1.25 y1 y2 - 24.25 y2    s.t. y2 <= 15 - x1.
    Each follower's objective is read off the stationarity rows F1, F2. The five MacMPEC instances
    differ only in the leader's starting point ``x0``: (0, 0), (5, 5), (10, 10), (10, 0), (0, 10).
    ``seed`` is accepted, unused.
    """
    g = so.StackelbergGame(name="nash1")
    g.x = pyo.Var([1, 2], bounds=(0, 10), initialize=dict(zip((1, 2), x0)))
    g.F1 = so.Follower()
    g.F1.y = pyo.Var(initialize=0.0)
    g.F2 = so.Follower()
    g.F2.y = pyo.Var(initialize=0.0)
    y1, y2 = g.F1.y, g.F2.y
    g.F1.cost = pyo.Objective(expr=y1**2 + 8 / 3 * y1 * y2 - 34 * y1)
    g.F1.cap = pyo.Constraint(expr=y1 <= 15 - g.x[2])
    g.F2.cost = pyo.Objective(expr=y2**2 + 1.25 * y1 * y2 - 24.25 * y2)
    g.F2.cap = pyo.Constraint(expr=y2 <= 15 - g.x[1])
    g.cost = pyo.Objective(expr=0.5 * (g.x[1] - y1) ** 2 + 0.5 * (g.x[2] - y2) ** 2)
    return g
