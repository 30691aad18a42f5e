"""The high-point relaxation: a leader start where the leader's objective is good and the followers
can respond.

    min_{pi, x} F(pi, x)  s.t.  every constraint of the game (the leader's, the followers', the
                                shared ones) and every Var's bounds,

the bilevel problem without the followers' optimality (Bard, Practical Bilevel Optimization, 1998,
Sec. 5.2). Its value bounds the optimistic optimum from below, and its leader decision lies in the
followers' domain. A local method started there descends into the region where the leader does
well, which the model's start may be far from (MacMPEC ex9.1.6: from x = 0 the gradient method
stops at the local minimum -15; the relaxation's x = 10 leads it to the optimum -49 at x = 16).
Ipopt solves it; for a nonconvex game its answer is local.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from stackopt.backends.solvers import run_solver
from stackopt.structure import GameStructure


def high_point(structure: GameStructure, time_limit: float | None = None) -> dict[str, float]:
    """The relaxation's point (leader and follower Var name -> value), or {} when Ipopt finds
    none, or when the leader's objective reads follower prices (duals), which it has no value of."""
    if structure.duals:
        return {}
    clone = structure.game.clone()
    leader = clone.find_component(structure.objective.name)
    for obj in clone.component_data_objects(pyo.Objective, active=True):
        if obj is not leader:
            obj.deactivate()
    run = run_solver(clone, "ipopt", {"tol": 1e-8}, time_limit)
    if not (run.has_solution and run.status in ("optimal", "locally_optimal")):
        return {}
    values = {}
    for v in structure.leader_vars + structure.follower_vars:
        value = clone.find_component(v.name).value
        if value is None or not np.isfinite(value):
            return {}
        values[v.name] = float(value)
    return values
