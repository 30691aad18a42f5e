"""A followers' game with a continuum of equilibria, where the selection rule decides the outcome.

Two followers share the cost f_i(x, y) = (y_0 + y_1 - x)^2 / 2, so every y on the line
y_0 + y_1 = x is a Nash equilibrium. The leader minimizes F(x, y) = (x - t)^2 / 2 + (y_0 - f)^2 / 2
(t = ``target``, f = ``favourite``). With the selection phi(y) = ||y||^2 / 2 the induced equilibrium
is y = (x/2, x/2); an equilibrium reached from a start with y_0 - y_1 = d is y = ((x + d)/2, (x - d)/2)
(Newton's minimum-norm steps keep y_0 - y_1). Closed forms:

- optimistic (MPEC, best equilibrium for the leader): x = t, y = (f, t - f), F = 0;
- phi-induced stationary point: x = (4t + 2f)/5, y = (x/2, x/2);
- a gradient on the equilibrium selected by d: x = (4t + 2f - d)/5.
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so


def continuum_equilibria(
    target: float = 2.0,
    favourite: float = 2.0,
    start: tuple[float, float] = (0.0, 1.0),
    seed: int = 0,
) -> so.StackelbergGame:
    """Build the game: leader ``x`` in [-10, 10], followers ``F[0].y``, ``F[1].y`` starting at ``start``.

    ``seed`` is accepted and unused (the game is deterministic).
    """
    g = so.StackelbergGame(name="continuum_equilibria")
    g.x = pyo.Var(bounds=(-10, 10), initialize=0.0)
    g.F = so.Follower(range(2))
    for i in g.F:
        g.F[i].y = pyo.Var(initialize=start[i])
    gap = g.F[0].y + g.F[1].y - g.x
    for i in g.F:
        g.F[i].cost = pyo.Objective(expr=gap**2 / 2)
    g.cost = pyo.Objective(expr=(g.x - target) ** 2 / 2 + (g.F[0].y - favourite) ** 2 / 2)
    return g
