"""The bilevel examples shipped with Pyomo's PAO (``pao/pyomo/examples/*.py`` in the Pyomo/pao
repository, release 1.0.2), written as stackopt games.

Known optima: where PAO's tests (``pao/pyomo/tests/test_mpr.py``) assert a solution, its objective;
for ``gecco2013``, ``pao1``, ``pao2``, ``pao3`` and ``mibs`` (no asserted answer) the value derived in
each docstring (by cases on the follower's active constraint, or by enumerating the integer
points). Every factory accepts ``seed`` and ignores it.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def bard511(seed: int = 0) -> so.StackelbergGame:
    """Bard (1998), example 5.1.1 (``bard511.py``).

    min x - 4y,  x >= 0;  y solves  min_y y  s.t. -x - y <= -3,  -2x + y <= 0,  2x + y <= 12,
    3x - 2y <= 4,  y >= 0.  PAO's answer: x = y = 4, value -12.
    """
    g = so.StackelbergGame(name="bard511")
    g.x = pyo.Var(bounds=(0, None), initialize=0.0)
    g.L = so.Follower()
    g.L.y = pyo.Var(bounds=(0, None), initialize=0.0)
    x, y = g.x, g.L.y
    g.L.o = pyo.Objective(expr=y)
    g.L.c1 = pyo.Constraint(expr=-x - y <= -3)
    g.L.c2 = pyo.Constraint(expr=-2 * x + y <= 0)
    g.L.c3 = pyo.Constraint(expr=2 * x + y <= 12)
    g.L.c4 = pyo.Constraint(expr=3 * x - 2 * y <= 4)
    g.o = pyo.Objective(expr=x - 4 * y)
    return g


def besancon27(seed: int = 0) -> so.StackelbergGame:
    """``besancon27.py``: min x  s.t. v >= 1 - x/10,  x >= 0;  v solves  max_v v  s.t.
    v <= 1 + x/10.  PAO's answer: x = 0, v = 1, value 0."""
    g = so.StackelbergGame(name="besancon27")
    g.x = pyo.Var(bounds=(0, None), initialize=0.0)
    g.L = so.Follower()
    g.L.v = pyo.Var(initialize=0.0)
    g.c = pyo.Constraint(expr=g.L.v >= 1 - g.x / 10)
    g.L.o = pyo.Objective(expr=g.L.v, sense=pyo.maximize)
    g.L.c = pyo.Constraint(expr=1 + g.x / 10 >= g.L.v)
    g.o = pyo.Objective(expr=g.x)
    return g


def getachew_ex1(seed: int = 0) -> so.StackelbergGame:
    """``getachew_ex1.py``: min -x - 2y  s.t. -2x + 3y <= 12,  x + y <= 14;
    y solves  max_y y  s.t. -3x + y <= -3,  3x + y <= 30.  PAO's answer: (8, 6), value -20."""
    g = so.StackelbergGame(name="getachew_ex1")
    g.x = pyo.Var(initialize=0.0)
    g.L = so.Follower()
    g.L.y = pyo.Var(initialize=0.0)
    x, y = g.x, g.L.y
    g.c1 = pyo.Constraint(expr=-2 * x + 3 * y <= 12)
    g.c2 = pyo.Constraint(expr=x + y <= 14)
    g.L.o = pyo.Objective(expr=-y)
    g.L.c1 = pyo.Constraint(expr=-3 * x + y <= -3)
    g.L.c2 = pyo.Constraint(expr=3 * x + y <= 30)
    g.o = pyo.Objective(expr=-x - 2 * y)
    return g


def getachew_ex2(seed: int = 0) -> so.StackelbergGame:
    """``getachew_ex2.py``: ``getachew_ex1`` with the leader's two constraints moved into the
    follower's problem.  PAO's answer: (6, 8), value -22."""
    g = so.StackelbergGame(name="getachew_ex2")
    g.x = pyo.Var(initialize=0.0)
    g.L = so.Follower()
    g.L.y = pyo.Var(initialize=0.0)
    x, y = g.x, g.L.y
    g.L.o = pyo.Objective(expr=-y)
    g.L.c1 = pyo.Constraint(expr=-3 * x + y <= -3)
    g.L.c2 = pyo.Constraint(expr=3 * x + y <= 30)
    g.L.c3 = pyo.Constraint(expr=-2 * x + 3 * y <= 12)
    g.L.c4 = pyo.Constraint(expr=x + y <= 14)
    g.o = pyo.Objective(expr=-x - 2 * y)
    return g


