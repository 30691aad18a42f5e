"""The incumbent handed to an exact strategy's global solver: the followers' equilibrium at the
leader's start.

A global solver given no feasible point can spend its whole time limit without finding one, even
where one is trivial (a toll game at zero tolls with the traffic on its shortest paths: SCIP had
no point of the sos1 reformulation of a 3 x 3 toll grid after 20 s, nor of a 30-household energy
community over 4 periods). The start is a complete assignment of
the reformulated model: the leader's Vars at the model's values (``start=``), the followers' Vars
and multipliers at their equilibrium there (the kkt oracle from the model's follower values, to
``EQUILIBRIUM_TOL``), the lifted expressions' Vars and the strategy's own Vars set to match
(:meth:`~.strategies.exact_polish.ExactStrategy.complete_start`). Every KKT point of the followers
satisfies the MPEC's follower part; the leader's constraints may not hold there. So the point is
handed over (``MPECProblem.warm_start``) only when it satisfies every active constraint of the
reformulation (the leader's and the deviation cuts included), every Var's bounds and domain, and
each pair's complementarity, within ``START_TOL``; otherwise the model's values are restored and
the solver starts without one. Its computation may spend ``SHARE`` of the time left: the kkt
oracle's rescues can take seconds to give up where the followers have no feasible response at the
start (PAO's bard511 at its model's start: 2.7 s, where SCIP solves the MPEC in 0.2 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyomo.environ as pyo

from stackopt.backends.evaluation import recompute_equilibrium
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.pyomo_value import value_or_none

if TYPE_CHECKING:
    from stackopt.backends.strategies.exact_polish import ExactStrategy

#: the KKT residual the followers' equilibrium is computed to (Newton converges quadratically:
#: well inside the solvers' feasibility tolerances at little cost)
EQUILIBRIUM_TOL = 1e-9
#: the share of the solve's time left that the start's computation may spend
SHARE = 0.1
#: a row or bound is satisfied within this, relative to max(1, |its bound|), and a pair's smaller
#: side is at most this (HiGHS' primal feasibility tolerance; SCIP's is 1e-6)
START_TOL = 1e-7


@dataclass
class WarmStart:
    """Whether a start was handed to the global solver, the leader's objective there, and why
    not where none was."""

    given: bool
    objective: float | None = None
    reason: str = ""

    def info(self) -> dict[str, Any]:
        """``Result.info["warm_start"]``."""
        out: dict[str, Any] = {"given": self.given, "objective": self.objective}
        if self.reason:
            out["reason"] = self.reason
        return out


def place_warm_start(
    problem: MPECProblem,
    strategy: ExactStrategy,
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    deadline: float | None,
) -> WarmStart:
    """Put ``problem`` at the start of the module docstring and mark it for the solver, or leave
    its values as they were and say why not."""
    snapshot = problem.snapshot()
    objective = None
    if deadline is not None:
        now = time.perf_counter()
        deadline = now + SHARE * max(0.0, deadline - now)
    reason = _at_equilibrium(problem, game, evaluator, deadline)
    if not reason:
        strategy.complete_start(problem)
        objective = problem.objective_value()
        violated = violation(problem)
        reason = f"the equilibrium at the leader's start {violated}" if violated else ""
    problem.warm_start = not reason
    if reason:
        problem.restore(snapshot)
    return WarmStart(not reason, objective, reason)


def _at_equilibrium(
    problem: MPECProblem, game: StackelbergGame, evaluator: KKTEvaluator, deadline: float | None
) -> str:
    """Set the followers' Vars and multipliers to their equilibrium at the leader's values, the
    Vars defined by them (lifted expressions, ``problem.defined``) and the ``stackopt.dual``
    placeholders to the prices of those multipliers (the leader's functions read the prices
    through the multipliers, and the placeholders only need a value); why not ("" when set)."""
    missing = [v.name for v in problem.structure.leader_vars if v.value is None]
    if missing:
        return f"the leader's {missing[0]} has no value"
    z0, pi = evaluator.values_of(problem.values())
    eq = recompute_equilibrium(game, evaluator, pi, z0, EQUILIBRIUM_TOL, deadline)
    if not eq.converged:
        return f"no equilibrium at the leader's start: {eq.message}"
    problem.set_values(dict(zip(evaluator.z_names, map(float, eq.z))))
    problem.evaluate_defined()
    prices = problem.kkt.duals([v.value for v in problem.kkt.z_vars])
    for ref in problem.structure.duals:
        ref.var.set_value(prices[ref.constraint.name], skip_validation=True)
    return ""


def _beyond(value: float, lower: float | None, upper: float | None) -> float:
    """How far ``value`` lies outside [lower, upper], relative to max(1, |the bound|)."""
    out = 0.0
    if lower is not None:
        out = max(out, (lower - value) / max(1.0, abs(lower)))
    if upper is not None:
        out = max(out, (value - upper) / max(1.0, abs(upper)))
    return out


def violation(problem: MPECProblem, tol: float = START_TOL) -> str:
    """What of the reformulation the model's values violate by more than ``tol`` ("" where none):
    a Var without a value, outside its bounds or its integrality, an active constraint, or a pair
    both of whose sides exceed ``tol`` (absolutely: SCIP's SOS1 check)."""
    for v in problem.model.component_data_objects(pyo.Var, active=True):
        if v.value is None:
            return f"leaves {v.name} without a value"
        value = float(v.value)
        if _beyond(value, v.lb, v.ub) > tol:
            return f"puts {v.name} = {value:.6g} outside its bounds [{v.lb}, {v.ub}]"
        if not v.is_continuous() and abs(value - round(value)) > tol:
            return f"puts the integer {v.name} at {value:.6g}"
    for c in problem.model.component_data_objects(pyo.Constraint, active=True):
        body = value_or_none(c.body)
        if body is None:
            return f"leaves {c.name} undefined"
        if _beyond(float(body), pyo.value(c.lower), pyo.value(c.upper)) > tol:
            return f"violates {c.name} (its body is {float(body):.6g})"
    for p in problem.pairs:
        lam, slack = float(pyo.value(p.lam)), float(pyo.value(p.slack))
        if min(lam, slack) > tol or slack < -tol:
            return f"is not complementary at {p.name} (multiplier {lam:.3g}, slack {slack:.3g})"
    return ""
