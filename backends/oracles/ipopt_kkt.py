"""An equilibrium oracle that solves the followers' KKT system with Ipopt.

For fixed pi it solves  min sum_j lam_j s_j  s.t. stationarity, h = 0, lam >= 0, s = -g >= 0
(the elastic-mode problem of :mod:`stackopt.backends.strategies.penalty` without a leader term),
whose zero-valued solutions are exactly the KKT points. Slower than Newton, but globalized by Ipopt's
filter line search, so it is the robust choice from a poor starting point.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.solvers import run_solver
from stackopt.backends.strategies.penalty import Penalty
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator


class IpoptKKTOracle:
    """``oracle(pi, z0) -> Equilibrium`` by Ipopt on the complementarity-gap problem."""

    name = "ipopt-kkt"

    def __init__(self, game: StackelbergGame, evaluator: KKTEvaluator, tol: float = 1e-6):
        self.game, self.evaluator, self.tol = game, evaluator, tol

    def __call__(self, pi: np.ndarray, z0: np.ndarray) -> Equilibrium:
        ev = self.evaluator
        problem = MPECProblem(self.game, leader_fixed=dict(zip(ev.leader_names, pi)))
        problem.set_values(dict(zip(ev.z_names, z0)))
        Penalty(rho0=1.0).apply(problem)
        run = run_solver(problem.model, "ipopt", {"tol": 1e-10})
        if not run.has_solution:
            return Equilibrium(np.asarray(z0, float), np.inf, False, 1, self.name, run.message)
        values = problem.values()
        z = np.array([values.get(n, 0.0) for n in ev.z_names])
        residual = float(np.max(np.abs(ev.evaluate(z, pi, derivatives=False).residual), initial=0))
        return Equilibrium(z, residual, residual <= self.tol, 1, self.name, run.message)
