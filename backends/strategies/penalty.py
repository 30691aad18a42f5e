"""Elastic mode: complementarity moved into the objective as an exact penalty.

    min sign * F + rho * sum_j lam_j s_j,   lam >= 0, s >= 0 as Var bounds

Since lam, s >= 0 the penalty is the l1 norm of the products, exact for rho large enough under
MPEC-LICQ (Anitescu 2005, "On using the elastic mode in nonlinear programming approaches to
MPECs"). rho grows by ``factor`` until the pairs are complementary.

Each s_j is a Var: the follower's own Var where s_j = c (v - r) and v's bound states s_j >= 0
(:meth:`MPECProblem.slack_bounds`), else an auxiliary Var s_j >= 0 with s_j = -g_j; and Ipopt runs
with ``bound_relax_factor`` 0, so its interior-point iterates keep lam_j > 0 and s_j > 0 exactly,
every term is positive, and the penalized NLP is bounded below where F is. With s_j >= 0 as a row
(which Ipopt's iterates violate up to its tolerance) or with Ipopt's default relaxation of the
bounds (1e-8 max(1, |bound|)), rho lam_j s_j falls without end as lam_j grows at s_j slightly
below 0: from the high-point relaxation's start of MacMPEC ex9.1.6 Ipopt then follows it to
-2e9 until the start's time cap; bounded, it reaches the optimum -49 in about 25 iterations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import ContinuationStrategy
from stackopt.backends.strategies.polish import NEAR_SOLUTION_MU, NeutralForm
from stackopt.option_values import GROW, POSITIVE


@dataclass
class Penalty(ContinuationStrategy):
    """Penalty weight rho = rho0, rho0*factor, ..., up to rho_max (stops early once complementary).

    Parameters
    ----------
    rho0 : float
        The first penalty weight.
    factor : float
        Each next rho is rho * factor, above 1.
    rho_max : float
        The largest rho tried.
    """

    rho0: float = 10.0
    factor: float = 10.0
    rho_max: float = 1e8
    name: ClassVar[str] = "penalty"
    ranges = {"rho0": POSITIVE, "factor": GROW, "rho_max": POSITIVE}
    parameter: ClassVar[str] = "rho"
    stop_when_complementary: ClassVar[bool] = True
    keep_best: ClassVar[bool] = True
    #: rho enters the objective alone
    same_feasible_set: ClassVar[bool] = True
    #: lam, s >= 0 held exactly (module docstring)
    ipopt_options: ClassVar[dict] = {"bound_relax_factor": 0.0}

    def schedule(self) -> list[float]:
        if not (self.rho0 > 0 and self.factor > 1 and self.rho_max >= self.rho0):
            raise ValueError("Penalty needs rho0 > 0, factor > 1 and rho_max >= rho0")
        values = [self.rho0]
        while values[-1] * self.factor <= self.rho_max:
            values.append(values[-1] * self.factor)
        return values

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        rho = self.declare_parameter(problem, self.rho0)
        bounds = problem.slack_bounds()
        rows = [j for j, bound in enumerate(bounds) if bound is None]
        b.s = pyo.Var(rows, bounds=(0, None), initialize=0.0)
        b.slack_definition = pyo.Constraint(rows, rule=lambda _, j: b.s[j] == pairs[j].slack)
        problem.defined += [(b.s[j], pairs[j].slack) for j in rows]
        problem.evaluate_defined()
        obj = problem.leader_objective
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        leader = sign * obj.expr if obj.active else 0.0
        neutral = obj.active
        obj.deactivate()
        # rho inside each term: the ASL then sees the penalty as a sum of small elements and
        # forms its Hessian element by element; rho * (a sum) is one element over every pair's
        # variables, whose Hessian costs O(n^2) (security game 5 x 100: 6 ms against 1 ms)
        slacks = [b.s[j] if j in b.s else p.slack for j, p in enumerate(pairs)]
        b.penalized = pyo.Objective(
            expr=leader + sum(rho * p.lam * s for p, s in zip(pairs, slacks))
        )
        if neutral:  # at rho = 0 this NLP is the MPEC without its pairs: the polishing's TNLP
            problem.neutral = NeutralForm(
                rho,
                0.0,
                [
                    (b.s[j], 1.0, 0.0, b.slack_definition[j]) if bound is None else (*bound, None)
                    for j, bound in enumerate(bounds)
                ],
            )

    def inner_tolerance(self, value: float) -> float:
        """Every penalized solve may be the answer: each is solved to the solver's tolerance."""
        return 0.0

    def barrier(self, value: float) -> float:
        """The next rho starts at the previous solution, solved to the solver's tolerance: a
        small barrier keeps it there (security game 5 x 100, rho = 100: 25 Ipopt iterations,
        67 with 1 / rho of the previous solve, i.e. Ipopt's default 0.1 at rho = 100)."""
        return NEAR_SOLUTION_MU
