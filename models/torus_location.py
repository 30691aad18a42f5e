"""The location game on a torus of Fiez, Chasnov and Ratliff (2020, Sec. 5).

Two players choose angles t_i and pay f_i = -a_i cos(t_i - phi_i) + cos(t_i - t_-i): each wants
to be near its preferred location phi_i and far from the other. The leader chooses ``t0``, the
follower ``F.t``. The angles are periodic: pass ``periodic=("t0", "F.t")`` to the dynamics. With
a = (1, 1.3), phi = (pi/8, pi/8) the stable differential Stackelberg equilibria are near
(-0.525, 1.246) and (1.311, -0.461), the differential Nash equilibria near (-0.783, 1.182) and
(1.569, -0.397).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

import stackopt as so


def torus_location(
    a: tuple[float, float] = (1.0, 1.3),
    phi: tuple[float, float] = (math.pi / 8, math.pi / 8),
    start: tuple[float, float] = (0.0, 0.0),
    seed: int = 0,
) -> so.StackelbergGame:
    """Build the torus game with preferences ``a``, ``phi`` (``seed`` is accepted, unused)."""
    g = so.StackelbergGame(name="torus_location")
    g.t0 = pyo.Var(initialize=start[0])
    g.F = so.Follower()
    g.F.t = pyo.Var(initialize=start[1])
    g.F.cost = pyo.Objective(expr=-a[1] * pyo.cos(g.F.t - phi[1]) + pyo.cos(g.F.t - g.t0))
    g.cost = pyo.Objective(expr=-a[0] * pyo.cos(g.t0 - phi[0]) + pyo.cos(g.t0 - g.F.t))
    return g
