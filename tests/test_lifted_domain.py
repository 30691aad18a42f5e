"""A named Expression that cannot be evaluated at a start (a division by zero) is no crash: its
lifted Var keeps its value there (stackopt.pyomo_value.value_or_none)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so


def ratio_game(x0: float) -> so.StackelbergGame:
    """The follower's y = (x + 1) / 2 minimizes y^2 / (x + 1) - y; the leader's cost
    (x + 3)^2 + (x + 1) / 4 has its infimum 4 at x -> -1, where the ratio is 0 / 0."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 5), initialize=x0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 3), initialize=0.5)
    g.ratio = pyo.Expression(expr=g.F.y**2 / (g.x + 1))
    g.F.o = pyo.Objective(expr=g.ratio - g.F.y)
    g.o = pyo.Objective(expr=(g.x + 3) ** 2 + g.ratio)
    return g


@pytest.mark.parametrize(("method", "x0"), [("gradient", 1.0), ("slsqp", 1.0), ("mpec", -1.0)])
def test_a_start_where_a_named_expression_divides_by_zero(method, x0):
    res = so.solve(ratio_game(x0), method=method)
    assert res.leader_objective is not None, res.message
    assert res.leader_objective == pytest.approx(
        (res.leader["x"] + 3) ** 2 + (res.leader["x"] + 1) / 4, abs=1e-6
    )
    if method == "mpec":
        assert res.status == "locally_optimal"
        assert res.leader_objective == pytest.approx(4.0, abs=1e-5)
