"""The certificate judges the size of the followers' multipliers by the least-norm ones.

Where a follower's active constraints are dependent its multipliers are not unique, and a method
may end at valid but huge ones; the KKT residual is trusted where the multipliers ``Result.duals``
reports (the least-norm ones) are of ordinary size."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.evaluation import MAX_MULTIPLIER, check_equilibrium, honest_result
from stackopt.backends.oracles.base import Equilibrium
from stackopt.certificate import certification
from stackopt.kkt_evaluator import KKTEvaluator

HUGE = 1e11  # above MAX_MULTIPLIER


def _equality_as_two_rows() -> so.StackelbergGame:
    """The follower min y s.t. y >= x and y <= x: stationarity 1 - lam_above + lam_below = 0, so
    (lam_above, lam_below) = (1 + t, t) for every t >= 0, the least-norm one (1, 0)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 2), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.5)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.F.above = pyo.Constraint(expr=g.F.y >= g.x)
    g.F.below = pyo.Constraint(expr=g.F.y <= g.x)
    g.obj = pyo.Objective(expr=(g.x - 1) ** 2 + g.F.y)
    return g


def _huge_multipliers(ev: KKTEvaluator) -> dict[str, float]:
    """x = y = 0.5 with the valid multipliers (1 + HUGE, HUGE), by name."""
    assert ev.z_names[1:] == ["stackopt_kkt.lam[0]", "stackopt_kkt.lam[1]"]
    return dict(zip(["x", *ev.z_names], [0.5, 0.5, 1 + HUGE, HUGE]))


def test_valid_huge_multipliers_leave_the_kkt_point_trusted():
    ev = KKTEvaluator(_equality_as_two_rows())
    z, pi = ev.values_of(_huge_multipliers(ev))
    assert HUGE > MAX_MULTIPLIER and ev.evaluate(z, pi, derivatives=False).norm == 0.0  # exact
    check = check_equilibrium(ev, None, Equilibrium(z, 0.0, True), pi)
    assert check.holds, check.message
    assert check.max_multiplier == pytest.approx(1.0, abs=1e-9)  # the least-norm (1, 0)


@pytest.mark.parametrize(
    ("claim", "certify"), [("iteration_limit", True), ("locally_optimal", False)]
)
def test_the_honest_result_at_valid_huge_multipliers_keeps_its_claim(claim, certify):
    """Without the full certificate only the multipliers' size is checked: a claim stands (at
    most feasible under certify=False), and Result.duals are the least-norm multipliers."""
    g = _equality_as_two_rows()
    ev = KKTEvaluator(g)
    with certification(certify):
        res = honest_result(
            g, ev, status=claim, values=_huge_multipliers(ev), reported_objective=None
        )
    assert res.status == ("feasible" if claim == "locally_optimal" else claim), res.message
    assert res.certificate.equilibrium.holds
    assert res.leader_objective == pytest.approx(0.75)  # (0.5 - 1)^2 + 0.5
    assert res.duals == pytest.approx({"F.above": 1.0, "F.below": 0.0}, abs=1e-9)
    assert np.isfinite(res.certificate.equilibrium.max_multiplier)
