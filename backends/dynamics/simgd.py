"""``method="simgd"``: simultaneous gradient play (Fiez, Chasnov, Ratliff 2020, baseline of Sec. 5).

x1 <- x1 - gamma(k) D1 f1(x),  x2 <- x2 - gamma(k) D2 f2(x): every player descends its own cost,
ignoring the others' responses. Its stable points are the stable differential Nash equilibria
(spec(J) in the open right half-plane, J the game Jacobian).
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import check_iterations, learn, start_point
from stackopt.backends.dynamics.schedules import Schedule
from stackopt.game import StackelbergGame
from stackopt.result import Result


def run(
    game: StackelbergGame,
    step: float = 0.1,
    schedule: str = "constant",
    max_iter: int = 5000,
    tol: float = 1e-6,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
) -> Result:
    """Simultaneous gradient descent of every player on its own cost (gradient play).

    Parameters
    ----------
    step : float
        Every player's step size gamma_0.
    schedule : str
        How the step decays: constant, 1/sqrt(k), 1/k^(2/3), 1/k or exponential.
    max_iter : int
        Maximum number of steps.
    tol : float
        Stop when the projected vector field ||x - P(x - g(x))||_inf is at most tol.
    start : dict or None
        Starting point (Var name -> value, any player's Vars); None is the model's values.
    periodic : tuple of str
        Names of angle Vars, wrapped into [-pi, pi) instead of clipped to bounds.
    record_every : int
        Record a history row every this many steps.
    """
    check_iterations(max_iter, tol, record_every)
    gamma = Schedule(schedule, step)
    d = GameDerivatives(game, periodic)

    def field(k: int, x: np.ndarray):
        d1f1, _, d2f2 = d.gradients(x)
        return np.concatenate([d1f1, d2f2]), gamma(k), 0.0

    return learn(
        game, d, field, start_point(d, start), max_iter=max_iter, tol=tol, record_every=record_every
    )
