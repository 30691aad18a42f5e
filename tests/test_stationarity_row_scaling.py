"""The leader's stationarity does not depend on how a leader constraint is scaled.

Duopoly, a - c = 90: the follower answers q2 = (90 - q1) / 2 and the leader maximizes
q1 (90 - q1 - q2) = q1 (90 - q1) / 2 under q2 >= 40, i.e. q1 <= 10: the optimum is q1 = 10 (profit
400) with the constraint active and slope d profit / d q1 = 35 there. At q1 = 10 - delta the
constraint has slack delta / 2 and moving onto it gains 35 delta: for delta = 1e-2 that is
8.75e-4 of the objective, far above STATIONARITY_TOL, written as q2 >= 40 or q2 / 1000 >= 0.04.
"""

import pyomo.environ as pyo
import pytest

import stackopt as so


def _duopoly(scale: float) -> so.StackelbergGame:
    g = so.StackelbergGame()
    g.q1 = pyo.Var(bounds=(0, 100), initialize=0.0)
    g.F = so.Follower()
    g.F.q2 = pyo.Var(bounds=(0, 100), initialize=0.0)
    g.F.o = pyo.Objective(expr=-g.F.q2 * (90 - g.q1 - g.F.q2))
    g.o = pyo.Objective(expr=g.q1 * (90 - g.q1 - g.F.q2), sense=pyo.maximize)
    g.eqc = pyo.Constraint(expr=g.F.q2 / scale >= 40 / scale)
    return g


def _judged(scale: float, q1: float) -> so.Result:
    claimed = so.Result(
        status="locally_optimal",
        leader_objective=q1 * (90 - q1) / 2,
        leader={"q1": q1},
        followers={"F": {"q2": (90 - q1) / 2}},
    )
    return so.certify(_duopoly(scale), claimed)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_a_point_short_of_the_active_constraint_is_not_stationary_however_the_row_is_scaled(
    scale,
):
    res = _judged(scale, 10 - 1e-2)
    assert res.leader_objective == pytest.approx((10 - 1e-2) * (80 + 1e-2) / 2, rel=1e-12)
    assert res.status == "feasible"
    assert not res.certificate.stationarity.holds
    assert res.certificate.stationarity.value == pytest.approx(35e-2 / 400, rel=0.01)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_the_optimum_on_the_constraint_is_stationary_however_the_row_is_scaled(scale):
    res = _judged(scale, 10.0)
    assert res.leader_objective == pytest.approx(400.0, rel=1e-12)
    assert res.status == "locally_optimal"
    assert res.certificate.stationarity.holds
