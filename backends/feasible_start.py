"""The followers' feasibility domain: the leader decisions at which every follower can respond.

Phase 1 (the nearest leader decision in the domain), on a clone of the game solved by Ipopt:

    min_{pi, x} ||pi - pi0||^2   s.t.  the leader's own constraints (those on its Vars alone),
                                       every follower's constraints g_i(pi, x_i) <= 0, h_i = 0,
                                       the shared constraints and every Var's bounds.

The followers' and the leader's objectives are dropped, and so are the leader's constraints that
depend on the followers (they are the augmented Lagrangian's). With pi fixed and the distance
||x - x0||^2 of the followers' point instead, the same constraints ask whether pi lies in the
domain (:meth:`FollowerDomain.contains`): the gradient method uses it to tell the domain's boundary
from an oracle failure. For nonconvex follower constraints
Ipopt's answer is local: "infeasible" then means that Ipopt found no feasible point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from stackopt.backends.linear_domain import linear_domain
from stackopt.backends.solvers import run_solver
from stackopt.structure import GameStructure

#: Ipopt's tolerances for phase 1: the followers' constraints hold to this at its answer
_IPOPT = {"tol": 1e-10, "constr_viol_tol": 1e-10, "acceptable_iter": 0}


@dataclass
class PhaseOne:
    """Phase 1's answer: the leader decision, the followers' point there, and what Ipopt said."""

    found: bool
    pi: np.ndarray
    x: np.ndarray
    message: str


class FollowerDomain:
    """Phase 1 and the feasibility test on a clone of the structure's game."""

    def __init__(self, structure: GameStructure):
        game = structure.game
        self.clone = clone = game.clone()
        leader_ids = {id(v) for v in structure.leader_vars}
        for obj in clone.component_data_objects(pyo.Objective, active=True):
            obj.deactivate()
        for c in structure.constraints:
            if any(
                id(v) not in leader_ids for v in identify_variables(c.body, include_fixed=False)
            ):
                clone.find_component(c.name).deactivate()
        self.leader = [clone.find_component(v.name) for v in structure.leader_vars]
        self.followers = [clone.find_component(v.name) for v in structure.follower_vars]
        n, m = len(self.leader), len(self.followers)
        clone.stackopt_phase1_target = pyo.Param(range(n), mutable=True, initialize=0.0)
        clone.stackopt_phase1_start = pyo.Param(range(m), mutable=True, initialize=0.0)
        target, start = clone.stackopt_phase1_target, clone.stackopt_phase1_start
        clone.stackopt_phase1_distance = pyo.Objective(
            expr=sum((v - target[i]) ** 2 for i, v in enumerate(self.leader))
        )
        clone.stackopt_phase1_response = pyo.Objective(
            expr=sum((v - start[i]) ** 2 for i, v in enumerate(self.followers))
        )

        self._linear = linear_domain(clone, self.leader, self.followers)

    def nearest(self, pi0: np.ndarray, x0: np.ndarray, start: np.ndarray | None = None) -> PhaseOne:
        """The leader decision in the domain nearest to ``pi0`` (phase 1), from (``start``, x0);
        ``start`` defaults to pi0."""
        return self._solve(pi0, x0, fixed=False, start=start)

    def contains(self, pi: np.ndarray, x0: np.ndarray) -> bool:
        """Whether every follower has a feasible response at ``pi``: the followers' point nearest
        to ``x0`` within their constraints at pi exists (Ipopt, pi fixed); where every constraint
        is linear, whether the LP {x : A_x x <= b - A_pi pi, bounds} is feasible (HiGHS, exact
        and about ten times faster)."""
        if self._linear is not None:
            feasible = self._linear.feasible(pi)
            if feasible is not None:
                return feasible
        return self._solve(pi, x0, fixed=True).found

    def _solve(
        self, pi: np.ndarray, x0: np.ndarray, fixed: bool, start: np.ndarray | None = None
    ) -> PhaseOne:
        clone = self.clone
        clone.stackopt_phase1_distance.activate()
        clone.stackopt_phase1_response.activate()
        (clone.stackopt_phase1_distance if fixed else clone.stackopt_phase1_response).deactivate()
        for i, (v, value, first) in enumerate(zip(self.leader, pi, pi if start is None else start)):
            clone.stackopt_phase1_target[i] = float(value)
            v.set_value(float(value if fixed else first), skip_validation=True)
            if fixed:
                v.fix()
        for i, (v, value) in enumerate(zip(self.followers, x0)):
            clone.stackopt_phase1_start[i] = float(value)
            v.set_value(float(value), skip_validation=True)
        try:
            run = run_solver(clone, "ipopt", _IPOPT)
        finally:
            for v in self.leader:
                v.unfix()
        found = run.has_solution and run.status in ("optimal", "locally_optimal")
        pi = np.array([pyo.value(v) for v in self.leader], float)
        x = np.array([pyo.value(v, exception=False) or 0.0 for v in self.followers], float)
        return PhaseOne(found, pi, x, f"ipopt: {run.status} ({run.message})")
