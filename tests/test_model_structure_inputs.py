"""How a game's structure is read from Pyomo modelling features: deactivated sub-blocks, constant
constraints, ranged constraints with Var bounds, a component named ``dual``; answers checked
against closed forms."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.structure import analyze


def sub_block_game():
    """F: min (y - x)^2 + (z - 3)^2 gives y = x, z = 3; the leader's (x - 2)^2 + x + 3 is least
    at x = 1.5, value 4.75. z lives in a deactivated sub-block of F."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.sub = pyo.Block()
    g.F.sub.z = pyo.Var(bounds=(0, 10))
    g.F.sub.deactivate()
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2 + (g.F.sub.z - 3) ** 2)
    g.L = pyo.Objective(expr=(g.x - 2) ** 2 + g.F.y + g.F.sub.z)
    return g


def test_a_var_of_a_deactivated_sub_block_is_its_followers_decision():
    s = analyze(sub_block_game())
    assert [v.name for v in s.followers[0].vars] == ["F.y", "F.sub.z"]
    assert [v.name for v in s.leader_vars] == ["x"]


@pytest.mark.parametrize("kw", [dict(method="mpec", strategy="sos1"), dict(method="gradient")])
def test_a_var_of_a_deactivated_sub_block_solves_to_the_closed_form(kw):
    r = so.solve(sub_block_game(), **kw)
    assert r.status in ("optimal", "locally_optimal"), r.message
    assert r.leader_objective == pytest.approx(4.75, abs=1e-6)
    assert r.leader["x"] == pytest.approx(1.5, abs=1e-5)
    assert r.followers["F"]["sub.z"] == pytest.approx(3.0, abs=1e-6)


def test_a_var_of_a_deactivated_sub_block_has_its_bounds_checked():
    g = sub_block_game()
    g.F.sub.z.setlb(5)
    g.F.sub.z.setub(1)
    with pytest.raises(so.ModelError, match=r"Var F\.sub\.z has lower bound 5 above"):
        analyze(g)
