"""``method="two-timescale"``: Stackelberg learning on two timescales (Fiez, Chasnov, Ratliff 2020, Eq. 4).

    x1 <- P1(x1 - gamma1(k) (Df1(x) + w1)),   x2 <- P2(x2 - gamma2(k) (D2 f2(x) + w2)),

with the leader's total derivative Df1 (:mod:`.total_derivative`, along the directions the
followers' active constraints leave free), gamma1 = o(gamma2), P1, P2 the projections onto the
players' own feasible sets and optional additive Gaussian gradient noise w ~ N(0, noise^2 I). The
follower tracks its best response on the fast timescale; the limit points are the stable
differential Stackelberg equilibria.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import Loop, Move, check_noise, learn
from stackopt.backends.dynamics.schedules import Schedule, ScheduleName
from stackopt.backends.dynamics.total_derivative import TotalDerivative
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result

#: ``run`` uses its seed only above these option values
#: (noise > 0: the noise of the updates);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"noise": 0}


def run(
    game: StackelbergGame,
    leader_step: float = 0.1,
    follower_step: float = 0.2,
    leader_schedule: ScheduleName | float = "1/k^(2/3)",
    follower_schedule: ScheduleName | float = "1/sqrt(k)",
    decay_rates: tuple[float, float] = (0.99, 0.999),
    noise: float = 0.0,
    seed: int = 0,
    eta: float = 0.0,
    linear_solver: str = "direct",
    max_iter: int = 5000,
    tol: float = 1e-6,
    time_limit: float | None = None,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Two-timescale Stackelberg gradient dynamics (Eq. 4): a slow leader on Df1, fast followers.

    Parameters
    ----------
    leader_step : float
        The leader's step size gamma1(1).
    follower_step : float
        The followers' step size gamma2(1).
    leader_schedule : str or float
        How the leader's step decays (as ``schedule`` in :func:`stackopt.backends.dynamics.simgd.run`); it must decay faster than the
        followers'.
    follower_schedule : str or float
        How the followers' step decays.
    decay_rates : tuple of float
        Rates (leader, followers) of the "exponential" schedules; ignored by the others.
    noise, seed
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    eta : float
        Regularization of the followers' Hessian in the total derivative, (D2^2 f2 + eta I)^{-1}.
    linear_solver : str
        direct (dense LU) or cg (warm-started conjugate gradients, for a symmetric positive
        definite D2^2 f2 + eta I).
    max_iter, tol, time_limit, start, periodic, record_every, verbose, callback
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    loop = Loop(max_iter, tol, record_every, time_limit, callback, verbose)
    check_noise(noise)
    gamma1 = Schedule(leader_schedule, leader_step, decay_rates[0])
    gamma2 = Schedule(follower_schedule, follower_step, decay_rates[1])
    if gamma1.decay_order() <= gamma2.decay_order():
        raise OptionError(
            f"two-timescale needs gamma1 = o(gamma2): leader_schedule {leader_schedule!r} must "
            f"decay faster than follower_schedule {follower_schedule!r}"
        )
    d = GameDerivatives(game, periodic)
    total = TotalDerivative(eta, linear_solver)
    rng = np.random.default_rng(seed)
    leader = np.arange(d.n1 + d.n2) < d.n1

    def field(k: int, x: np.ndarray) -> Move:
        b = d.blocks(x)
        w = noise * rng.standard_normal(len(x)) if noise else 0.0
        df1 = total(b, d.follower_basis(d.split(x)[1]))
        gamma = np.where(leader, gamma1(k), gamma2(k))
        return Move(np.concatenate([df1, b.d2f2]), gamma, w, b.leader_cost)

    return learn(
        game,
        d,
        field,
        start,
        loop,
        method="two-timescale",
        claim="locally_optimal",
        nature="a critical point of the leader's total derivative and the followers' "
        "gradients (they vanish, projected: the first-order condition of a differential "
        "Stackelberg equilibrium)",
    )
