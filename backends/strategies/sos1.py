"""Special ordered sets of type 1: at most one of (lam_j, s_j) is nonzero, branched on natively.

The slack gets a Var s_j = -g_j >= 0 and {lam_j, s_j} forms an SOS1 set (the reformulation of
BilevelJuMP's ``SOS1Mode``); no big-M is needed. Needs a solver with SOS support (SCIP, Gurobi).
The solver's point is polished by the tightened NLP of its branch (:mod:`.exact_polish`); an
MPEC the solver finds infeasible is explained by the followers without a best response
(:mod:`.follower_rays`). SCIP runs without its SOS1 presolve's bound tightening
(:data:`SCIP_OPTIONS`), which reads no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import StrategyOutcome
from stackopt.backends.strategies.exact_polish import ExactStrategy
from stackopt.backends.strategies.follower_rays import explain_infeasible

#: SCIP's options for the SOS1 reformulation, under the caller's own ``solver_options``: no bound
#: tightening over the SOS1 conflict graph in presolve (``constraints/SOS1/maxtightenbds``, 5
#: rounds by default), whose rounds read no clock: on ``so.models.cournot(200)`` (400 SOS1 sets)
#: SCIP's presolve ran 7.5 s under a 3.5 s limit. Without it the benchmark collection gives the
#: same statuses and objectives under ``time_limit=20``, and the Cournot game keeps to its limit.
SCIP_OPTIONS = {"constraints/SOS1/maxtightenbds": 0}


@dataclass
class SOS1(ExactStrategy):
    """One SOS1 constraint per complementarity pair."""

    name: ClassVar[str] = "sos1"

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        idx = range(len(pairs))
        b.s = pyo.Var(idx, bounds=(0, None))
        b.s_def = pyo.Constraint(idx, rule=lambda _, j: b.s[j] == pairs[j].slack)
        problem.defined += [(b.s[j], pairs[j].slack) for j in idx]
        b.sos = pyo.SOSConstraint(idx, rule=lambda _, j: [pairs[j].lam, b.s[j]], sos=1)

    def solve(
        self, problem: MPECProblem, solver: str, options: dict, deadline: float | None
    ) -> StrategyOutcome:
        """The exact strategies' solve; an "infeasible" says which follower has no best response,
        where one has none (:func:`.follower_rays.explain_infeasible`); SCIP gets
        :data:`SCIP_OPTIONS` under ``options``."""
        if solver == "scip":
            options = {**SCIP_OPTIONS, **options}
        outcome = super().solve(problem, solver, options, deadline)
        outcome.run = explain_infeasible(problem, outcome.run)
        return outcome
