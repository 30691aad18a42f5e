"""A semismooth Newton method on the Fischer-Burmeister form of the joint KKT system.

Solves F(z, pi) = 0 for fixed pi (:mod:`stackopt.kkt_evaluator`) by z <- z + t dz with
J_z(z) dz = -F(z) and an Armijo backtracking line search on 0.5 ||F||^2 (De Luca, Facchinei, Kanzow
1996). Warm-started from the previous equilibrium it converges locally quadratically, which makes it
the fast default oracle. Points where a model function cannot be evaluated (log of a negative
number, ...) are rejected by the line search. A point counts as converged when ||F||_inf <= tol and
every complementarity pair's natural residual |min(lam_j, s_j)| <= tol: next to a huge multiplier
the Fischer-Burmeister residual rounds to zero whatever s_j.

Along a path of leader decisions (the gradient method) it is a predictor-corrector continuation
(Allgower & Georg 1990, Ch. 2). Called from the equilibrium z_0 it returned for pi_0, whose J_z was
factorized since (by the implicit gradient), it starts from the Euler predictor

    z_p = z_0 - J_z^{-1} (F(z_0, pi_0) + J_pi (pi - pi_0)),

and the last factorization is reused as a chord step z <- z - J^{-1} F(z) while that step alone cuts
||F||_inf tenfold; otherwise the step is a Newton step with J_z factorized at the current point. The
stopping rule is unchanged: ||F||_inf <= min(tol, target), or no more progress (then converged if
||F||_inf <= tol). Chord steps converge linearly, so on a path the returned residual lies a little
below the target instead of at rounding level; from any other start the steps are all Newton steps.

On a path the target can be loosened by ``path_target`` (the gradient method sets it to its
equilibrium tolerance): the predictor is then accepted as soon as ||F(z_p, pi)||_inf <= path_target,
which saves the chord step(s) that would polish it to ``target``. The price is accuracy: z is off
the exact equilibrium z*(pi) by about ||J_z^{-1}|| ||F||, and derivatives evaluated there (the
implicit gradient) are off by the same order. Each predictor linearizes at the previous point
including its residual, so these errors do not accumulate along the path.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse.linalg as spla
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.oracles.base import TIME_LIMIT, Equilibrium, Timed
from stackopt.kkt_evaluator import KKTEvaluation, KKTEvaluator
from stackopt.reduced_lu import ReducedLU

CHORD_RATE = 0.1  # a reused factorization must cut ||F||_inf at least this much per step


class NewtonOracle(Timed):
    """``oracle(pi, z0) -> Equilibrium`` by semismooth Newton from ``z0``, no iteration begun
    after the oracle's deadline (:class:`.base.Timed`)."""

    name = "kkt"

    def __init__(
        self,
        evaluator: KKTEvaluator,
        tol: float = 1e-6,
        max_iter: int = 50,
        target: float = 1e-10,
        path_target: float | None = None,
    ):
        """Converged when ||F||_inf <= tol; iterates on towards min(tol, target) while it progresses.

        ``path_target``: when continuing a path, iterate towards min(tol, path_target) instead
        (None: the same target as everywhere else; see the module docstring for the trade-off).
        """
        self.evaluator, self.tol, self.max_iter, self.target = evaluator, tol, max_iter, target
        self.path_target = path_target
        self._last: KKTEvaluation | None = None  # the evaluation at the last equilibrium returned

    def _try(self, z: np.ndarray, pi: np.ndarray) -> KKTEvaluation | None:
        """The evaluation at a trial point (derivatives on first use), or None."""
        try:
            ev = self.evaluator.evaluate(z, pi)
        except (PyNumeroEvaluationError, ArithmeticError):
            return None
        return ev if math.isfinite(ev.norm) else None

    def _continued(
        self, pi: np.ndarray, z: np.ndarray
    ) -> tuple[KKTEvaluation | None, ReducedLU | None]:
        """(the evaluation at the Euler predictor, or None; the chord LU) when ``z`` continues a path:
        it is the last equilibrium returned, and J_z there was factorized since and is nonsingular.

        The predictor is kept when its residual is below the linearized one at ``z``.
        """
        last = self._last
        if not (
            last is not None
            and last.factorized
            and np.array_equal(z, last.z)
            and last.nonsingular  # at a degenerate equilibrium there is no tangent to follow
        ):
            return None, None
        linear = last.residual + last.jac_pi_dot(pi - last.pi)
        dz = last.lu.solve(-linear)
        trial = self._try(z + dz, pi) if np.isfinite(dz).all() else None
        if trial is not None and trial.norm < _norm(linear):
            return trial, last.lu
        return None, last.lu

    def __call__(self, pi: np.ndarray, z0: np.ndarray) -> Equilibrium:
        z = np.asarray(z0, dtype=float).copy()
        ev, chord = self._continued(pi, z)
        path_target = self.path_target if chord is not None else None
        target = min(self.tol, self.target if path_target is None else path_target)
        if ev is not None:
            z = ev.z.copy()
        else:
            try:
                ev = self.evaluator.evaluate(z, pi)
            except PyNumeroEvaluationError as exc:
                return Equilibrium(
                    z, np.inf, False, 0, self.name, f"cannot evaluate at start: {exc}"
                )
        for it in range(self.max_iter + 1):
            res, norm = ev.residual, ev.norm
            if norm <= target or it == self.max_iter or self.late():
                break
            if chord is not None:
                trial = self._try(z + chord.solve(-res), pi)
                if trial is not None and trial.norm <= CHORD_RATE * norm:
                    z, ev = trial.z.copy(), trial
                    continue
            dz = ev.lu.solve(-res) if ev.lu is not None else np.full_like(z, np.nan)
            if not np.isfinite(dz).all():
                dz = spla.lsqr(ev.jac_z, -res, atol=1e-12, btol=1e-12)[0]
            if chord is not None:  # continuing a path: reuse this factorization from here on
                chord = ev.lu
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
        return self._done(z, norm, it, TIME_LIMIT if self.late() else "iteration limit", ev)

    def _done(
        self, z: np.ndarray, norm: float, it: int, why: str, ev: KKTEvaluation
    ) -> Equilibrium:
        # next to a huge multiplier lam_j, phi(lam_j, s_j) rounds to 0 whatever s_j: the pairs are
        # checked by their natural residual min(lam_j, s_j) too
        lam = z[self.evaluator.n_x : self.evaluator.n_x + len(ev.slack)]
        pairs = float(np.abs(np.minimum(lam, ev.slack)).max(initial=0.0))
        converged = norm <= self.tol and pairs <= self.tol
        if norm <= self.tol and not converged:
            why = (
                f"complementarity fails by {pairs:.2e} (min(lam, s)) where the KKT residual rounds "
                f"to {norm:.1e} next to multipliers up to {np.abs(lam).max(initial=0.0):.1e}"
            )
        self._last = ev
        return Equilibrium(z, norm, converged, it, self.name, "" if converged else why, ev)


def _norm(residual: np.ndarray) -> float:
    return float(np.abs(residual).max(initial=0.0))
