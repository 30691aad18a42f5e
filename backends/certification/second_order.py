"""Each follower's second-order condition at the equilibrium, from the compiled KKT system.

The Jacobian of follower i's stationarity rows w.r.t. its own Vars is the Hessian of its
Lagrangian, H_i = grad^2_{x_i} (sign_i f_i + lam_i . g_i + nu_i . h_i). On the null space Z_i of the
gradients of its equalities and strongly active inequalities (lam_ij > 0) the reduced Hessian
Z_i^T H_i Z_i must be positive semidefinite at a local minimum (Nocedal and Wright 2006, Thm 12.5);
a negative eigenvalue means the KKT point is a saddle or a maximum of the follower's problem.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space

from stackopt.kkt_evaluator import KKTEvaluator, Linearization

#: multipliers above this make an inequality strongly active
ACTIVE_MULTIPLIER = 1e-8


def reduced_curvatures(evaluator: KKTEvaluator, lin: Linearization, z: np.ndarray) -> list[float]:
    """The smallest eigenvalue of each follower's reduced Hessian (inf when no direction is free),
    scaled by max(1, ||H_i||) so that it reads against a relative tolerance."""
    kkt = evaluator.kkt
    n_x = evaluator.n_x
    lam = z[n_x : n_x + evaluator.n_lam]
    out = []
    for i, (start, stop) in enumerate(evaluator.follower_slices):
        hessian = lin.eq[start:stop, start:stop].toarray()
        hessian = 0.5 * (hessian + hessian.T)
        rows = [
            j for j, q in enumerate(kkt.inequalities) if i in q.binds and lam[j] > ACTIVE_MULTIPLIER
        ]
        eqs = [n_x + k for k, q in enumerate(kkt.equalities) if i in q.binds]
        blocks = [lin.g[rows, start:stop].toarray(), lin.eq[eqs, start:stop].toarray()]
        active = np.vstack(blocks)
        basis = null_space(active) if active.shape[0] else np.eye(stop - start)
        if basis.shape[1] == 0:
            out.append(float("inf"))
            continue
        reduced = basis.T @ hessian @ basis
        scale = max(1.0, float(np.abs(hessian).max(initial=0.0)))
        out.append(float(np.linalg.eigvalsh(0.5 * (reduced + reduced.T)).min()) / scale)
    return out
