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
and a warning says so.

**A singular J_z.** With the singular value decomposition J_z = U S V^T, rank r, its null space
N = span(V_{r+1..}) and the complement of its range R^perp = span(U_{r+1..}), every solve uses the
pseudo-inverse J_z^+ = V_r S_r^{-1} U_r^T (the least-norm least-squares solution). The derivative
dz*/dpi = -J_z^+ J_pi solves J_z dz = -J_pi exactly when J_pi's columns lie in the range
(U_{r+1..}^T J_pi = 0), and its primal part dx*/dpi is the unique one when N has zero primal
components (N = {0} x N_m: only the multipliers are not unique, the active constraints' gradients
being dependent, e.g. y <= 1 and 2 y <= 2). Then the equilibrium is isolated and differentiable,
and a total gradient d phi/d pi is unique when d phi/dz is orthogonal to N (phi reads no
multiplier along N: :meth:`Sensitivity.unique`). Otherwise the point is ``degenerate``: N moves the
followers' decisions (the equilibrium is not isolated) or the linearized KKT system has no
solution (the dependent active constraints part with pi: a kink); the pseudo-inverse then gives a
least-squares approximation (the paper's "degenerate approximation") and a warning says which.
The decomposition is dense: it is made only where the LU factorization finds J_z singular.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stackopt.kkt_evaluator import KKTEvaluation

#: singular values of J_z below this fraction of the largest span its null space
RANK_TOL = 1e-9
#: a null-space basis vector (unit norm) whose entries are all below this is orthogonal to a vector
NULL_TOL = 1e-8


@dataclass
class Sensitivity:
    """J_z at one equilibrium, factorized (LU, or the SVD where it is singular), ready for adjoint
    and forward products. ``degenerate``: the followers' decisions have no unique derivative
    (``why`` says why, module docstring)."""

    evaluation: KKTEvaluation
    degenerate: bool = False
    why: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        ev = self.evaluation
        self._lu = None
        self._null = np.zeros((0, ev.residual.size))
        if ev.residual.size == 0:
            return
        if ev.nonsingular:
            self._lu = ev.lu  # the evaluation's own factorization, shared with the oracle
        else:
            self._decompose()
        if len(ev.weakly_active):
            self.warnings.append(
                f"{len(ev.weakly_active)} weakly active follower constraint(s) (multiplier 0 and "
                "constraint binding): the equilibrium has a kink there and no derivative; the "
                "gradient used takes the element of the generalized Jacobian of the "
                "Fischer-Burmeister row along (1, 1) (d phi/d lam = d phi/d(-g) = 1 - 1/sqrt(2)), "
                "which is neither one-sided derivative"
            )

    def _decompose(self) -> None:
        """The pseudo-inverse's parts and the null space of a singular J_z; which kind of
        singularity it is (module docstring)."""
        ev = self.evaluation
        u, s, vt = np.linalg.svd(ev.jac_z.toarray())
        rank = int(np.count_nonzero(s > RANK_TOL * s[0])) if s[0] > 0 else 0
        self._u, self._s, self._vt = u[:, :rank], s[:rank], vt[:rank]
        self._null = vt[rank:]
        jac_pi = ev.jac_pi.toarray()
        scale = max(1.0, float(np.abs(jac_pi).max(initial=0.0)))
        n_x = ev.n_x  # z = (x, lam, nu)
        if float(np.abs(self._null[:, :n_x]).max(initial=0.0)) > NULL_TOL:
            self.why = (
                "the KKT Jacobian J_z is singular at this equilibrium along the followers' "
                "decisions: the equilibrium is not isolated"
            )
        elif float(np.abs(u[:, rank:].T @ jac_pi).max(initial=0.0)) > NULL_TOL * scale:
            self.why = (
                "the KKT Jacobian J_z is singular at this equilibrium along the followers' "
                "multipliers alone (dependent active constraints), and the linearized KKT system "
                "has no solution along some leader direction (the dependent constraints part "
                "with the leader's decision): the equilibrium has a kink here"
            )
        if self.why:
            self.degenerate = True
            self.warnings.append(f"{self.why}; using the least-squares solve (pseudo-inverse)")
        else:
            self.warnings.append(
                "the followers' multipliers are not unique at this equilibrium (dependent active "
                "constraints; J_z is singular along them alone): the followers' decisions have a "
                "unique derivative, by the pseudo-inverse of J_z"
            )

    def unique(self, grad_z: np.ndarray) -> bool:
        """Whether the total gradient of phi with d phi/dz = ``grad_z`` is unique: ``grad_z`` is
        orthogonal to J_z's null space (always where J_z is nonsingular)."""
        scale = max(1.0, float(np.abs(grad_z).max(initial=0.0)))
        return float(np.abs(self._null @ grad_z).max(initial=0.0)) <= NULL_TOL * scale

    def _solve(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        if rhs.size == 0:
            return rhs
        if self._lu is not None:
            return self._lu.solve(rhs, trans="T" if transpose else "N")
        left, right = (self._vt.T, self._u) if transpose else (self._u, self._vt.T)
        return right @ ((left.T @ rhs).T / self._s).T  # the pseudo-inverse's product

    def adjoint(self, grad_z: np.ndarray, grad_pi: np.ndarray) -> np.ndarray:
        """Total gradient d phi/d pi of phi with partials ``grad_z``, ``grad_pi`` (one solve)."""
        w = self._solve(np.asarray(grad_z, float), transpose=True)
        return grad_pi - self.evaluation.jac_pi_t_dot(w)

    def forward(self) -> np.ndarray:
        """dz*/dpi = -J_z^{-1} J_pi, dense (n_z x n_pi); one solve per leader variable."""
        return -self._solve(np.asarray(self.evaluation.jac_pi.todense()), transpose=False)
