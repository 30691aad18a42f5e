"""The bilevel test problems of chapter 9 of Floudas et al., "Handbook of Test Problems in Local
and Global Optimization", Kluwer, 1999 (Nonconvex Optimization and its Applications 33), as coded
in MacMPEC (``ex9.1.*.mod``, ``ex9.2.*.mod``; AMPL coding by S. Leyffer, 2001).

MacMPEC writes each follower by its KKT conditions with slacks ``s`` and multipliers ``l``; each
follower's objective here is read off those stationarity rows (``kt*``). ``ex9.2.1`` and ``ex9.2.7``
are :func:`stackopt.models.bard1`; ``ex9.2.3`` is
:func:`~stackopt.models.benchmarks.facchinei_jiang_qi.bilevel1` with ``x_lb=1, y_lb=-8``.
Every factory accepts ``seed`` and ignores it.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def _game(name: str, leader: dict, follower: dict) -> so.StackelbergGame:
    """A game with scalar leader Vars and one follower ``F`` with scalar Vars, by bounds."""
    g = so.StackelbergGame(name=name)
    for var, bounds in leader.items():
        g.add_component(var, pyo.Var(bounds=bounds, initialize=max(0.0, bounds[0] or 0.0)))
    g.F = so.Follower()
    for var, bounds in follower.items():
        g.F.add_component(var, pyo.Var(bounds=bounds, initialize=max(0.0, bounds[0] or 0.0)))
    return g


def ex9_1_1(seed: int = 0) -> so.StackelbergGame:
    """Clark and Westerberg (1990); test problem 9.2.2 of the book, ``ex9.1.1.mod``.

    min -x - 3 y1 + 2 y2,  x >= 0;  y solves  max_y y1  s.t. -2x + y1 + 4 y2 <= 16,
    8x + 3 y1 - 2 y2 <= 48,  -2x + y1 - 3 y2 <= -12,  0 <= y1 <= 4  (y2 free, not in the
    follower's objective: MacMPEC's row kt2 repeats l[2] where the column of y2, 4 l1 - 2 l2 - 3 l3,
    is meant). The optimistic optimum -13 is at x = 5, y = (4, 2).
    """
    g = _game("ex9.1.1", {"x": (0, None)}, {"y1": (0, 4), "y2": (None, None)})
    x, y1, y2 = g.x, g.F.y1, g.F.y2
    g.F.obj = pyo.Objective(expr=y1, sense=pyo.maximize)
    g.F.c1 = pyo.Constraint(expr=-2 * x + y1 + 4 * y2 <= 16)
    g.F.c2 = pyo.Constraint(expr=8 * x + 3 * y1 - 2 * y2 <= 48)
    g.F.c3 = pyo.Constraint(expr=-2 * x + y1 - 3 * y2 <= -12)
    g.obj = pyo.Objective(expr=-x - 3 * y1 + 2 * y2)
    return g


def ex9_1_2(seed: int = 0) -> so.StackelbergGame:
    """Liu and Hart (1994); ``ex9.1.2.mod``, whose follower variable is declared binary.

    min -x - 3y,  x >= 0;  y in {0, 1} solves  min_y y  s.t. -x + y <= 3,  x + 2y <= 12,
    4x - y <= 12.  With y binary the optimum is -6.25 at x = 3.25, y = 1 (the continuous follower of
    the original gives -16 at x = y = 4).
    """
    g = _game("ex9.1.2", {"x": (0, None)}, {})
    g.F.y = pyo.Var(within=pyo.Binary, initialize=0)
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=y)
    g.F.c1 = pyo.Constraint(expr=-x + y <= 3)
    g.F.c2 = pyo.Constraint(expr=x + 2 * y <= 12)
    g.F.c3 = pyo.Constraint(expr=4 * x - y <= 12)
    g.obj = pyo.Objective(expr=-x - 3 * y)
    return g


def ex9_1_3(seed: int = 0) -> so.StackelbergGame:
    """Candler and Townsley (1982); ``ex9.1.3.mod`` (``ex9.1.7.mod`` has the same followers
    and +4 y3 in the leader's objective: another program, optimum -26).

    min -8 x1 - 4 x2 + 4 y1 - 40 y2 - 4 y3,  x >= 0;
    y solves  min_y y1 + y2 + 2 y3  s.t. -y1 + y2 + y3 <= 1,  2 x1 - y1 + 2 y2 - 0.5 y3 <= 1,
              2 x2 + 2 y1 - y2 - 0.5 y3 <= 1,  y >= 0.
    Optimum -29.2 at x = (0, 0.9), y = (0, 0.6, 0.4).
    """
    g = _game(
        "ex9.1.3", {"x1": (0, None), "x2": (0, None)}, {f"y{i}": (0, None) for i in (1, 2, 3)}
    )
    x1, x2, y1, y2, y3 = g.x1, g.x2, g.F.y1, g.F.y2, g.F.y3
    g.F.obj = pyo.Objective(expr=y1 + y2 + 2 * y3)
    g.F.c1 = pyo.Constraint(expr=-y1 + y2 + y3 <= 1)
    g.F.c2 = pyo.Constraint(expr=2 * x1 - y1 + 2 * y2 - 0.5 * y3 <= 1)
    g.F.c3 = pyo.Constraint(expr=2 * x2 + 2 * y1 - y2 - 0.5 * y3 <= 1)
    g.obj = pyo.Objective(expr=-8 * x1 - 4 * x2 + 4 * y1 - 40 * y2 - 4 * y3)
    return g


def ex9_1_4(seed: int = 0) -> so.StackelbergGame:
    """Clark and Westerberg (1988); ``ex9.1.4.mod``.

    min x - 4y,  x >= 0;  y solves  min_y y  s.t. -2x + y <= 0,  2x + 5y <= 108,  2x - 3y <= -4,
    y >= 0.  Optimum -37 at x = 19, y = 14.
    """
    g = _game("ex9.1.4", {"x": (0, None)}, {"y": (0, None)})
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=y)
    g.F.c1 = pyo.Constraint(expr=-2 * x + y <= 0)
    g.F.c2 = pyo.Constraint(expr=2 * x + 5 * y <= 108)
    g.F.c3 = pyo.Constraint(expr=2 * x - 3 * y <= -4)
    g.obj = pyo.Objective(expr=x - 4 * y)
    return g


def ex9_1_5(seed: int = 0) -> so.StackelbergGame:
    """Bard (1991); ``ex9.1.5.mod``.

    min -x + 10 y1 - y2,  x >= 0;  y solves  max_y y1 + y2  s.t. x + y1 <= 1,  x + y2 <= 1,
    y1 + y2 <= 1,  y >= 0.  Optimum -1 (at x = 1, y = 0).
    """
    g = _game("ex9.1.5", {"x": (0, None)}, {"y1": (0, None), "y2": (0, None)})
    x, y1, y2 = g.x, g.F.y1, g.F.y2
    g.F.obj = pyo.Objective(expr=y1 + y2, sense=pyo.maximize)
    g.F.c1 = pyo.Constraint(expr=x + y1 <= 1)
    g.F.c2 = pyo.Constraint(expr=x + y2 <= 1)
    g.F.c3 = pyo.Constraint(expr=y1 + y2 <= 1)
    g.obj = pyo.Objective(expr=-x + 10 * y1 - y2)
    return g


def ex9_1_6(seed: int = 0) -> so.StackelbergGame:
    """Bialas and Karwan (1982), via Anandalingam and White (1990); ``ex9.1.6.mod``.

    min -x - 3y,  x >= 0;  y solves  min_y y  s.t. -x - 2y <= -10,  x - 2y <= 6,  2x - y <= 21,
    x + 2y <= 38,  -x + 2y <= 18,  y >= 0.  Optimum -49 at x = 16, y = 11.
    """
    g = _game("ex9.1.6", {"x": (0, None)}, {"y": (0, None)})
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=y)
    g.F.c1 = pyo.Constraint(expr=-x - 2 * y <= -10)
    g.F.c2 = pyo.Constraint(expr=x - 2 * y <= 6)
    g.F.c3 = pyo.Constraint(expr=2 * x - y <= 21)
    g.F.c4 = pyo.Constraint(expr=x + 2 * y <= 38)
    g.F.c5 = pyo.Constraint(expr=-x + 2 * y <= 18)
    g.obj = pyo.Objective(expr=-x - 3 * y)
    return g


def ex9_1_8(seed: int = 0) -> so.StackelbergGame:
    """Bard and Falk (1982); ``ex9.1.8.mod`` and the identical ``ex9.1.10.mod`` (Tuy et al. 1993).

    min -2 x1 + x2 + 0.5 y1  s.t. x1 + x2 <= 2,  x >= 0;
    y solves  min_y -4 y1 + y2  s.t. -2 x1 + y1 - y2 <= -2.5,  x1 - 3 x2 + y2 <= 2,  y >= 0.
    Optimum -3.25 at x = (2, 0), y = (1.5, 0). MacMPEC's row kt2 reads l1 + l2 - l4 = -1 where
    the column of y2 in its own rows gives -l1 + l2 - l4; the follower here is its rows' (the
    optimum is the same with either).
    """
    g = _game("ex9.1.8", {"x1": (0, None), "x2": (0, None)}, {"y1": (0, None), "y2": (0, None)})
    x1, x2, y1, y2 = g.x1, g.x2, g.F.y1, g.F.y2
    g.c0 = pyo.Constraint(expr=x1 + x2 <= 2)
    g.F.obj = pyo.Objective(expr=-4 * y1 + y2)
    g.F.c1 = pyo.Constraint(expr=-2 * x1 + y1 - y2 <= -2.5)
    g.F.c2 = pyo.Constraint(expr=x1 - 3 * x2 + y2 <= 2)
    g.obj = pyo.Objective(expr=-2 * x1 + x2 + 0.5 * y1)
    return g


def ex9_1_9(seed: int = 0) -> so.StackelbergGame:
    """Bard (1983), via Visweswaran et al. (1996); ``ex9.1.9.mod``.

    min x + y,  x >= 0;  y solves  max_y y  s.t. -x - 0.5y <= -2,  -0.25x + y <= 2,
    x + 0.5y <= 8,  x - 2y <= 2,  y >= 0.  Optimum 28/9 = 3.11111.
    """
    g = _game("ex9.1.9", {"x": (0, None)}, {"y": (0, None)})
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=y, sense=pyo.maximize)
    g.F.c1 = pyo.Constraint(expr=-x - 0.5 * y <= -2)
    g.F.c2 = pyo.Constraint(expr=-0.25 * x + y <= 2)
    g.F.c3 = pyo.Constraint(expr=x + 0.5 * y <= 8)
    g.F.c4 = pyo.Constraint(expr=x - 2 * y <= 2)
    g.obj = pyo.Objective(expr=x + y)
    return g


def ex9_2_2(seed: int = 0) -> so.StackelbergGame:
    """Shimizu and Aiyoshi (1981), via Visweswaran et al. (1996); ``ex9.2.2.mod``.

    min x^2 + (y - 10)^2  s.t. x <= 15,  y <= x,  x >= 0;
    y solves  min_y (x + 2y - 30)^2  s.t. x + y <= 20,  0 <= y <= 20.  Optimum 100 at x = y = 10.
    """
    g = _game("ex9.2.2", {"x": (0, 15)}, {"y": (0, 20)})
    x, y = g.x, g.F.y
    g.o2 = pyo.Constraint(expr=y <= x)
    g.F.obj = pyo.Objective(expr=(x + 2 * y - 30) ** 2)
    g.F.c1 = pyo.Constraint(expr=x + y <= 20)
    g.obj = pyo.Objective(expr=x**2 + (y - 10) ** 2)
    return g


def ex9_2_4(seed: int = 0) -> so.StackelbergGame:
    """Yezza (1996); ``ex9.2.4.mod``.

    min (y1 - 2)^2 / 2 + (y2 - 2)^2 / 2,  x >= 0;  y solves  min_y y1^2 / 2 + y2  s.t.
    y1 + y2 = x,  y >= 0.  Optimum 0.5 at x = 3, y = (1, 2).
    """
    g = _game("ex9.2.4", {"x": (0, None)}, {"y1": (0, None), "y2": (0, None)})
    x, y1, y2 = g.x, g.F.y1, g.F.y2
    g.F.obj = pyo.Objective(expr=0.5 * y1**2 + y2)
    g.F.c1 = pyo.Constraint(expr=y1 + y2 == x)
    g.obj = pyo.Objective(expr=0.5 * (y1 - 2) ** 2 + 0.5 * (y2 - 2) ** 2)
    return g


def ex9_2_5(seed: int = 0) -> so.StackelbergGame:
    """Clark and Westerberg (1990a); ``ex9.2.5.mod``.

    min (x - 3)^2 + (y - 2)^2,  0 <= x <= 8;  y solves  min_y (y - 5)^2  s.t. -2x + y <= 1,
    x - 2y <= 2,  x + 2y <= 14.  Optimum 5 at x = 1, y = 3.
    """
    g = _game("ex9.2.5", {"x": (0, 8)}, {"y": (None, None)})
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=(y - 5) ** 2)
    g.F.c1 = pyo.Constraint(expr=-2 * x + y <= 1)
    g.F.c2 = pyo.Constraint(expr=x - 2 * y <= 2)
    g.F.c3 = pyo.Constraint(expr=x + 2 * y <= 14)
    g.obj = pyo.Objective(expr=(x - 3) ** 2 + (y - 2) ** 2)
    return g


def ex9_2_6(seed: int = 0) -> so.StackelbergGame:
    """Falk and Liu (1995), after De Silva (1978); ``ex9.2.6.mod``.

    min x1^2 - 2 x1 + x2^2 - 2 x2 + y1^2 + y2^2,  x >= 0;
    y solves  min_y (y1 - x1)^2 + (y2 - x2)^2  s.t. 0.5 <= y <= 1.5.  Optimum -1 at x = y = 0.5.
    """
    g = _game("ex9.2.6", {"x1": (0, None), "x2": (0, None)}, {"y1": (0.5, 1.5), "y2": (0.5, 1.5)})
    x1, x2, y1, y2 = g.x1, g.x2, g.F.y1, g.F.y2
    g.F.obj = pyo.Objective(expr=(y1 - x1) ** 2 + (y2 - x2) ** 2)
    g.obj = pyo.Objective(expr=x1**2 - 2 * x1 + x2**2 - 2 * x2 + y1**2 + y2**2)
    return g


def ex9_2_8(seed: int = 0) -> so.StackelbergGame:
    """Yezza (1996), a bilinear follower; ``ex9.2.8.mod``.

    min -4xy + 3y + 2x + 1,  0 <= x <= 1;  y solves  min_y (4x - 1) y,  0 <= y <= 1.
    Optimum 1.5 at x = 1/4, where every y is a best response and the optimistic one is y = 0.
    """
    g = _game("ex9.2.8", {"x": (0, 1)}, {"y": (0, 1)})
    x, y = g.x, g.F.y
    g.F.obj = pyo.Objective(expr=(4 * x - 1) * y)
    g.obj = pyo.Objective(expr=-4 * x * y + 3 * y + 2 * x + 1)
    return g


def ex9_2_9(seed: int = 0) -> so.StackelbergGame:
    """Bard (1991); ``ex9.2.9.mod``.

    min x + y2,  2 <= x <= 4;  y solves  min_y 2 y1 + x y2  s.t. y1 + y2 >= 4 + x,  y >= 0.
    Optimum 2 at x = 2, y = (6, 0), where the follower is indifferent between y1 and y2.
    """
    g = _game("ex9.2.9", {"x": (2, 4)}, {"y1": (0, None), "y2": (0, None)})
    x, y1, y2 = g.x, g.F.y1, g.F.y2
    g.F.obj = pyo.Objective(expr=2 * y1 + x * y2)
    g.F.c1 = pyo.Constraint(expr=x - y1 - y2 <= -4)
    g.obj = pyo.Objective(expr=x + y2)
    return g
