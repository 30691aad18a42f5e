"""``method="simgd"``: simultaneous gradient play (Fiez, Chasnov, Ratliff 2020, baseline of Sec. 5).

x_i <- P_i(x_i - gamma_i(k) (D_i f_i(x) + w_i)) for every player i at once, P_i the projection onto
player i's own feasible set and w_i optional Gaussian gradient noise: every player descends its own
cost, ignoring the others' responses (the paper's Nash dynamics). Its stable points are the stable
differential Nash equilibria (spec(J) in the open right half-plane, J the game Jacobian): a Nash
point, which is no Stackelberg solution, so a converged run claims ``feasible``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import Loop, Move, check_noise, learn, player_steps
from stackopt.backends.dynamics.schedules import ScheduleName
from stackopt.game import StackelbergGame
from stackopt.result import Result

#: ``run`` uses its seed only above these option values
#: (noise > 0: the noise of the updates);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"noise": 0}


def run(
    game: StackelbergGame,
    step: float | tuple[float, ...] = 0.1,
    schedule: ScheduleName | float = "constant",
    noise: float = 0.0,
    seed: int = 0,
    max_iter: int = 5000,
    tol: float = 1e-6,
    time_limit: float | None = None,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Simultaneous gradient descent of every player on its own cost (gradient play).

    Parameters
    ----------
    step : float or sequence of float
        The step size gamma_0: one for every player, or one per player (the leader, then each
        follower in model order).
    schedule : str or float
        How the steps decay: a power p (gamma_0 / k**p), constant, 1/sqrt(k), 1/k^(2/3), 1/k or
        exponential.
    noise : float
        Standard deviation of additive Gaussian gradient noise.
    seed : int
        Seed of the gradient noise.
    max_iter : int
        Maximum number of steps.
    tol : float
        Stop when the projected vector field, scaled by the Vars' magnitudes (the leader's part
        also by its objective), is at most tol.
    time_limit : float or None
        Wall-clock limit in seconds; status "time_limit".
    start : dict or None
        Starting point (Var name -> value, any player's Vars); None is the model's values.
    periodic : tuple of str
        Names of angle Vars, wrapped into [-pi, pi) instead of clipped to bounds.
    record_every : int
        Record a history row every this many steps.
    verbose : bool
        Log the recorded rows (logger "stackopt.dynamics").
    callback : callable or None
        ``callback(row) -> bool`` after every step with the step's history row; True stops.
    """
    loop = Loop(max_iter, tol, record_every, time_limit, callback, verbose)
    check_noise(noise)
    d = GameDerivatives(game, periodic)
    gamma = player_steps(d, step, schedule)
    rng = np.random.default_rng(seed)

    def field(k: int, x: np.ndarray) -> Move:
        d1f1, d2f2, cost = d.gradients(x)
        w = noise * rng.standard_normal(len(x)) if noise else 0.0
        return Move(np.concatenate([d1f1, d2f2]), gamma(k), w, cost)

    return learn(
        game,
        d,
        field,
        start,
        loop,
        method="simgd",
        claim="feasible",
        nature="a Nash point of gradient play (every player stationary in its own Vars; no "
        "Stackelberg solution)",
    )
