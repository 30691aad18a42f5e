"""Special ordered sets of type 1: at most one of (lam_j, s_j) is nonzero, branched on natively.

The slack gets a Var s_j = -g_j >= 0 and {lam_j, s_j} forms an SOS1 set (the reformulation of
BilevelJuMP's ``SOS1Mode``); no big-M is needed. Needs a solver with SOS support (SCIP, Gurobi).
The solver's point is polished by the tightened NLP of its branch (:mod:`.exact_polish`); an
MPEC the solver finds infeasible is explained by the followers without a best response
(:mod:`.follower_rays`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import StrategyOutcome
from stackopt.backends.strategies.exact_polish import ExactStrategy
from stackopt.backends.strategies.follower_rays import explain_infeasible


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
        where one has none (:func:`.follower_rays.explain_infeasible`)."""
        outcome = super().solve(problem, solver, options, deadline)
        outcome.run = explain_infeasible(problem, outcome.run)
        return outcome
