"""A follower Var in neither its objective nor its constraints: the leader picks it (optimistic)."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.structure import analyze


def indifferent_game() -> so.StackelbergGame:
    """min (x-1)^2 + (y-2)^2 + (w-3)^2 with y = argmin (y - x)^2 and w in [0, 2] left to the
    follower, who does not care: y = x, so x = y = 1.5, and the leader takes w = 2; value 1.5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.w = pyo.Var(bounds=(0, 2), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=(g.x - 1) ** 2 + (g.F.y - 2) ** 2 + (g.F.w - 3) ** 2)
    return g


def test_the_indifferent_var_is_the_leaders_to_pick():
    s = analyze(indifferent_game())
    assert [v.name for v in s.leader_vars] == ["x", "F.w"]
    assert [v.name for v in s.followers[0].vars] == ["F.y"]


@pytest.mark.parametrize(
    "options", [dict(method="mpec"), dict(method="mpec", strategy="sos1"), dict(method="gradient")]
)
def test_indifferent_follower_var(options):
    g = indifferent_game()
    res = so.solve(g, **options)
    assert res.success, res.message
    assert res.leader["x"] == pytest.approx(1.5, abs=1e-3)
    assert res.leader["F.w"] == pytest.approx(2, abs=1e-3)
    assert res.followers["F"] == {"y": pytest.approx(1.5, abs=1e-3)}
    assert res.leader_objective == pytest.approx(1.5, abs=1e-5)
    assert g.F.w.value == pytest.approx(2, abs=1e-3)
