"""``method="stackelberg-br"``: the followers best-respond, the leader follows Df1 (Fiez et al. 2020, Eq. 3).

    r(x1) = the followers' equilibrium: their own problems (constraints and bounds included),
            by semismooth Newton on their KKT system F(z, x1) = 0, warm-started, with the ``kkt``
            oracle's rescues where Newton fails (a start where a follower's functions have no
            derivative, sqrt(y) at y = 0);
    x2 <- x2 + beta (r(x1) - x2),
    x1 <- P1(x1 - gamma(k) (Df1(x1, r(x1)) + w)),

i.e. projected gradient descent on x1 -> f1(x1, r(x1)), with Df1 the total derivative through the
followers' KKT system (implicit function theorem, :mod:`stackopt.backends.sensitivity`): active
follower constraints and bounds are held, so the response's derivative is that of the constrained
best response. beta = 1 is the exact best response; w optional Gaussian noise on the leader's
gradient. Its stable points are the differential Stackelberg equilibria.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import (
    FieldUndefined,
    Loop,
    Move,
    check_noise,
    learn,
    player_steps,
)
from stackopt.backends.dynamics.schedules import ScheduleName
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.sensitivity import Sensitivity
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result

#: ``run`` uses its seed only above these option values
#: (noise > 0: the noise of the leader's updates);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"noise": 0}


def run(
    game: StackelbergGame,
    step: float = 0.1,
    follower_step: float = 1.0,
    schedule: ScheduleName | float = "constant",
    noise: float = 0.0,
    seed: int = 0,
    max_iter: int = 2000,
    tol: float = 1e-6,
    time_limit: float | None = None,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Leader gradient descent on its total derivative against exact best responses (Eq. 3).

    Parameters
    ----------
    step : float
        The leader's step size gamma_0.
    follower_step : float
        The followers' move beta in (0, 1] towards their best response; 1 is the exact response.
    schedule, noise, seed
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    max_iter, tol, time_limit, start, periodic, record_every, verbose, callback
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    loop = Loop(max_iter, tol, record_every, time_limit, callback, verbose)
    check_noise(noise)
    if not 0 < follower_step <= 1:
        raise OptionError(f"follower_step must be in (0, 1], got {follower_step}")
    d = GameDerivatives(game, periodic, followers="best_response")
    gamma = player_steps(d, step, schedule)
    oracle = KKTOracle(game, d.evaluator, tol=min(tol, 1e-8))
    ev = d.evaluator
    leader = np.arange(d.n1 + d.n2) < d.n1
    z = np.zeros(ev.n_z)
    rng = np.random.default_rng(seed)

    def field(k: int, x: np.ndarray) -> Move:
        x1, x2 = d.split(x)
        if k == 1:
            z[: d.n2] = x2
        eq = oracle(x1, z)
        if not eq.converged:
            raise FieldUndefined(f"no follower equilibrium: {eq.message}")
        z[:] = eq.z
        e = eq.evaluation if eq.evaluation is not None else ev.evaluate(eq.z, x1)
        df1 = Sensitivity(e).adjoint(e.leader_cost_grad_z, e.leader_cost_grad_pi)
        w = noise * rng.standard_normal(d.n1) if noise else 0.0
        return Move(
            np.concatenate([df1, x2 - eq.z[: d.n2]]),
            np.where(leader, gamma(k), follower_step),
            np.concatenate([w, np.zeros(d.n2)]) if noise else 0.0,
            e.leader_cost,
        )

    return learn(
        game,
        d,
        field,
        start,
        loop,
        method="stackelberg-br",
        claim="locally_optimal",
        nature="a critical point of the leader's total derivative (its projection vanishes at "
        "the followers' best response: the first-order condition of a differential Stackelberg "
        "equilibrium)",
    )
