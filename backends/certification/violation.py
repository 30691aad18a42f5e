"""The leader's constraint violation at a point: what feasibility is checked against."""

from __future__ import annotations

import numpy as np

from stackopt.kkt_evaluator import KKTEvaluator


def leader_violation(
    evaluator: KKTEvaluator, constraint_values: np.ndarray, pi: np.ndarray
) -> float:
    """max(0, lb - G, G - ub) over the leader's constraints and its Vars' bounds."""
    parts = [0.0]
    with np.errstate(invalid="ignore"):
        parts += list(np.nan_to_num(evaluator.leader_lb - constraint_values, nan=0.0, neginf=0.0))
        parts += list(np.nan_to_num(constraint_values - evaluator.leader_ub, nan=0.0, neginf=0.0))
    for v, value in zip(evaluator.leader_vars, pi):
        if v.lb is not None:
            parts.append(v.lb - value)
        if v.ub is not None:
            parts.append(value - v.ub)
    return float(max(parts))
