"""A semismooth Newton method on the Fischer-Burmeister form of the joint KKT system.

Solves F(z, pi) = 0 for fixed pi (:mod:`stackopt.kkt_evaluator`) by z <- z + t dz with
J_z(z) dz = -F(z) and an Armijo backtracking line search on 0.5 ||F||^2 (De Luca, Facchinei, Kanzow
1996). Warm-started from the previous equilibrium it converges locally quadratically, which makes it
the fast default oracle. Points where a model function cannot be evaluated (log of a negative
number, ...) are rejected by the line search.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse.linalg as spla
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.oracles.base import Equilibrium
from stackopt.kkt_evaluator import KKTEvaluation, KKTEvaluator


class NewtonOracle:
    """``oracle(pi, z0) -> Equilibrium`` by semismooth Newton from ``z0``."""

    name = "kkt"

    def __init__(
        self, evaluator: KKTEvaluator, tol: float = 1e-6, max_iter: int = 50, target: float = 1e-10
    ):
        """Converged when ||F||_inf <= tol; iterates on towards ``target`` while Newton makes progress."""
        self.evaluator, self.tol, self.max_iter, self.target = evaluator, tol, max_iter, target

    def _try(self, z: np.ndarray, pi: np.ndarray) -> KKTEvaluation | None:
        """The evaluation at a trial point (with derivatives, reused if accepted), or None."""
        try:
            ev = self.evaluator.evaluate(z, pi)
        except (PyNumeroEvaluationError, ArithmeticError):
            return None
        return ev if np.all(np.isfinite(ev.residual)) else None

    def __call__(self, pi: np.ndarray, z0: np.ndarray) -> Equilibrium:
        z = np.asarray(z0, dtype=float).copy()
        try:
            ev = self.evaluator.evaluate(z, pi)
        except PyNumeroEvaluationError as exc:
            return Equilibrium(z, np.inf, False, 0, self.name, f"cannot evaluate at start: {exc}")
        for it in range(self.max_iter + 1):
            res = ev.residual
            norm = float(np.max(np.abs(res), initial=0.0))
            if norm <= self.target or it == self.max_iter:
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", spla.MatrixRankWarning)
                dz = spla.spsolve(ev.jac_z, -res)  # NaN when exactly singular
            if not np.all(np.isfinite(dz)):
                dz = spla.lsqr(ev.jac_z, -res, atol=1e-12, btol=1e-12)[0]
            merit, t = 0.5 * res @ res, 1.0
            while t > 1e-10:
                trial = self._try(z + t * dz, pi)
                if (
                    trial is not None
                    and 0.5 * trial.residual @ trial.residual <= (1 - 1e-4 * t) * merit
                ):
                    break
                t *= 0.5
            else:
                return self._done(z, norm, it, "line search failed", ev)
            z, ev = z + t * dz, trial
        return self._done(z, norm, it, "iteration limit", ev)

    def _done(
        self, z: np.ndarray, norm: float, it: int, why: str, ev: KKTEvaluation
    ) -> Equilibrium:
        converged = norm <= self.tol
        return Equilibrium(z, norm, converged, it, self.name, "" if converged else why, ev)
