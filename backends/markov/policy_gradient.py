"""Both players' values, their policy gradients, and the leader's implicit gradient, matrix-free.

For the joint policy w(s, a, b) = pi1(a|s) pi2(b|s), with d = (I - gamma P_w)^{-T} rho the
discounted state visitation and q_i(s, a, b) = R_i(s, a, b) + gamma sum_s' P(s'|s, a, b) V_i(s'),
the policy gradient theorem gives (Das et al., the value and policy-gradient expressions)

    dJ_i / d pi1(a|s) = d(s) sum_b pi2(b|s) q_i(s, a, b),
    dJ_i / d pi2(b|s) = d(s) [sum_a pi1(a|s) q_i(s, a, b) - [i = 2] lam (log pi2(b|s) + 1)],

the follower's in its free logits theta2 through softmax, dJ / d theta(s, b) = pi(b|s) (g(s, b) -
sum_c pi(c|s) g(s, c)). One evaluation costs two S x S solves and a pass over P, and is complex
analytic, so second derivatives along a direction are exact by the complex step,
f'(x) v = Im f(x + i h v) / h: the follower's Hessian-vector products H22 v, and by symmetry of the
mixed partials the product (d grad_2 J2 / d pi1)^T u = Im (dJ2/d pi1)(pi1, theta2 + i h u) / h.
The leader's total gradient in its policy table (implicit function theorem on grad_2 J2 = 0) is

    G = dJ1/d pi1 - (d grad_2 J2 / d pi1)^T u,   H22 u = grad_2 J1,

with u by conjugate gradients on -H22 (positive definite near the follower's strict regularized
best response; MINRES where a direction of non-negative curvature shows up): no second-derivative
tensor is formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import scipy.sparse.linalg as spla

from stackopt.markov.game import MarkovStackelbergGame

#: the complex step; any tiny h works, there is no cancellation
COMPLEX_STEP = 1e-30


def _softmax(theta: np.ndarray) -> np.ndarray:
    """pi[s, :] from the free logits theta[s, 1:] (theta[s, 0] = 0), complex-step safe."""
    full = np.pad(theta, ((0, 0), (1, 0)))
    e = np.exp(full - full.real.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _to_logits(g: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """A gradient in the policy table to the free logits: pi (g - pi . g), actions 1..."""
    return (pi * (g - np.sum(pi * g, axis=1, keepdims=True)))[:, 1:]


@dataclass
class Partials:
    """J1, J2 and their partial gradients in the leader's table pi1 and the follower's logits."""

    J1: complex
    J2: complex
    leader1: np.ndarray  # dJ1 / d pi1, (S, A1)
    leader2: np.ndarray  # dJ2 / d pi1
    follower1: np.ndarray  # dJ1 / d theta2, (S, A2 - 1)
    follower2: np.ndarray  # dJ2 / d theta2


def partials(game: MarkovStackelbergGame, pi1: np.ndarray, theta2: np.ndarray) -> Partials:
    """The values and gradients at (pi1, theta2) (module docstring)."""
    P, gamma, lam = game.P, game.gamma, game.lam
    pi2 = _softmax(theta2)
    w = pi1[:, :, None] * pi2[:, None, :]
    A = np.eye(len(game.rho)) - gamma * np.einsum("sab,sabt->st", w, P)
    log2 = np.log(pi2)
    r1 = np.einsum("sab,sab->s", w, game.R1)
    r2 = np.einsum("sab,sab->s", w, game.R2) - lam * np.sum(pi2 * log2, axis=1)
    V = np.linalg.solve(A, np.stack([r1, r2], axis=1))
    d = np.linalg.solve(A.T, game.rho.astype(A.dtype))
    q1 = game.R1 + gamma * P @ V[:, 0]
    q2 = game.R2 + gamma * P @ V[:, 1]
    ds = d[:, None]
    g1_pi2 = ds * np.einsum("sab,sa->sb", q1, pi1)
    g2_pi2 = ds * (np.einsum("sab,sa->sb", q2, pi1) - lam * (log2 + 1.0))
    return Partials(  # J: 1-D @ 1-D, a (numpy) scalar
        J1=cast(complex, game.rho @ V[:, 0]),
        J2=cast(complex, game.rho @ V[:, 1]),
        leader1=ds * np.einsum("sab,sb->sa", q1, pi2),
        leader2=ds * np.einsum("sab,sb->sa", q2, pi2),
        follower1=_to_logits(g1_pi2, pi2),
        follower2=_to_logits(g2_pi2, pi2),
    )


@dataclass
class ImplicitGradient:
    """The leader's total gradient G in its policy table, the follower's gradient, the values."""

    total: np.ndarray  # G, (S, A1)
    follower: np.ndarray  # grad_2 J2 in theta2, (S, A2 - 1)
    J1: float
    J2: float
    #: the adjoint u of H22 u = grad_2 J1 (a warm start for the next solve)
    adjoint: np.ndarray
    #: MINRES's exit flag (0: converged)
    info: int


def implicit_gradient(
    game: MarkovStackelbergGame,
    pi1: np.ndarray,
    theta2: np.ndarray,
    warm: np.ndarray | None = None,
    rtol: float = 1e-10,
) -> ImplicitGradient:
    """G = dJ1/d pi1 - (d grad_2 J2 / d pi1)^T H22^{-1} grad_2 J1 at (pi1, theta2)."""
    base = partials(game, pi1, theta2)
    shape, h = theta2.shape, COMPLEX_STEP

    def hvp(v: np.ndarray) -> np.ndarray:
        return partials(game, pi1, theta2 + 1j * h * v.reshape(shape)).follower2.imag.ravel() / h

    n = theta2.size
    rhs = base.follower1.real.ravel()
    u, info = _conjugate_gradients(hvp, rhs, warm, rtol, 10 * n)
    if info != 0:
        op = spla.LinearOperator((n, n), matvec=hvp, dtype=float)
        u, info = spla.minres(op, rhs, x0=warm, rtol=rtol, maxiter=10 * n)
    mixed = partials(game, pi1, theta2 + 1j * h * u.reshape(shape)).leader2.imag / h
    return ImplicitGradient(
        total=base.leader1.real - mixed,
        follower=base.follower2.real,
        J1=float(base.J1.real),
        J2=float(base.J2.real),
        adjoint=u,
        info=int(info),
    )


def _conjugate_gradients(
    hvp, rhs: np.ndarray, x0: np.ndarray | None, rtol: float, maxiter: int
) -> tuple[np.ndarray, int]:
    """Solve H u = rhs for a negative definite H given by ``hvp``; (u, 0), or (u, 1) on a
    direction of non-negative curvature or without convergence."""
    u = np.zeros_like(rhs) if x0 is None or x0.shape != rhs.shape else x0.copy()
    r = rhs - hvp(u) if u.any() else rhs.copy()
    p, rr, target = r.copy(), r @ r, (rtol * np.linalg.norm(rhs)) ** 2
    for _ in range(maxiter):
        if rr <= target:
            return u, 0
        hp = hvp(p)
        curvature = p @ hp
        if curvature >= 0:
            return u, 1
        step = rr / curvature
        u, r = u + step * p, r - step * hp
        rr, previous = r @ r, rr
        p = r + (rr / previous) * p
    return u, int(rr > target)


def stationarity_gap(total: np.ndarray, pi1: np.ndarray) -> float:
    """max over leader policies q of G . (q - pi1) = sum_s (max_a G(s, a) - pi1(s) . G(s)): the
    first-order ascent left on the product of simplices (0 exactly at a stationary policy, a
    saturated one included only when no action is better)."""
    return float(np.sum(total.max(axis=1) - np.sum(pi1 * total, axis=1)))


def leader_logit_gradient(total: np.ndarray, pi1: np.ndarray) -> np.ndarray:
    """G in the leader's free logits: pi1 (G - pi1 . G), actions 1..."""
    return _to_logits(total, pi1)
