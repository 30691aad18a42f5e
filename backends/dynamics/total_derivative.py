"""The leader's total derivative (Fiez, Chasnov, Ratliff 2020, Eq. 3).

    Df1(x) = D1 f1(x) - D21 f2(x)^T (D2^2 f2(x) + eta I)^{-T} D2 f1(x),

the gradient of x1 -> f1(x1, r(x1)) along the followers' implicit response r, whose Jacobian is
Dr = -(D2^2 f2)^{-1} D21 f2 (implicit function theorem). With several followers at Nash, D2^2 f2 is
the followers' game Jacobian (not symmetric in general, hence the transpose); eta >= 0 regularizes
it. ``linear_solver="cg"`` uses warm-started conjugate gradients (inverse-Hessian-vector products,
as in the paper's GAN experiments), valid when D2^2 f2 + eta I is symmetric positive definite.
Where the followers' constraints are active their response moves in the null space of the active
rows, with orthonormal basis Z: D2^2 f2 is then Z^T D2^2 f2 Z, and D2 f1, D21 f2 are taken along Z.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from stackopt.backends.dynamics.derivatives import Blocks
from stackopt.backends.dynamics.learning_loop import FieldUndefined
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

    def response_weights(self, b: Blocks, basis: np.ndarray | None = None) -> np.ndarray:
        """w = Z (Z^T D2^2 f2 Z + eta I)^{-T} Z^T D2 f1 (Z = I when ``basis`` is None)."""
        a, rhs = b.j22.T, b.d2f1
        if basis is not None:
            a, rhs = basis.T @ a @ basis, basis.T @ rhs
        a = a + self.eta * np.eye(len(rhs))
        if self.linear_solver == "direct":
            try:
                w = np.linalg.solve(a, rhs)
            except np.linalg.LinAlgError as exc:  # a follower linear in its own Vars
                raise FieldUndefined(
                    "the followers' Hessian D2^2 f2 is singular: their response has no "
                    "derivative here (eta > 0 regularizes it)"
                ) from exc
        else:
            x0 = self._w if self._w is not None and len(self._w) == len(rhs) else None
            w, _ = spla.cg(a, rhs, x0=x0, maxiter=self.cg_iterations, rtol=1e-12)
            self._w = w
        return w if basis is None else basis @ w

    def __call__(self, b: Blocks, basis: np.ndarray | None = None) -> np.ndarray:
        return b.d1f1 - b.j21.T @ self.response_weights(b, basis)