def pineda(seed: int = 0) -> so.StackelbergGame:
    """``pineda.py``: max x + y,  0 <= x <= 2;  y solves  min_y y  s.t. 100x - y <= 100,  y >= 0.
    PAO's answer: x = 2, y = 100, value 102."""
    g = so.StackelbergGame(name="pineda")
    g.x = pyo.Var(bounds=(0, 2), initialize=0.0)
    g.L = so.Follower()
    g.L.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.L.o = pyo.Objective(expr=g.L.y)
    g.L.c = pyo.Constraint(expr=100 * g.x - g.L.y <= 100)
    g.o = pyo.Objective(expr=g.x + g.L.y, sense=pyo.maximize)
    return g


def _max_z(block: so.Follower, x, w1=1, w2=1) -> None:
    """The follower of ``gecco2013``/``pao1``-``pao3``: max z s.t. x + w1 z <= 8,
    x + 4z >= 8, x + 2 w2 z <= 13, z >= 0."""
    block.z = pyo.Var(bounds=(0, None), initialize=0.0)
    block.o = pyo.Objective(expr=block.z, sense=pyo.maximize)
    block.c1 = pyo.Constraint(expr=x + w1 * block.z <= 8)
    block.c2 = pyo.Constraint(expr=x + 4 * block.z >= 8)
    block.c3 = pyo.Constraint(expr=x + 2 * w2 * block.z <= 13)


def gecco2013(seed: int = 0) -> so.StackelbergGame:
    """``gecco2013.py``: min x + 3z,  2 <= x <= 6;  z solves  max z  s.t. x + z <= 8,
    x + 4z >= 8,  x + 2z <= 13.  Best response z = min(8 - x, (13 - x)/2), so the leader pays
    19.5 - x/2 for x <= 3 and 24 - 2x above: optimum 12 at x = 6, z = 2."""
    g = so.StackelbergGame(name="gecco2013")
    g.x = pyo.Var(bounds=(2, 6), initialize=2.0)
    g.L = so.Follower()
    _max_z(g.L, g.x)
    g.o = pyo.Objective(expr=g.x + 3 * g.L.z)
    return g


def _tied_leader(name: str) -> so.StackelbergGame:
    """A game with leader Vars 2 <= x <= 6 and y tied by x + y = 10 (``pao1``, ``pao2``)."""
    g = so.StackelbergGame(name=name)
    g.x = pyo.Var(bounds=(2, 6), initialize=2.0)
    g.y = pyo.Var(initialize=8.0)
    g.c = pyo.Constraint(expr=g.x + g.y == 10)
    return g


def pao1(seed: int = 0) -> so.StackelbergGame:
    """``pao1.py``: ``gecco2013`` with a second leader Var y tied by x + y = 10; optimum 12 at
    x = 6, y = 4, z = 2."""
    g = _tied_leader("pao1")
    g.L = so.Follower()
    _max_z(g.L, g.x)
    g.o = pyo.Objective(expr=g.x + 3 * g.L.z)
    return g


def pao2(seed: int = 0) -> so.StackelbergGame:
    """``pao2.py``: two followers, one on x and one on y = 10 - x (y in [4, 8]).

    min x + 3 z1 + 3 z2;  z1 = min(8 - x, (13 - x)/2),  z2 = min(8 - y, (13 - y)/2) = x - 2, so the
    leader pays 2.5 x + 13.5 for x <= 3 and x + 18 above: optimum 18.5 at x = 2, z = (5.5, 0).
    """
    g = _tied_leader("pao2")
    g.L1 = so.Follower()
    _max_z(g.L1, g.x)
    g.L2 = so.Follower()
    _max_z(g.L2, g.y)
    g.o = pyo.Objective(expr=g.x + 3 * g.L1.z + 3 * g.L2.z)
    return g


