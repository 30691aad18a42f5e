"""The follower's exact entropy-regularized best response to a fixed leader policy.

Against pi1 the follower faces the MDP r2(s, a2) = sum_a1 pi1 R2, P2(s'|s, a2) = sum_a1 pi1 P. Its
soft-Bellman optimality system is

    Q2 = r2 + gamma P2 V2,   V2 = lam log sum_a2 exp(Q2 / lam),   pi2 = softmax(Q2 / lam),

solved by soft policy iteration, which is Newton's method on F(V) = V - lam logsumexp(Q(V) / lam)
(Jacobian I - gamma P_pi2): quadratic local convergence, monotone from any start.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, logsumexp, softmax

from stackopt.markov.game import MarkovStackelbergGame


class SoftBellmanFailed(RuntimeError):
    """Soft policy iteration did not reach the tolerance."""


def soft_best_response(
    game: MarkovStackelbergGame, pi1: np.ndarray, tol: float = 1e-11, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """(pi2, V2): the follower's regularized best response to pi1 and its soft values."""
    lam, gamma = game.lam, game.gamma
    r2 = np.einsum("sa,sab->sb", pi1, game.R2)
    P2 = np.einsum("sa,sabt->sbt", pi1, game.P)
    V = np.zeros(len(r2))
    for _ in range(max_iter):
        Q = r2 + gamma * P2 @ V
        if np.max(np.abs(V - lam * logsumexp(Q / lam, axis=1))) <= tol * (1 + np.max(np.abs(V))):
            return softmax(Q / lam, axis=1), V
        pi2 = softmax(Q / lam, axis=1)
        A = np.eye(len(V)) - gamma * np.einsum("sb,sbt->st", pi2, P2)
        # log pi2 as a log-softmax: where pi2 underflows to 0 (a payoff gap / lam above ~745),
        # pi2 log pi2 is then 0 * (a finite number), not 0 * log 0 = nan
        entropy_term = pi2 * (r2 - lam * log_softmax(Q / lam, axis=1))
        V = np.linalg.solve(A, np.sum(entropy_term, axis=1))
    raise SoftBellmanFailed(f"soft policy iteration did not converge in {max_iter} iterations")
