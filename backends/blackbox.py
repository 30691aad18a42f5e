"""``method="slsqp"`` and ``method="trust-constr"``: scipy with the equilibrium as a black box.

The paper's baselines (Wang et al. 2022, Sec. 6): minimize c(pi) = sign * F(pi, x*(pi)) subject to
G(pi, x*(pi)) <= 0 and the leader's bounds, where every function value recomputes the equilibrium
x*(pi) with the ``kkt`` oracle and scipy differentiates by finite differences. scipy differentiates
c and G separately, with the same probe points; each probe's equilibrium is solved once.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
from scipy.optimize import Bounds, NonlinearConstraint, minimize

from stackopt.backends.evaluation import honest_result
from stackopt.backends.gradient import LeaderConstraints
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.start_points import current_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result


class _BlackBox:
    """c(pi) and G(pi) at the equilibrium recomputed for pi, warm-started from the last one.

    The values at the last 2 n + 2 points (n leader variables) are kept: one finite-difference
    sweep for c and one for G around the same point.
    """

    def __init__(self, game: StackelbergGame, evaluator: KKTEvaluator, z0: np.ndarray):
        self.evaluator, self.oracle, self.z = evaluator, KKTOracle(game, evaluator), z0
        self.constraints = LeaderConstraints(evaluator)
        self.history: list[dict[str, Any]] = []
        self._seen: OrderedDict[bytes, tuple[float, np.ndarray]] = OrderedDict()
        self._capacity = 2 * evaluator.n_pi + 2

    def _at(self, pi: np.ndarray) -> tuple[float, np.ndarray]:
        # scipy may probe a hair outside the leader's bounds (trust-constr's finite differences);
        # the game is only defined inside them, so a probe is evaluated at its nearest point there
        proj = self.constraints.project
        pi = np.clip(np.asarray(pi, float), proj.lb, proj.ub)
        key = pi.tobytes()
        if key not in self._seen:
            eq = self.oracle(pi, self.z)
            if not eq.converged:
                raise RuntimeError(f"no equilibrium at a trial leader decision: {eq.message}")
            self.z = eq.z
            ev = self.evaluator.evaluate(eq.z, pi, derivatives=False)
            self._seen[key] = (ev.leader_cost, self.constraints.values(ev))
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        return self._seen[key]

    def cost(self, pi: np.ndarray) -> float:
        cost = self._at(pi)[0]
        self.history.append({"objective": self.evaluator.leader_sign * cost})
        return cost

    def G(self, pi: np.ndarray) -> np.ndarray:
        return self._at(pi)[1]


def _run(game: StackelbergGame, scipy_method: str, maxiter: int) -> Result:
    if not isinstance(maxiter, int) or maxiter < 1:
        raise OptionError(f"maxiter must be a positive integer, got {maxiter!r}")
    evaluator = KKTEvaluator(game)
    structure = evaluator.kkt.structure
    start = {v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars}
    z0, pi0 = evaluator.values_of(start)
    box = _BlackBox(game, evaluator, z0)
    proj = box.constraints.project
    pi0 = proj(pi0)
    cons = []
    if len(box.constraints.rows):
        cons.append(NonlinearConstraint(box.G, -np.inf, 0.0))
    if len(proj.A):
        cons.append(NonlinearConstraint(lambda p: proj.A @ p, proj.lo, proj.hi))
    with warnings.catch_warnings():  # trust-constr's BFGS notes flat directions; not a failure
        warnings.filterwarnings("ignore", "delta_grad == 0.0", UserWarning)
        out = _minimize(box, pi0, scipy_method, proj, cons, maxiter)
    status = (
        "locally_optimal" if out.success else "iteration_limit" if out.nit >= maxiter else "error"
    )
    values = dict(zip(evaluator.leader_names, out.x)) | dict(zip(evaluator.z_names, box.z))
    return honest_result(
        game,
        evaluator,
        status=status,
        values=values,
        reported_objective=evaluator.leader_sign * float(out.fun),
        message=str(out.message),
        history=box.history,
        info={"nit": int(out.nit), "nfev": int(out.nfev)},
    )


def _minimize(box, pi0, scipy_method, proj, cons, maxiter):
    return minimize(
        box.cost,
        pi0,
        method=scipy_method,
        bounds=Bounds(proj.lb, proj.ub),
        constraints=cons,
        options={"maxiter": maxiter},
    )


def run_slsqp(game: StackelbergGame, maxiter: int = 100) -> Result:
    """SLSQP with finite-difference gradients through the black-box equilibrium.

    Parameters
    ----------
    maxiter : int
        scipy's iteration limit.
    """
    return _run(game, "SLSQP", maxiter)


def run_trust_constr(game: StackelbergGame, maxiter: int = 200) -> Result:
    """trust-constr with finite-difference gradients through the black-box equilibrium.

    Parameters
    ----------
    maxiter : int
        scipy's iteration limit.
    """
    return _run(game, "trust-constr", maxiter)
