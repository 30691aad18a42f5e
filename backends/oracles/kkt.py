"""``oracle="kkt"``: warm-started semismooth Newton on the joint KKT system, rescued by Ipopt.

Newton from the previous equilibrium converges in a few steps when the leader moved a little; when it
fails (a poor start, a domain error), Ipopt solves the complementarity-gap problem and Newton polishes
the result to the tolerance. The oracle that produced the point is recorded.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.oracles.ipopt_kkt import IpoptKKTOracle
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator


class KKTOracle:
    """``oracle(pi, z0) -> Equilibrium``: Newton, then Ipopt + Newton if Newton fails."""

    name = "kkt"

    def __init__(self, game: StackelbergGame, evaluator: KKTEvaluator, tol: float = 1e-6):
        self.newton = NewtonOracle(evaluator, tol)
        self.rescue = IpoptKKTOracle(game, evaluator, tol)

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        first = self.newton(pi, z0)
        if first.converged:
            return first
        rough = self.rescue(pi, z0)
        if not np.isfinite(rough.residual):
            return rough
        polished = self.newton(pi, rough.z)
        polished.oracle = "ipopt-kkt+kkt"
        return polished if polished.residual <= rough.residual else rough
