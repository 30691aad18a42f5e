"""Implicit differentiation through the joint KKT system (Wang et al. 2022, Eq. 5).

At an equilibrium F(z*, pi) = 0 (:mod:`stackopt.kkt_evaluator`) with J_z = dF/dz nonsingular,
dz*/dpi = -J_z^{-1} J_pi. For a scalar function phi(z, pi) the total gradient is obtained in adjoint
mode with ONE sparse solve, whatever the number of leader variables:

    J_z^T w = d phi/dz,      d phi/d pi (total) = d phi/d pi - J_pi^T w.

Inactive constraints drop out and active ones are held at zero automatically through the generalized
Jacobian of the Fischer-Burmeister rows (the clearly inactive ones are eliminated before J_z is
factorized, :mod:`stackopt.reduced_lu`). At a weakly active one (lam_j = 0 = g_j) the equilibrium
has a kink and no derivative; the row used is the element of the generalized Jacobian of
phi(lam_j, -g_j) along the direction (1, 1), d phi/d lam_j = d phi/d(-g_j) = 1 - 1/sqrt(2), which
is neither one-sided derivative (those hold lam_j = 0, the constraint inactive, or g_j = 0, active),
and a warning says so. When J_z is singular (a non-isolated equilibrium) a Tikhonov-regularized
least-squares solve is used and a warning is recorded (the paper's "degenerate approximation").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from stackopt.kkt_evaluator import KKTEvaluation

REGULARIZATION = 1e-8


@dataclass
class Sensitivity:
    """A factorized J_z at one equilibrium, ready for adjoint and forward products."""

    evaluation: KKTEvaluation
    degenerate: bool = False
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        ev = self.evaluation
        self._lu = None
        if ev.residual.size == 0:
            return
        if ev.nonsingular:
            self._lu = ev.lu  # the evaluation's own factorization, shared with the oracle
        else:
            self.degenerate = True
            self.warnings.append(
                "the KKT Jacobian is singular at this equilibrium (non-isolated equilibrium); "
                "using a regularized least-squares solve"
            )
        if len(ev.weakly_active):
            self.warnings.append(
                f"{len(ev.weakly_active)} weakly active follower constraint(s) (multiplier 0 and "
                "constraint binding): the equilibrium has a kink there and no derivative; the "
                "gradient used takes the element of the generalized Jacobian of the "
                "Fischer-Burmeister row along (1, 1) (d phi/d lam = d phi/d(-g) = 1 - 1/sqrt(2)), "
                "which is neither one-sided derivative"
            )

    def _solve(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        if rhs.size == 0:
            return rhs
        if self._lu is not None:
            return self._lu.solve(rhs, trans="T" if transpose else "N")
        jz = self.evaluation.jac_z
        a = jz.T if transpose else jz
        normal = (a.T @ a + REGULARIZATION * sp.identity(a.shape[1])).tocsc()
        return spla.spsolve(normal, a.T @ rhs)

    def adjoint(self, grad_z: np.ndarray, grad_pi: np.ndarray) -> np.ndarray:
        """Total gradient d phi/d pi of phi with partials ``grad_z``, ``grad_pi`` (one solve)."""
        w = self._solve(np.asarray(grad_z, float), transpose=True)
        return grad_pi - self.evaluation.jac_pi_t_dot(w)

    def forward(self) -> np.ndarray:
        """dz*/dpi = -J_z^{-1} J_pi, dense (n_z x n_pi); one solve per leader variable."""
        return -self._solve(np.asarray(self.evaluation.jac_pi.todense()), transpose=False)
