"""``method="stackelberg-br"``: the followers best-respond, the leader follows Df1 (Fiez et al. 2020, Eq. 3).

    x2 <- r(x1) (the followers' equilibrium, by semismooth Newton on their KKT system,
                 warm-started),
    x1 <- x1 - gamma(k) Df1(x1, r(x1)),

i.e. gradient descent on x1 -> f1(x1, r(x1)). Its stable points are the differential Stackelberg
equilibria (leader's total Hessian positive definite).
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.learning_loop import check_iterations, learn, start_point
from stackopt.backends.dynamics.schedules import Schedule
from stackopt.backends.dynamics.total_derivative import TotalDerivative
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.game import StackelbergGame
from stackopt.result import Result


class BestResponseFailed(RuntimeError):
    """The followers' equilibrium could not be found at some leader decision."""


def run(
    game: StackelbergGame,
    step: float = 0.1,
    schedule: str = "constant",
    eta: float = 0.0,
    linear_solver: str = "direct",
    max_iter: int = 2000,
    tol: float = 1e-6,
    start: dict[str, float] | None = None,
    periodic: tuple[str, ...] = (),
    record_every: int = 10,
) -> Result:
    """Leader gradient descent on its total derivative against exact best responses (Eq. 3).

    Parameters
    ----------
    step, schedule
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    eta : float
        Regularization of the followers' Hessian in the total derivative, (D2^2 f2 + eta I)^{-1}.
    linear_solver : str
        direct (sparse LU) or cg (warm-started conjugate gradients, for a symmetric positive
        definite D2^2 f2 + eta I).
    max_iter, tol, start, periodic, record_every
        As in :func:`stackopt.backends.dynamics.simgd.run`.
    """
    check_iterations(max_iter, tol, record_every)
    gamma = Schedule(schedule, step)
    d = GameDerivatives(game, periodic)
    total = TotalDerivative(eta, linear_solver)
    oracle = NewtonOracle(d.evaluator, tol=min(tol, 1e-8))
    leader = np.arange(d.n1 + d.n2) < d.n1
    z = np.zeros(d.evaluator.n_z)

    def field(k: int, x: np.ndarray):
        x1, x2 = d.split(x)
        z[: d.n2] = x2
        eq = oracle(x1, z)
        if not eq.converged:
            raise BestResponseFailed(f"no follower equilibrium at step {k}: {eq.message}")
        z[:] = eq.z
        at = np.concatenate([x1, eq.z[: d.n2]])
        return (
            np.concatenate([total(d.blocks(at)), x2 - at[d.n1 :]]),
            np.where(leader, gamma(k), 1.0),
            0.0,
        )

    return learn(
        game, d, field, start_point(d, start), max_iter=max_iter, tol=tol, record_every=record_every
    )
