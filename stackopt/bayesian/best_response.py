"""Followers' best responses, ties broken in the leader's favour, and the exact objective U(x, D).

A type-to-action assignment W (an (n, K) integer array, W[i, k] = action of follower i of type k) is
a weak best response at x when every W[i, k] maximizes sum_l x_l v_i(l, a, k). Among those, the
followers play the W that maximizes the leader's expected utility (ties in the leader's favour):
U(x, D) = max_W c_W . x, with c_W(l) = E_theta u(l, W(theta)) (the paper's U(x, D)).
Two payoffs closer than ``TIE_TOL`` (relative to follower i's largest |v_i| at type k) count as a
tie, which absorbs the feasibility tolerance of the LP and MILP solvers; they solve on the same
scale (:attr:`~stackopt.bayesian.game.BayesianStackelbergGame.response_utility`).
"""

from __future__ import annotations

import itertools

import numpy as np

from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import ModelError

TIE_TOL = 1e-6
MAX_TIE_PROFILES = 4096


def follower_payoffs(game: BayesianStackelbergGame, x: np.ndarray) -> np.ndarray:
    """The (n, A, K) array of sum_l x_l v_i(l, a, k)."""
    return np.einsum("ilak,l->iak", game.follower_utility, x)


def tie_sets(
    game: BayesianStackelbergGame, x: np.ndarray, tol: float = TIE_TOL
) -> list[list[list[int]]]:
    """``ties[i][k]``: the actions within ``tol`` of follower i's best payoff at type k, relative
    to its largest |v_i(., ., k)| (:attr:`BayesianStackelbergGame.response_utility`)."""
    payoff = np.einsum("ilak,l->iak", game.response_utility, x)
    near = payoff >= payoff.max(axis=1, keepdims=True) - tol
    n, _, _, K = game.shape
    return [[np.flatnonzero(near[i, :, k]).tolist() for k in range(K)] for i in range(n)]


def action_distribution(game: BayesianStackelbergGame, W: np.ndarray) -> np.ndarray:
    """q_W(a) = P_theta(W(theta) = a), an array of shape (A,)*n."""
    n, _, A, _ = game.shape
    profiles = game.type_profiles
    q = np.zeros((A,) * n)
    np.add.at(q, tuple(W[i, profiles[i]] for i in range(n)), game.joint.ravel())
    return q


def assignment_coefficients(game: BayesianStackelbergGame, W: np.ndarray) -> np.ndarray:
    """c_W(l) = sum_a q_W(a) u(l, a): the leader's utility is c_W . x on the region R(W)."""
    n = game.shape[0]
    return np.tensordot(game.leader_utility, action_distribution(game, W), axes=n)


def assignments(ties: list[list[list[int]]]) -> list[np.ndarray]:
    """Every assignment W in the product of the tie sets."""
    n, K = len(ties), len(ties[0])
    flat = [ties[i][k] for i in range(n) for k in range(K)]
    count = int(np.prod([len(s) for s in flat]))
    if count > MAX_TIE_PROFILES:
        raise ModelError(
            f"follower_utility is too degenerate: {count} tied type-to-action assignments at one "
            f"leader strategy (limit {MAX_TIE_PROFILES})"
        )
    return [np.array(w).reshape(n, K) for w in itertools.product(*flat)]


def respond(game: BayesianStackelbergGame, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The followers' assignment W at x (ties to the leader's favour) and U(x, D) = c_W . x; a
    ValueError for an x that is not finite (no follower's response is defined there)."""
    if not np.all(np.isfinite(x)):
        raise ValueError(f"the leader's mixed strategy is not finite: {x}")
    ties = tie_sets(game, x)
    marginals = game.marginals
    relevant = [
        [s if marginals[i, k] > 0 else s[:1] for k, s in enumerate(row)]
        for i, row in enumerate(ties)
    ]
    candidates = assignments(relevant)
    values = [float(assignment_coefficients(game, W) @ x) for W in candidates]
    best = int(np.argmax(values))  # the first of the best, as the strict > kept before
    return candidates[best], values[best]


def leader_value(game: BayesianStackelbergGame, x: np.ndarray) -> float:
    """U(x, D) = E_theta u(x, br(theta, x)), ties broken in the leader's favour."""
    return respond(game, np.asarray(x, dtype=float))[1]
