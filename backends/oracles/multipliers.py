"""First-order multiplier estimates for a followers' point x found without multipliers.

Given x (from best responses, gradient play or a user's callable), the multipliers solve the
stationarity rows in the least-squares sense over the active inequalities and all equalities,

    min_{lam >= 0, nu} || grad_x L(x, lam, nu, pi) ||,   lam_j = 0 where g_j(x, pi) < 0,

a bounded linear least-squares problem (scipy's ``lsq_linear``). Newton then starts next to the KKT
point instead of at lam = nu = 0, where the complementarity rows of active constraints are kinked.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear

from stackopt.kkt_evaluator import KKTEvaluator

#: an inequality counts as active when its slack is at most this (relative)
ACTIVE_TOL = 1e-8


def with_multipliers(evaluator: KKTEvaluator, x: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """z = (x, lam, nu) with the least-squares multipliers of the module docstring."""
    n_x, n_lam = evaluator.n_x, evaluator.n_lam
    z = np.zeros(evaluator.n_z)
    z[:n_x] = x
    at = evaluator.evaluate(z, pi)
    active = at.slack <= ACTIVE_TOL * np.maximum(1.0, np.abs(at.slack))
    cols = n_x + np.concatenate(
        [np.flatnonzero(active), n_lam + np.arange(evaluator.n_z - n_x - n_lam)]
    )
    if len(cols) == 0:
        return z
    lower = np.where(cols < n_x + n_lam, 0.0, -np.inf)
    A = at.jac_z[:n_x][:, cols].toarray()  # stationarity rows: the constraint gradients
    z[cols] = lsq_linear(A, -at.residual[:n_x], bounds=(lower, np.inf)).x
    return z
