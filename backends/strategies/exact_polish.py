"""Polishing an exact strategy's point: the tightened NLP of the branch its solver chose.

A MILP/MINLP solver's point satisfies the reformulation to its feasibility tolerance (1e-6 for
HiGHS and SCIP), and its follower multipliers are the ones the disjunction happened to pick:
where the claim of global optimality does not hold (a big-M the user gave, Pineda and Morales
2019), the status rests on the certificate's stationarity check, which such a point can miss by
the solver's tolerance. The tightened NLP (:mod:`.polish`, Scheel and Scholtes 2000, Eq. 2.3)
with each pair's side fixed as the solver's branch fixed it, solved by Ipopt from the solver's
point, gives a clean point and its MPEC multipliers; it is kept when it is no worse. Discrete
Vars make the TNLP no NLP: a model with any is not polished, and the certificate judges the
solver's point as it is.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import SolverRun, available
from stackopt.backends.strategies.polish import Polished, polish


def polish_branch(
    problem: MPECProblem, run: SolverRun, sides: list[str], deadline: float | None
) -> tuple[SolverRun, Polished | None]:
    """The run (its message says whether the polished point replaced the solver's) and the
    polishing outcome; None when there is nothing to polish (no solution, no pair, a discrete
    Var outside the strategy's binaries, no Ipopt)."""
    if not (run.has_solution and problem.pairs and available("ipopt")):
        return run, None
    value = problem.objective_value()
    strategy_vars = ComponentSet(problem.block.component_data_objects(pyo.Var))
    discrete = any(
        not v.is_continuous() and v not in strategy_vars
        for v in problem.model.component_data_objects(pyo.Var)
    )
    if value is None or discrete:
        return run, None
    sign = 1.0 if problem.leader_objective.sense == pyo.minimize else -1.0
    polished = polish(problem, {}, deadline, sign * value, sides)
    if not polished.accepted:
        return run, polished
    message = (
        f"{run.message}; polished by the tightened NLP of the solver's branch "
        f"({polished.stationarity}-stationary at its multipliers)"
    )
    return SolverRun(run.status, message, True, run.iterations), polished
