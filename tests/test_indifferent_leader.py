"""A leader whose objective is constant: every leader decision is optimal, and a method returns the
followers' equilibrium there. The NL writer drops a zero coefficient (3 + 0 x is the constant 3),
so the leader's functions, and the high-point relaxation, have no Var of their own."""

import pyomo.environ as pyo
import pytest

import stackopt as so


def indifferent_leader() -> so.StackelbergGame:
    """The follower min (y - x)^2 on [0, 1] answers y = x; the leader's cost is 3 everywhere."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=3.0 + 0 * g.x)
    return g


@pytest.mark.parametrize(
    "options",
    [
        dict(method="mpec"),
        dict(method="mpec", strategy="scholtes"),
        dict(method="mpec", strategy="sos1"),
        dict(method="gradient"),
        dict(method="slsqp"),
        dict(method="stackelberg-br"),
    ],
)
def test_a_constant_leader_objective_returns_an_equilibrium(options):
    res = so.solve(indifferent_leader(), **options)
    assert res.success, res.message
    assert res.leader_objective == 3.0
    assert res.followers["F"]["y"] == pytest.approx(res.leader["x"], abs=1e-6)
