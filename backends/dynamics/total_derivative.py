"""The leader's total derivative (Fiez, Chasnov, Ratliff 2020, Eq. 3).

    Df1(x) = D1 f1(x) - D21 f2(x)^T (D2^2 f2(x) + eta I)^{-T} D2 f1(x),

the gradient of x1 -> f1(x1, r(x1)) along the followers' implicit response r, whose Jacobian is
Dr = -(D2^2 f2)^{-1} D21 f2 (implicit function theorem). With several followers at Nash, D2^2 f2 is
the followers' game Jacobian (not symmetric in general, hence the transpose); eta >= 0 regularizes
it. ``linear_solver="cg"`` uses warm-started conjugate gradients (inverse-Hessian-vector products,
as in the paper's GAN experiments), valid when D2^2 f2 + eta I is symmetric positive definite.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from stackopt.backends.dynamics.derivatives import Blocks
from stackopt.errors import OptionError

LINEAR_SOLVERS = ("direct", "cg")


class TotalDerivative:
    """``Df1(blocks) -> ndarray``; keeps the last CG solution to warm-start the next."""

    def __init__(self, eta: float = 0.0, linear_solver: str = "direct", cg_iterations: int = 20):
        if eta < 0:
            raise OptionError(f"eta must be >= 0, got {eta}")
        if linear_solver not in LINEAR_SOLVERS:
            raise OptionError(
                f"linear_solver must be one of {LINEAR_SOLVERS}, got {linear_solver!r}"
            )
        self.eta, self.linear_solver, self.cg_iterations = eta, linear_solver, cg_iterations
        self._w: np.ndarray | None = None

    def response_weights(self, b: Blocks) -> np.ndarray:
        """w = (D2^2 f2 + eta I)^{-T} D2 f1."""
        a = b.j22.T + self.eta * np.eye(len(b.d2f1))
        if self.linear_solver == "direct":
            return np.linalg.solve(a, b.d2f1)
        w, _ = spla.cg(a, b.d2f1, x0=self._w, maxiter=self.cg_iterations, rtol=1e-12)
        self._w = w
        return w

    def __call__(self, b: Blocks) -> np.ndarray:
        return b.d1f1 - b.j21.T @ self.response_weights(b)
