"""``method="lola"``: the leader shapes a naive follower (Foerster et al. 2018, Eq. 4; LOLA vs NL).

The leader descends f1(x1, x2 - alpha D2 f2(x)) to first order, keeping only the shaping term:

    x1 <- P1(x1 - gamma(k) (D1 f1 - alpha D21 f2^T Z Z^T D2 f1)),   x2 <- P2(x2 - gamma(k) D2 f2),

with Z a basis of the directions the followers' active constraints leave free (Z = I when none is
active). With alpha = (D2^2 f2)^{-1} (a scalar follower) the leader's field is the total
derivative Df1. Its fixed points are LOLA points, no Stackelberg solutions in general: a converged
run claims ``feasible``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import Loop, Move, learn, player_steps
from stackopt.backends.dynamics.schedules import ScheduleName
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result


def run(
    game: StackelbergGame,
    step: float = 0.1,
    lookahead: float = 0.1,
    schedule: ScheduleName | float = "constant",
    max_iter: int = 5000,
    tol: float = 1e-6,
    time_limit: float | None = None,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """LOLA leader (lookahead ``lookahead``) against a gradient-descending follower.

    Parameters
    ----------
    lookahead : float
        The leader's lookahead alpha: the follower's step size it anticipates.
    step, schedule
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    max_iter, tol, time_limit, start, periodic, record_every, verbose, callback
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    loop = Loop(max_iter, tol, record_every, time_limit, callback, verbose)
    if lookahead < 0:
        raise OptionError(f"lookahead must be >= 0, got {lookahead}")
    d = GameDerivatives(game, periodic)
    gamma = player_steps(d, step, schedule)

    def field(k: int, x: np.ndarray) -> Move:
        b = d.blocks(x)
        basis = d.follower_basis(d.split(x)[1])
        shaped = b.d2f1 if basis is None else basis @ (basis.T @ b.d2f1)
        leader = b.d1f1 - lookahead * b.j21.T @ shaped
        return Move(np.concatenate([leader, b.d2f2]), gamma(k), 0.0, b.leader_cost)

    return learn(
        game,
        d,
        field,
        start,
        loop,
        method="lola",
        claim="feasible",
        nature=f"a LOLA fixed point (lookahead {lookahead:g}; no Stackelberg solution in general)",
    )
