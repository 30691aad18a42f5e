"""The exact strategies (bigm, sos1) and the polishing of their solver's point.

A MILP/MINLP solver's point satisfies the reformulation to its feasibility tolerance (1e-6 for
HiGHS and SCIP), and its follower multipliers are the ones the disjunction happened to pick: the
certificate's stationarity check at such a point can fail by the solver's tolerance even at a
proven global optimum (SCIP's sos1 points of MacMPEC ex9.2.5 and nash1), and where the claim of
global optimality does not hold (a big-M the user gave, Pineda and Morales 2019) the status rests
on that check alone. So the solver's point is polished by the tightened NLP (:mod:`.polish`,
Scheel and Scholtes 2000, Eq. 2.3) of the branch it lies on: each pair's side that is 0 there
fixed at 0, both sides where both are within ``BIACTIVE_GUESS`` of 0 (the TNLP's multipliers
then tell which side to release). At a point complementary to 1e-6 these are the sides the
solver's branching fixed (bigm's binaries, sos1's SOS branches). Ipopt solves it from the
solver's point; its point and MPEC multipliers replace the solver's when it is solved and no
worse in the leader's objective (up to the tolerance of :func:`.polish.polish`). The solver's own
point is kept beside it (``StrategyOutcome.unpolished``) and judged too where the polished one is
not certified optimal: Ipopt's interior point can step past a tie of the followers' responses by
its tolerance (a toll T = 2 + 4e-8 where the traffic is indifferent at T = 2), where the
recomputed response is another, worse for the leader. Discrete Vars make the TNLP no NLP: a
model with any is not polished, and the certificate judges the solver's point as it is.

Where the leader uses prices that may grow without bound (:mod:`.price_rays`), the solver's
"optimal" carries a caveat: it proves no global optimum.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import SolverRun, available
from stackopt.backends.strategies.base import Strategy, StrategyOutcome, solve_once
from stackopt.backends.strategies.polish import polish
from stackopt.backends.strategies.price_rays import unbounded_prices
from stackopt.messages import then

#: the solver statuses whose point is polished (a point cut by a limit is judged as it is)
POLISHED = ("optimal", "feasible")


def price_caveat(problem: MPECProblem) -> str:
    """Why the global solver's optimum proves nothing where a price the leader uses may grow
    without bound (:func:`.price_rays.unbounded_prices`); "" otherwise."""
    names = unbounded_prices(problem.kkt)
    if not names:
        return ""
    return (
        f"the prices of {', '.join(names)} that the leader uses may grow without bound where the "
        "followers' multipliers are not unique (their multiplier set has a recession direction "
        "along them): the optimistic problem may be unbounded, and the global solver's optimum "
        "proves none"
    )


class ExactStrategy(Strategy):
    """A disjunctive reformulation of the pairs, solved by a global (MI)NLP solver, whose point
    is polished by the tightened NLP of its branch (module docstring)."""

    exact: ClassVar[bool] = True

    def complete_start(self, problem: MPECProblem) -> None:
        """Set the strategy's own Vars that no expression defines (``problem.defined``) from the
        values of the MPEC's Vars, for a warm start (:mod:`stackopt.backends.exact_start`); none
        by default."""

    def solve(
        self, problem: MPECProblem, solver: str, options: dict, deadline: float | None
    ) -> StrategyOutcome:
        """One solve, then the polishing of its point."""
        run = solve_once(problem, solver, options, deadline)
        history = [self._row(problem, run)]
        bound = problem.objective_value() if run.has_solution else None
        run, info, own = self.polish_point(problem, run, deadline, history)
        caveat = price_caveat(problem)
        return StrategyOutcome(run, history, info, caveat, bound=bound, unpolished=own)

    def polish_point(
        self, problem: MPECProblem, run: SolverRun, deadline: float | None, history: list[dict]
    ) -> tuple[SolverRun, dict[str, Any], dict[str, float] | None]:
        """The run (its message says whether the polished point replaced the solver's), the
        polishing's ``Result.info`` entries and the solver's own point where the polished one
        replaced it (None otherwise); the TNLP solves add a row to ``history``. Nothing is
        polished without a point, a pair or Ipopt, or with a discrete Var outside the strategy's
        own (bigm's binaries)."""
        if not (run.status in POLISHED and run.has_solution and problem.pairs):
            return run, {}, None
        value = problem.objective_value()
        own = ComponentSet(problem.block.component_data_objects(pyo.Var))
        discrete = any(
            not v.is_continuous() and v not in own
            for v in problem.model.component_data_objects(pyo.Var)
        )
        if value is None or discrete or not available("ipopt"):
            return run, {}, None
        solver_point = problem.values()
        sign = 1.0 if problem.leader_objective.sense == pyo.minimize else -1.0
        polished = polish(problem, {}, deadline, sign * value)
        tnlp = SolverRun(
            "optimal" if polished.accepted else "error", polished.message, True, polished.iterations
        )
        history.append(self._row(problem, tnlp, polish=polished.solves))
        if polished.accepted:
            message = then(
                run.message,
                "polished by the tightened NLP of the solver's branch "
                f"({polished.stationarity}-stationary at its multipliers)",
            )
            run = SolverRun(run.status, message, True, run.iterations)
        return run, polished.info(), solver_point if polished.accepted else None
