"""An equilibrium oracle that solves the followers' KKT system with Ipopt.

For fixed pi it solves  min sum_j lam_j s_j  s.t. stationarity, h = 0, lam >= 0, s = -g >= 0
(the elastic-mode problem of :mod:`stackopt.backends.strategies.penalty` without a leader term),
whose zero-valued solutions are exactly the KKT points. Slower than Newton, but globalized by Ipopt's
filter line search, so it is the robust choice from a poor starting point.

The problem is compiled once per oracle (:class:`~stackopt.backends.compiled_nlp.CompiledNLP`)
with the leader's Vars as columns; each call holds them at pi by equal bounds, which Ipopt removes
from the problem. Rebuilding it per call cost 0.3 s of Pyomo work on QRE subsidies 3 x 10, about
as much as the gradient method's steps between two calls.
"""

from __future__ import annotations

import numpy as np
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.compiled_nlp import CompiledNLP
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.oracles.base import Equilibrium, Timed
from stackopt.backends.solvers import IPOPT_NAN_CHECK
from stackopt.backends.strategies.penalty import Penalty
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator

#: Ipopt's iterations at most. The rescues that end at a KKT point take at most 78 (the MacMPEC and
#: PAO collections under gradient and slsqp; 57 in the tests); where the followers have no point
#: (PAO's bard511 at its start x = 0: y >= 3 - x and y <= 2x) Ipopt's primal infeasibility stalls
#: at 1.5 and it ran its default 3000 (3 s) before the next rescue. (MacMPEC dempe at x = 0, where
#: the follower's multiplier grows without bound, met the tolerance at the 3000th; the rescues
#: after this one take it over.)
MAX_ITER = 200
#: Ipopt's options: the complementarity gap to well below the oracle's tolerance
OPTIONS = {"tol": 1e-10, "max_iter": MAX_ITER, **IPOPT_NAN_CHECK}


class IpoptKKTOracle(Timed):
    """``oracle(pi, z0) -> Equilibrium`` by Ipopt on the complementarity-gap problem, within the
    oracle's deadline (:class:`.base.Timed`)."""

    name = "ipopt-kkt"

    def __init__(self, game: StackelbergGame, evaluator: KKTEvaluator, tol: float = 1e-6):
        self.game, self.evaluator, self.tol = game, evaluator, tol
        self._problem: MPECProblem | None = None
        # set with the problem: the Vars of z and pi (the evaluator's order), the leader Vars'
        # NLP columns (-1: none) and the NLP's row bounds
        self._z: list = []
        self._pi: list = []
        self._columns = np.zeros(0, dtype=int)
        self._rows: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))

    def _compiled(self) -> MPECProblem:
        """The problem, compiled on first use."""
        if self._problem is None:
            problem = MPECProblem(self.game, followers_only=True)
            Penalty(rho0=1.0).apply(problem)
            problem.compiled = CompiledNLP(
                problem.model, problem.block.parameter, retry_inside=False
            )
            by_name = {v.name: v for v in problem.structure.leader_vars + problem.kkt.z_vars}
            self._z = [by_name[n] for n in self.evaluator.z_names]
            self._pi = [by_name[n] for n in self.evaluator.leader_names]
            column = ComponentMap((v, k) for k, v in enumerate(problem.compiled.vars))
            self._columns = np.array([column.get(v, -1) for v in self._pi], dtype=int)
            nlp = problem.compiled.nlp
            self._rows = (nlp.constraints_lb(), nlp.constraints_ub())
            self._problem = problem
        return self._problem

    def __call__(self, pi: np.ndarray, z0: np.ndarray) -> Equilibrium:
        problem = self._compiled()
        compiled = problem.compiled
        pi = np.asarray(pi, float)
        for v, value in zip([*self._z, *self._pi], [*z0, *pi]):
            v.set_value(float(value), skip_validation=True)
        problem.evaluate_defined()
        lb, ub = compiled.lb.copy(), compiled.ub.copy()
        held = self._columns >= 0
        lb[self._columns[held]] = ub[self._columns[held]] = pi[held]
        compiled.forget_duals()
        run = compiled.solve(OPTIONS, self.deadline, (lb, ub, *self._rows))
        if not run.has_solution:
            return Equilibrium(np.asarray(z0, float), np.inf, False, 1, self.name, run.message)
        z = np.array([0.0 if v.value is None else v.value for v in self._z])
        try:  # Ipopt's relaxed bounds let y reach -1e-9, where y^1.5 is undefined
            ev = self.evaluator.evaluate(z, pi, derivatives=False)
        except (PyNumeroEvaluationError, ArithmeticError) as exc:
            why = f"the KKT system cannot be evaluated at Ipopt's point ({exc})"
            return Equilibrium(z, np.inf, False, 1, self.name, why)
        residual = float(np.max(np.abs(ev.residual), initial=0))
        return Equilibrium(z, residual, residual <= self.tol, 1, self.name, run.message)
