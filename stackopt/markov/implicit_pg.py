"""``method="implicit-pg"``: the two-timescale implicit policy gradient (Das et al.).

With x = (theta1, theta2) the free logits, J1 the leader's value and J2 the follower's entropy-
regularized value, the follower ascends J2 on the fast timescale and the leader ascends the total
derivative of theta1 -> J1(theta1, theta2*(theta1)), theta2* the regularized best response:

    theta2 <- theta2 + beta grad_2 J2,
    theta1 <- theta1 + alpha (grad_1 J1 - (d^2 J2 / d theta1 d theta2) (d^2 J2 / d theta2^2)^{-1} grad_2 J1),

(implicit function theorem on grad_2 J2 = 0), alpha <= beta. Pinned logits
(:mod:`stackopt.markov.policy`) make d^2 J2 / d theta2^2 invertible. Derivatives are exact
(:mod:`stackopt.markov.values`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.errors import OptionError
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.markov.outcome import policy_result, require_game, table
from stackopt.markov.values import JointPolicy
from stackopt.result import Result


def implicit_gradient(joint: JointPolicy) -> tuple[np.ndarray, np.ndarray, float]:
    """(leader's implicit gradient, follower's gradient grad_2 J2, J1) at the joint policy."""
    g, n1 = joint.game, joint.n1
    v1 = joint.value(g.R1)
    v2 = joint.value(g.R2, g.lam, hessian=True)
    h = v2.hess
    response = np.linalg.lstsq(h[n1:, n1:], v1.grad[n1:], rcond=None)[0]
    return v1.grad[:n1] - h[:n1, n1:] @ response, v2.grad[n1:], v1.J


def run(
    game: MarkovStackelbergGame,
    leader_step: float = 0.5,
    follower_step: float = 2.0,
    max_iter: int = 5000,
    tol: float = 1e-6,
    record_every: int = 50,
) -> Result:
    """Two-timescale implicit policy gradient from uniform policies (module docstring).

    Stops when both gradients are below ``tol`` in the max norm.

    Parameters
    ----------
    leader_step : float
        The leader's step size alpha (at most the follower's).
    follower_step : float
        The follower's step size beta.
    max_iter : int
        Maximum number of steps.
    tol : float
        Stop when the leader's implicit gradient and the follower's gradient are at most tol.
    record_every : int
        Record a history row every this many steps.
    """
    game = require_game(game, "implicit-pg")
    for name, value in (("leader_step", leader_step), ("follower_step", follower_step)):
        if not value > 0:
            raise OptionError(f"{name} must be > 0, got {value}")
    if leader_step > follower_step:
        raise OptionError(
            f"two-timescale needs leader_step <= follower_step; got {leader_step} > {follower_step}"
        )
    if not isinstance(max_iter, int) or max_iter < 1:
        raise OptionError(f"max_iter must be a positive integer, got {max_iter!r}")
    if not tol > 0:
        raise OptionError(f"tol must be > 0, got {tol}")
    S, A1, A2 = game.shape
    theta1, theta2 = np.zeros((S, A1 - 1)), np.zeros((S, A2 - 1))
    history: list[dict[str, Any]] = []
    k, stationarity, J1 = 0, np.inf, np.nan
    for k in range(1, max_iter + 1):
        lead, grad2, J1 = implicit_gradient(JointPolicy(game, theta1, theta2))
        stationarity = float(max(np.max(np.abs(lead), initial=0), np.max(np.abs(grad2), initial=0)))
        if k % record_every == 0 or stationarity <= tol:
            history.append({"iteration": k, "leader_value": J1, "stationarity": stationarity})
        if stationarity <= tol:
            break
        theta1 = theta1 + leader_step * lead.reshape(theta1.shape)
        theta2 = theta2 + follower_step * grad2.reshape(theta2.shape)
    converged = stationarity <= tol
    return policy_result(
        game,
        JointPolicy(game, theta1, theta2).pi1,
        status="locally_optimal" if converged else "iteration_limit",
        reported=J1,
        leader_extra={"theta1": table(theta1, first=1)},
        history=history,
        info={"iterations": k, "stationarity": stationarity},
        message="" if converged else f"stationarity {stationarity:.2e} > tol after {k} steps",
    )
