"""``method="initial"``: the leader's initial decision, evaluated honestly (the paper's baseline).

The leader's decision is each leader Var's current value (0, moved into its bounds, when it has
none); the followers' equilibrium is computed from their current values (for followers written in
cvxpy, by their best responses). Where none is found and a follower's constraints, all linear,
provably leave it no response at that decision, the status is "infeasible" (the honest
evaluation's proof, :mod:`.empty_response`); otherwise "error".
"""

from __future__ import annotations

import time

import numpy as np

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, cvxpy_result
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, honest_result
from stackopt.backends.start_points import current_value
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.structure import analyze


def run(game: StackelbergGame, time_limit: float | None = None) -> Result:
    """Evaluate the game at its leader's initial decision.

    Parameters
    ----------
    time_limit : float or None
        Wall-clock limit in seconds, which the honest evaluation's deadline follows (the later of
        the limit's end plus 1 s and as long again as the solve took,
        :func:`stackopt.certificate.evaluation_deadline`); an equilibrium not recomputed by then
        leaves the decision unjudged, with status "time_limit".
    """
    started = time.perf_counter()
    structure = analyze(game)
    if any(part.cvxpy is not None for part in structure.followers):
        result = cvxpy_result(
            structure,
            CvxpyEquilibrium(structure, EQUILIBRIUM_TOL),
            np.array([current_value(v) for v in structure.leader_vars]),
            np.array([current_value(v) for v in structure.follower_vars]),
            status="feasible",
        )
        result.reported_objective = result.leader_objective
        return result
    values = {v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars}
    evaluator = KKTEvaluator(game)
    result = honest_result(
        game, evaluator, status="feasible", values=values, reported_objective=None
    )
    late = time_limit is not None and time.perf_counter() - started > time_limit
    if late and result.leader_objective is None and result.status == "error":
        result.status = "time_limit"  # the limit's evaluation deadline came first
    result.reported_objective = result.leader_objective
    return result
