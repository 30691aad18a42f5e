"""First-order multiplier estimates for a followers' point x found without multipliers.

Given x (from best responses, gradient play or a user's callable), the multipliers solve the
stationarity rows in the least-squares sense over the active inequalities and all equalities,

    min_{lam >= 0, nu} || grad_x L(x, lam, nu, pi) ||,   lam_j = 0 where s_j = -g_j(x, pi) > tol,

a bounded linear least-squares problem (scipy's ``lsq_linear``). Newton then starts next to the KKT
point instead of at lam = nu = 0, where the complementarity rows of active constraints are kinked.

An inequality may carry a multiplier when its slack is at most the oracle's KKT tolerance ``tol``:
its complementarity residual min(lam_j, s_j) <= s_j is then within tolerance whatever lam_j, and
the bounds lam >= 0 leave the multiplier of an inactive one at zero. An interior-point best response
(Ipopt) ends at a bound only up to its barrier parameter, x_j ~ mu / z_j, often 1e-8 to 1e-7 away;
a stricter test would miss those constraints and leave their stationarity rows unbalanced.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear

from stackopt.kkt_evaluator import KKTEvaluator


def with_multipliers(
    evaluator: KKTEvaluator, x: np.ndarray, pi: np.ndarray, tol: float
) -> np.ndarray:
    """z = (x, lam, nu) with the least-squares multipliers of the module docstring."""
    n_x, n_lam = evaluator.n_x, evaluator.n_lam
    z = np.zeros(evaluator.n_z)
    z[:n_x] = x
    at = evaluator.evaluate(z, pi)
    active = at.slack <= tol
    cols = n_x + np.concatenate(
        [np.flatnonzero(active), n_lam + np.arange(evaluator.n_z - n_x - n_lam)]
    )
    if len(cols) == 0:
        return z
    lower = np.where(cols < n_x + n_lam, 0.0, -np.inf)
    A = at.jac_z[:n_x][:, cols].toarray()  # stationarity rows: the constraint gradients
    z[cols] = lsq_linear(A, -at.residual[:n_x], bounds=(lower, np.inf)).x
    return z
