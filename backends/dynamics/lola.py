"""``method="lola"``: the leader shapes a naive follower (Foerster et al. 2018, Eq. 4; LOLA vs NL).

The leader descends f1(x1, x2 - alpha D2 f2(x)) to first order, keeping only the shaping term:

    x1 <- x1 - gamma(k) (D1 f1 - alpha D21 f2^T D2 f1),   x2 <- x2 - gamma(k) D2 f2.

With alpha = (D2^2 f2)^{-1} (a scalar follower) the leader's field is the total derivative Df1.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import check_iterations, learn, start_point
from stackopt.backends.dynamics.schedules import Schedule
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result


def run(
    game: StackelbergGame,
    step: float = 0.1,
    lookahead: float = 0.1,
    schedule: str = "constant",
    max_iter: int = 5000,
    tol: float = 1e-6,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
) -> Result:
    """LOLA leader (lookahead ``lookahead``) against a gradient-descending follower.

    Parameters
    ----------
    lookahead : float
        The leader's lookahead alpha: the follower's step size it anticipates.
    step, schedule
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    max_iter, tol, start, periodic, record_every
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    check_iterations(max_iter, tol, record_every)
    if lookahead < 0:
        raise OptionError(f"lookahead must be >= 0, got {lookahead}")
    gamma = Schedule(schedule, step)
    d = GameDerivatives(game, periodic)

    def field(k: int, x: np.ndarray):
        b = d.blocks(x)
        leader = b.d1f1 - lookahead * b.j21.T @ b.d2f1
        return np.concatenate([leader, b.d2f2]), gamma(k), 0.0

    return learn(
        game, d, field, start_point(d, start), max_iter=max_iter, tol=tol, record_every=record_every
    )
