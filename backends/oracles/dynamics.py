"""``oracle="dynamics"``: projected gradient play from a random start, a sampling oracle.

Each follower moves along its own negative gradient, projected on its own feasible set,

    x_i <- Proj_{X_i}(x_i - eta * grad_{x_i} (sign_i f_i)(x, pi)),

all followers simultaneously, from a start drawn uniformly in the followers' boxes (or, with
``start="given"``, from the point it is handed), until the step is below ``tol``; the multipliers
are then estimated (:mod:`.multipliers`) and the point polished by semismooth Newton.
Different seeds can land on different equilibria, each in proportion to its basin of attraction:
the stochastic equilibrium selection of Wang et al. (2022, Sec. 4, Theorem 2). The followers'
constraints must be linear in their own Vars and not involve the leader's.
"""

from __future__ import annotations

import numpy as np
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.backends.projection import LinearSetProjection
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator


class DynamicsOracle:
    """``oracle(pi, z0, rng) -> Equilibrium`` by projected gradient play from a random start."""

    name = "dynamics"

    def __init__(
        self,
        game: StackelbergGame,
        evaluator: KKTEvaluator,
        tol: float = 1e-6,
        eta: float = 0.1,
        max_iter: int = 20000,
        start: str = "random",
    ):
        if not eta > 0:
            raise OptionError(f"eta must be positive, got {eta!r}")
        if start not in ("random", "given"):
            raise OptionError(f"start must be 'random' or 'given', got {start!r}")
        self.start = start
        structure = evaluator.kkt.structure
        try:
            self.projections = [
                LinearSetProjection(part.vars, part.constraints) for part in structure.followers
            ]
        except Exception as exc:
            raise OptionError(
                f"the dynamics oracle cannot project the followers' sets: {exc}"
            ) from exc
        self.slices = evaluator.follower_slices
        self.evaluator, self.eta, self.max_iter, self.tol = evaluator, eta, max_iter, tol
        self.polish = NewtonOracle(evaluator, tol)

    @property
    def closed_form(self) -> bool:
        """True when every follower's set is projected in closed form (boxes and simplices)."""
        return all(proj.simplices is not None for proj in self.projections)

    def _start(self, rng: np.random.Generator) -> np.ndarray:
        x = np.zeros(self.evaluator.n_x)
        for proj, (a, b) in zip(self.projections, self.slices):
            lo = np.where(np.isfinite(proj.lb), proj.lb, -1.0)
            hi = np.where(np.isfinite(proj.ub), proj.ub, lo + 2.0)
            x[a:b] = proj(rng.uniform(lo, hi))
        return x

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        rng = rng if rng is not None else np.random.default_rng()
        ev, n_x = self.evaluator, self.evaluator.n_x
        z = np.zeros(ev.n_z)
        z[:n_x] = self._start(rng) if self.start == "random" else np.asarray(z0[:n_x], float)
        played = [0]  # the steps taken, also when play stops at a point it cannot evaluate
        try:
            self._play(z, pi, played)
            start = with_multipliers(ev, z[:n_x], pi)
        except (PyNumeroEvaluationError, ArithmeticError) as exc:  # e.g. log(0) on a face
            return Equilibrium(z, np.inf, False, played[0], self.name, f"cannot evaluate: {exc}")
        eq = self.polish(pi, start)
        eq.oracle, eq.iterations = self.name, played[0]
        return eq

    def _play(self, z: np.ndarray, pi: np.ndarray, played: list[int]) -> None:
        """Projected gradient steps on z[:n_x] in place until the step is tiny, counted in played[0]."""
        ev, n_x = self.evaluator, self.evaluator.n_x
        while played[0] < self.max_iter:
            grad = ev.evaluate(z, pi, derivatives=False).residual[:n_x]  # stationarity at lam = 0
            played[0] += 1
            x = z[:n_x].copy()
            for proj, (a, b) in zip(self.projections, self.slices):
                x[a:b] = proj(x[a:b] - self.eta * grad[a:b])
            step = float(np.max(np.abs(x - z[:n_x]), initial=0.0))
            z[:n_x] = x
            if step <= 1e-3 * self.tol:
                break
