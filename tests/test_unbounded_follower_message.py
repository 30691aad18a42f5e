"""An exact MPEC strategy's "infeasible" names the follower without a best response.

Closed forms: min -y s.t. y >= x is unbounded at every x (the direction y + 1); min (x - 2) y on
y >= 0 is unbounded at every x in [0, 1], its direction depending on x through its cost; a game
whose leader asks x + y >= 5 of x, y in [0, 1] is infeasible with bounded followers.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so

EXACT = ["sos1", "bigm"]
FIRST = {"sos1": "scip: infeasible; ", "bigm": "highs: infeasible; "}


def _game(cost, lower=None, x_start=None) -> so.StackelbergGame:
    """Leader x in [0, 1] minimizing x + F.y; follower F minimizing ``cost(g)``, y >= lower."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=x_start)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(lower, None))
    g.F.cost = pyo.Objective(expr=cost(g))
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    return g


def unbounded_everywhere() -> so.StackelbergGame:
    g = _game(lambda g: -g.F.y)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x)
    return g


@pytest.mark.parametrize("strategy", EXACT)
def test_a_follower_unbounded_at_every_decision_is_named(strategy):
    res = so.solve(unbounded_everywhere(), method="mpec", strategy=strategy)
    assert res.status == "infeasible" and not res.success
    assert res.message == (
        f"{FIRST[strategy]}the MPEC has no point because a follower has no best response: "
        "follower F's problem is unbounded at x = 0 and at every leader decision where its "
        "feasible set is not empty (its cost falls without bound along the direction (F.y: +1) "
        "of its feasible set; HiGHS)"
    )


@pytest.mark.parametrize("strategy", EXACT)
def test_a_cost_that_depends_on_the_leader_is_judged_at_the_start(strategy):
    g = _game(lambda g: (g.x - 2) * g.F.y, lower=0, x_start=0.5)
    res = so.solve(g, method="mpec", strategy=strategy)
    assert res.status == "infeasible"
    assert res.message == (
        f"{FIRST[strategy]}the MPEC has no point where a follower has no best response: "
        "follower F's problem is unbounded at x = 0.5 (its cost falls without bound along the "
        "direction (F.y: +1) of its feasible set; HiGHS)"
    )


def test_only_the_unbounded_follower_is_named():
    g = unbounded_everywhere()
    g.G = so.Follower()  # min z s.t. z >= x: its best response is z = x
    g.G.z = pyo.Var()
    g.G.cost = pyo.Objective(expr=g.G.z)
    g.G.c = pyo.Constraint(expr=g.G.z >= g.x)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "infeasible"
    assert "follower F's problem is unbounded" in res.message
    assert "follower G" not in res.message and "G.z" not in res.message


@pytest.mark.parametrize("strategy", EXACT)
def test_an_infeasible_game_with_bounded_followers_says_nothing_of_them(strategy):
    """(The runner itself: so.solve decides this game's empty linear high-point relaxation
    before any method runs.)"""
    from stackopt.backends.mpec import run

    g = _game(lambda g: g.F.y, lower=0)
    g.F.y.setub(1)
    g.c = pyo.Constraint(expr=g.x + g.F.y >= 5)
    res = run(g, strategy=strategy)
    assert res.status == "infeasible"
    assert res.message == FIRST[strategy].removesuffix("; ")


def test_a_follower_that_is_not_linear_is_said_undecided():
    # -1 - 2y - lam = 0 has no root with y, lam >= 0: no KKT point, the LP test does not apply
    g = _game(lambda g: -g.F.y - g.F.y**2, lower=0)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "infeasible"
    assert res.message.endswith("not decided for F (not affine in its own Vars)")