def pao3(seed: int = 0) -> so.StackelbergGame:
    """``pao3.py``: binary leader Vars w switch the follower's first and third constraints.

    min x + 3z + 5 w1  s.t. x + y = 10,  w1 + w2 >= 1;  z solves  max z  s.t. x + w1 z <= 8,
    x + 4z >= 8,  x + 2 w2 z <= 13.  By the three feasible w: (1, 1) gives 17, (1, 0) gives 17,
    (0, 1) gives 19.5 - x/2, so the optimum is 16.5 at w = (0, 1), x = 6, z = 3.5.
    """
    g = so.StackelbergGame(name="pao3")
    g.w = pyo.Var([1, 2], within=pyo.Binary, initialize=1)
    g.x = pyo.Var(bounds=(2, 6), initialize=2.0)
    g.y = pyo.Var(initialize=8.0)
    g.c1 = pyo.Constraint(expr=g.x + g.y == 10)
    g.c2 = pyo.Constraint(expr=g.w[1] + g.w[2] >= 1)
    g.L = so.Follower()
    _max_z(g.L, g.x, g.w[1], g.w[2])
    g.o = pyo.Objective(expr=g.x + 3 * g.L.z + 5 * g.w[1])
    return g


def barguel(seed: int = 0) -> so.StackelbergGame:
    """``barguel.py``: a binary leader u; min x + u;  (x, y) in [0, 1]^2 solve  max x + u  s.t.
    x = y u.  PAO's answer: u = x = y = 0, value 0."""
    g = so.StackelbergGame(name="barguel")
    g.u = pyo.Var(within=pyo.Binary, initialize=1)
    g.sub = so.Follower()
    g.sub.x = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.sub.y = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.sub.o = pyo.Objective(expr=g.sub.x + g.u, sense=pyo.maximize)
    g.sub.c = pyo.Constraint(expr=g.sub.x == g.sub.y * g.u)
    g.o = pyo.Objective(expr=g.sub.x + g.u)
    return g


def _moore_bard(name: str, bounded: bool) -> so.StackelbergGame:
    """Moore and Bard (1990): min -x - 10y over integers;  y solves  min y  s.t.
    -25x + 20y <= 30,  x + 2y <= 10,  2x - y <= 15,  2x + 10y >= 15."""
    bounds = (0, None) if bounded else (None, None)
    g = so.StackelbergGame(name=name)
    g.x = pyo.Var(within=pyo.Integers, bounds=bounds, initialize=0)
    g.L = so.Follower()
    g.L.y = pyo.Var(within=pyo.Integers, bounds=bounds, initialize=0)
    x, y = g.x, g.L.y
    g.L.o = pyo.Objective(expr=y)
    g.L.c1 = pyo.Constraint(expr=-25 * x + 20 * y <= 30)
    g.L.c2 = pyo.Constraint(expr=x + 2 * y <= 10)
    g.L.c3 = pyo.Constraint(expr=2 * x - y <= 15)
    g.L.c4 = pyo.Constraint(expr=-2 * x - 10 * y <= -15)
    g.o = pyo.Objective(expr=-x - 10 * y)
    return g


def toyexample1(seed: int = 0) -> so.StackelbergGame:
    """``toyexample1.py``: :func:`_moore_bard` with x, y >= 0.  PAO's answer (2, 2), value -22."""
    return _moore_bard("toyexample1", bounded=True)


def moore(seed: int = 0) -> so.StackelbergGame:
    """``moore.py``: :func:`_moore_bard` without bounds; optimum -22 at (2, 2) (the follower's
    constraints leave only 0 <= x <= 8)."""
    return _moore_bard("moore", bounded=False)


