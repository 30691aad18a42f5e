"""Exact policy evaluation and its first two derivatives in the policy logits.

For the joint policy w(s, a1, a2) = pi1(a1|s) pi2(a2|s), the expected reward r(s) = sum w R (minus
lam sum pi2 log pi2 for the entropy-regularized follower) and P_pi(s, s') = sum w P(s'|s, a1, a2):

    V = M r,   M = (I - gamma P_pi)^{-1}                 (one linear solve; J = rho . V),
    dV_k = M (r_k + gamma P_k V),
    d^2 J_kl = d . (r_kl + gamma P_kl V + gamma P_k dV_l + gamma P_l dV_k),   d = M^T rho,

obtained by differentiating V = r + gamma P_pi V twice (Das et al., the value and policy-gradient
expressions). Derivatives are in x = (theta1, theta2), the free logits of
:mod:`stackopt.markov.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackopt.markov.game import MarkovStackelbergGame
from stackopt.markov.policy import derivatives


@dataclass
class Value:
    """J = rho . V, the state values V, and the gradient (and Hessian) of J in x."""

    J: float
    V: np.ndarray
    grad: np.ndarray
    hess: np.ndarray | None = None


class JointPolicy:
    """Both policies at (theta1, theta2) with the derivatives of w = pi1 pi2 in x."""

    def __init__(self, game: MarkovStackelbergGame, theta1: np.ndarray, theta2: np.ndarray):
        self.game = game
        self.n1, n = theta1.size, theta1.size + theta2.size
        self.pi1, D1, H1 = derivatives(theta1, 0, n)
        self.pi2, self.D2, self.H2 = derivatives(theta2, self.n1, n)
        pi1, pi2, D2, H2 = self.pi1, self.pi2, self.D2, self.H2
        self.w = np.einsum("sa,sb->sab", pi1, pi2)
        self.dw = np.einsum("sak,sb->sabk", D1, pi2) + np.einsum("sa,sbk->sabk", pi1, D2)
        cross = np.einsum("sak,sbl->sabkl", D1, D2)
        self.d2w = (
            np.einsum("sakl,sb->sabkl", H1, pi2)
            + cross
            + cross.transpose(0, 1, 2, 4, 3)
            + np.einsum("sa,sbkl->sabkl", pi1, H2)
        )

    def value(self, R: np.ndarray, lam: float = 0.0, hessian: bool = False) -> Value:
        """J(x) for rewards R (plus lam times the follower's entropy), by one linear solve."""
        g = self.game
        gamma, P = g.gamma, g.P
        log2 = np.log(self.pi2)
        r = np.einsum("sab,sab->s", self.w, R) - lam * np.sum(self.pi2 * log2, axis=1)
        dr = np.einsum("sabk,sab->sk", self.dw, R) - lam * np.einsum(
            "sb,sbk->sk", log2 + 1.0, self.D2
        )
        A = np.eye(len(r)) - gamma * np.einsum("sab,sabt->st", self.w, P)
        V = np.linalg.solve(A, r)
        dP = np.einsum("sabk,sabt->stk", self.dw, P)
        dV = np.linalg.solve(A, dr + gamma * np.einsum("stk,t->sk", dP, V))
        out = Value(float(g.rho @ V), V, g.rho @ dV)
        if not hessian:
            return out
        d2r = np.einsum("sabkl,sab->skl", self.d2w, R) - lam * (
            np.einsum("sb,sbkl->skl", log2 + 1.0, self.H2)
            + np.einsum("sbk,sbl,sb->skl", self.D2, self.D2, 1.0 / self.pi2)
        )
        d2P_V = np.einsum("sabkl,sabt,t->skl", self.d2w, P, V)
        dP_dV = np.einsum("stk,tl->skl", dP, dV)
        d = np.linalg.solve(A.T, g.rho)
        out.hess = d @ (d2r + gamma * (d2P_V + dP_dV + dP_dV.transpose(0, 2, 1))).reshape(
            len(r), -1
        )
        out.hess = out.hess.reshape(dV.shape[1], dV.shape[1])
        return out
