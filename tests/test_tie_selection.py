"""The optimistic convention where a follower's response ties (backends/certification/
tie_selection.py): the follower min y1 + y2 s.t. y1 + y2 >= x is indifferent along a segment, and
the leader, min (y1 - 2)^2 + y2^2 + (x - 3)^2, is judged at the response best for it,
y = ((x + 2) / 2, (x - 2) / 2), whatever response the method's oracle found (y = (x/2, x/2) by
Newton from the model's start). Optimum x = 8/3, y = (7/3, 1/3), objective 1/3 (a closed form:
(x - 2)^2 / 2 + (x - 3)^2 at the leader's favourite response)."""

import pyomo.environ as pyo
import pytest

import stackopt as so


def ties(x: float = 0.0) -> so.StackelbergGame:
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=x)
    g.F = so.Follower()
    g.F.y1 = pyo.Var(bounds=(0, 5), initialize=0.0)
    g.F.y2 = pyo.Var(bounds=(0, 5), initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y1 + g.F.y2)
    g.F.demand = pyo.Constraint(expr=g.F.y1 + g.F.y2 >= g.x)
    g.cost = pyo.Objective(expr=(g.F.y1 - 2) ** 2 + g.F.y2**2 + (g.x - 3) ** 2)
    return g


@pytest.mark.parametrize("x", [8 / 3, 4.0])
def test_a_decision_is_judged_at_the_tied_response_best_for_the_leader(x):
    """At x = 8/3 the oracle's y = (4/3, 4/3) gave 7/3 (the audit's finding), the leader's
    favourite 1/3; at x = 4, 5 against 1 + 2 = 3."""
    res = so.solve(ties(x), method="initial")
    assert res.success
    assert res.followers["F"]["y1"] == pytest.approx((x + 2) / 2, abs=1e-6)
    assert res.followers["F"]["y2"] == pytest.approx((x - 2) / 2, abs=1e-6)
    assert res.leader_objective == pytest.approx((x - 2) ** 2 / 2 + (x - 3) ** 2, abs=1e-6)
    assert res.info["equilibrium_oracle"] == "the tied response best for the leader"


@pytest.mark.parametrize("method", ["slsqp", "stackelberg-br", "mpec"])
def test_every_method_reports_the_optimistic_value(method):
    res = so.solve(ties(), method=method)
    assert res.success and res.leader["x"] == pytest.approx(8 / 3, abs=1e-3)
    assert res.leader_objective == pytest.approx(1 / 3, abs=1e-6)


def test_a_unique_response_is_left_alone():
    """A strictly convex follower (min (y - x)^2) has no tie: no selection, the oracle's point."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 5))
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=g.F.y)
    res = so.solve(g, method="initial")
    assert res.info["equilibrium_oracle"] != "the tied response best for the leader"
    assert res.followers["F"]["y"] == pytest.approx(1.0, abs=1e-8)