def toyexample2(seed: int = 0) -> so.StackelbergGame:
    """``toyexample2.py``: integers x, y >= 0;  min -x - 2y  s.t. -2x + 3y <= 12,  x + y <= 14;
    y solves  max y  s.t. -3x + y <= -3,  3x + y <= 30.  PAO's answer (8, 6), value -20."""
    g = so.StackelbergGame(name="toyexample2")
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, None), initialize=0)
    g.L = so.Follower()
    g.L.y = pyo.Var(within=pyo.Integers, bounds=(0, None), initialize=0)
    x, y = g.x, g.L.y
    g.c1 = pyo.Constraint(expr=-2 * x + 3 * y <= 12)
    g.c2 = pyo.Constraint(expr=x + y <= 14)
    g.L.o = pyo.Objective(expr=y, sense=pyo.maximize)
    g.L.c1 = pyo.Constraint(expr=-3 * x + y <= -3)
    g.L.c2 = pyo.Constraint(expr=3 * x + y <= 30)
    g.o = pyo.Objective(expr=-x - 2 * y)
    return g


def toyexample3(seed: int = 0) -> so.StackelbergGame:
    """``toyexample3.py``: mixed-integer at both levels.

    min 20 xR - 38 xZ + yR + 42 yZ  s.t. 7 xR + 5 xZ + 7 yZ <= 62,  6 xR + 9 xZ + 10 yR + 2 yZ <= 117;
    (yR, yZ) solve  max 39 yR + 27 yZ  s.t. 8 xR + 2 yR + 8 yZ <= 53,  9 xR + 2 yR + yZ <= 28;
    all >= 0, xZ and yZ integer.  PAO's answer xR = 3, xZ = 8, yR = 0.5, yZ = 0: value -243.5,
    an infimum that is not attained: at xR = 3 the follower prefers yZ = 1 (27 against 19.5),
    which breaks the leader's first constraint; just above 3 it cannot take yZ = 1.
    """
    g = so.StackelbergGame(name="toyexample3")
    g.xR = pyo.Var(bounds=(0, None), initialize=0.0)
    g.xZ = pyo.Var(within=pyo.Integers, bounds=(0, None), initialize=0)
    g.L = so.Follower()
    g.L.yR = pyo.Var(bounds=(0, None), initialize=0.0)
    g.L.yZ = pyo.Var(within=pyo.Integers, bounds=(0, None), initialize=0)
    xR, xZ, yR, yZ = g.xR, g.xZ, g.L.yR, g.L.yZ
    g.c1 = pyo.Constraint(expr=7 * xR + 5 * xZ + 7 * yZ <= 62)
    g.c2 = pyo.Constraint(expr=6 * xR + 9 * xZ + 10 * yR + 2 * yZ <= 117)
    g.L.o = pyo.Objective(expr=39 * yR + 27 * yZ, sense=pyo.maximize)
    g.L.c1 = pyo.Constraint(expr=8 * xR + 2 * yR + 8 * yZ <= 53)
    g.L.c2 = pyo.Constraint(expr=9 * xR + 2 * yR + yZ <= 28)
    g.o = pyo.Objective(expr=20 * xR - 38 * xZ + yR + 42 * yZ)
    return g


def mibs(seed: int = 0) -> so.StackelbergGame:
    """``mibs.py`` (MibS's example): integers 0 <= x <= 10, 0 <= y <= 5;  min -x - 7y  s.t.
    -3x + 2y <= 12,  x + 2y <= 20;  y solves  min y  s.t. 2x - y <= 7,  -2x + 4y <= 16.
    The best response is y = max(0, 2x - 7) for x <= 6 (none above), so the optimum is -41 at
    x = 6, y = 5."""
    g = so.StackelbergGame(name="mibs")
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, 10), initialize=0)
    g.L = so.Follower()
    g.L.y = pyo.Var(within=pyo.Integers, bounds=(0, 5), initialize=0)
    x, y = g.x, g.L.y
    g.c1 = pyo.Constraint(expr=-3 * x + 2 * y <= 12)
    g.c2 = pyo.Constraint(expr=x + 2 * y <= 20)
    g.L.o = pyo.Objective(expr=y)
    g.L.c1 = pyo.Constraint(expr=2 * x - y <= 7)
    g.L.c2 = pyo.Constraint(expr=-2 * x + 4 * y <= 16)
    g.o = pyo.Objective(expr=-x - 7 * y)
    return g
