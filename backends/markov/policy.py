"""Tabular softmax policies with one pinned logit per state, and their first two derivatives.

pi(a | s) = softmax_a(theta[s, a]) is invariant to adding a constant to theta[s, :]; pinning
theta[s, 0] = 0 removes that direction, so the free parameters are theta[s, 1:] (shape (S, A - 1))
and the follower's value Hessian in them is invertible at a strict regularized best response.
Softmax derivatives (b, c free actions of the same state s):

    d pi_a / d theta_b = pi_a (delta_ab - pi_b),
    d^2 pi_a / d theta_b d theta_c = pi_a [(delta_ab - pi_b)(delta_ac - pi_c) - pi_b (delta_bc - pi_c)].
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax


def probabilities(theta: np.ndarray) -> np.ndarray:
    """pi[s, a] from the free logits theta[s, 1:] (theta[s, 0] = 0)."""
    return softmax(np.pad(theta, ((0, 0), (1, 0))), axis=1)


def logits(pi: np.ndarray) -> np.ndarray:
    """The free logits of a policy with positive probabilities: log pi[s, 1:] - log pi[s, 0]."""
    log = np.log(pi)
    return log[:, 1:] - log[:, :1]


def derivatives(
    theta: np.ndarray, offset: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pi, D, H): D[s, a, k] = d pi[s, a] / d x_k and H[s, a, k, l] its Hessian.

    x is a parameter vector of length n in which theta[s, b - 1] sits at position
    offset + s (A - 1) + b - 1.
    """
    pi = probabilities(theta)
    S, A = pi.shape
    D = np.zeros((S, A, n))
    H = np.zeros((S, A, n, n))
    eye = np.eye(A)[:, 1:]  # delta_ab for free b
    for s in range(S):
        k = offset + s * (A - 1) + np.arange(A - 1)
        p, q = pi[s], pi[s, 1:]
        e = eye - q  # (A, A-1): delta_ab - pi_b
        D[s][:, k] = p[:, None] * e
        cross = e[:, :, None] * e[:, None, :] - (q[:, None] * (np.eye(A - 1) - q))[None]
        H[s][:, k[:, None], k[None, :]] = p[:, None, None] * cross
    return pi, D, H
