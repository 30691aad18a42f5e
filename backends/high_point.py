"""The high-point relaxation: a leader start where the leader's objective is good and the followers
can respond.

    min_{pi, x} F(pi, x)  s.t.  every constraint of the game (the leader's, the followers', the
                                shared ones) and every Var's bounds,

the bilevel problem without the followers' optimality (Bard, Practical Bilevel Optimization, 1998,
Sec. 5.2). Its value bounds the optimistic optimum from below, and its leader decision lies in the
followers' domain. A local method started there descends into the region where the leader does
well, which the model's start may be far from (MacMPEC ex9.1.6: from x = 0 the gradient method
stops at the local minimum -15; the relaxation's x = 10 leads it to the optimum -49 at x = 16).
Ipopt solves it in memory (:class:`~stackopt.backends.compiled_nlp.CompiledNLP`: an evaluation
error inside the bounds, such as MacMPEC gnash10's Q^(-1/g) at Q = 0, ends that solve without a
point, silently), with the named Expressions lifted into variables
(:mod:`~stackopt.backends.lifted_expressions`); for a nonconvex game its answer is local.
"""

from __future__ import annotations

import time

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.objective import ObjectiveData
from pyomo.repn import generate_standard_repn

from stackopt.backends.lifted_expressions import lift_named_expressions
from stackopt.structure import GameStructure

#: Ipopt iterations at most: the relaxations of the collection's problems take at most 14 (Ipopt);
#: an unbounded one (PAO's pineda: max x + y with y >= 100 x - 100 alone) would run Ipopt's 3000
MAX_ITER = 200


def relaxation(structure: GameStructure) -> tuple[pyo.ConcreteModel, ObjectiveData]:
    """The relaxation as a model: a clone of the game whose only active Objective is the leader's
    (returned with it); its constraints are the game's active constraints, its Vars the game's."""
    clone = structure.game.clone()
    leader = clone.find_component(structure.objective.name)
    for obj in clone.component_data_objects(pyo.Objective, active=True):
        if obj is not leader:
            obj.deactivate()
    return clone, leader


def high_point(structure: GameStructure, time_limit: float | None = None) -> dict[str, float]:
    """The relaxation's point (leader and follower Var name -> value), or {} when Ipopt finds
    none, when the leader's objective reads follower prices (duals), which it has no value of, or
    when no Var appears in the relaxation (a constant objective, no constraints)."""
    if structure.duals:
        return {}
    clone, leader = relaxation(structure)
    functions = [leader.expr]
    functions += [c.body for c in clone.component_data_objects(pyo.Constraint, active=True)]
    if all(generate_standard_repn(f, quadratic=False).is_constant() for f in functions):
        return {}  # a constant objective and no constraint: no point is better than another
    lift_named_expressions(clone)
    # imported here: PyNumero's cyipopt interface loads scipy, which `import stackopt` must not
    # pay for
    from stackopt.backends.compiled_nlp import CompiledNLP

    deadline = None if time_limit is None else time.perf_counter() + time_limit
    run = CompiledNLP(clone).solve({"tol": 1e-8, "max_iter": MAX_ITER}, deadline)
    if not (run.has_solution and run.status == "optimal"):
        return {}
    values = {}
    for v in structure.leader_vars + structure.follower_vars:
        value = clone.find_component(v.name).value
        if value is None or not np.isfinite(value):
            return {}
        values[v.name] = float(value)
    return values
