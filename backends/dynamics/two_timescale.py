"""``method="two-timescale"``: Stackelberg learning on two timescales (Fiez, Chasnov, Ratliff 2020, Eq. 4).

    x1 <- x1 - gamma1(k) (Df1(x) + w1),   x2 <- x2 - gamma2(k) (D2 f2(x) + w2),

with the leader's total derivative Df1 (:mod:`.total_derivative`), gamma1 = o(gamma2) and optional
additive Gaussian gradient noise w ~ N(0, noise^2 I). The follower tracks its best response on the
fast timescale; the limit points are the stable differential Stackelberg equilibria.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import check_iterations, learn, start_point
from stackopt.backends.dynamics.schedules import Schedule
from stackopt.backends.dynamics.total_derivative import TotalDerivative
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result


def run(
    game: StackelbergGame,
    leader_step: float = 0.1,
    follower_step: float = 0.2,
    leader_schedule: str = "1/k^(2/3)",
    follower_schedule: str = "1/sqrt(k)",
    decay_rates: tuple[float, float] = (0.99, 0.999),
    noise: float = 0.0,
    seed: int = 0,
    eta: float = 0.0,
    linear_solver: str = "direct",
    max_iter: int = 5000,
    tol: float = 1e-6,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
) -> Result:
    """Two-timescale Stackelberg gradient dynamics (Eq. 4): a slow leader on Df1, fast followers.

    Parameters
    ----------
    leader_step : float
        The leader's step size gamma1(1).
    follower_step : float
        The followers' step size gamma2(1).
    leader_schedule : str
        How the leader's step decays (as ``schedule`` in :func:`stackopt.backends.dynamics.simgd.run`); it must decay faster than the
        followers'.
    follower_schedule : str
        How the followers' step decays.
    decay_rates : tuple of float
        Rates (leader, followers) of the "exponential" schedules; ignored by the others.
    noise : float
        Standard deviation of additive Gaussian gradient noise.
    seed : int
        Seed of the gradient noise.
    eta, linear_solver
        As in :func:`stackopt.backends.dynamics.stackelberg_br.run`.
    max_iter, tol, start, periodic, record_every
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    check_iterations(max_iter, tol, record_every)
    if noise < 0:
        raise OptionError(f"noise must be >= 0, got {noise}")
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

    def field(k: int, x: np.ndarray):
        b = d.blocks(x)
        w = noise * rng.standard_normal(len(x)) if noise else 0.0
        return np.concatenate([total(b), b.d2f2]), np.where(leader, gamma1(k), gamma2(k)), w

    return learn(
        game, d, field, start_point(d, start), max_iter=max_iter, tol=tol, record_every=record_every
    )
