"""``method="initial"``: the leader's initial decision, evaluated honestly (the paper's baseline).

The leader's decision is each leader Var's current value (0, moved into its bounds, when it has
none); the followers' equilibrium is computed from their current values (for followers written in
cvxpy, by their best responses).
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, cvxpy_result
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, honest_result
from stackopt.backends.start_points import current_value
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.structure import analyze


def run(game: StackelbergGame) -> Result:
    """Evaluate the game at its leader's initial decision."""
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
    result.reported_objective = result.leader_objective
    return result
