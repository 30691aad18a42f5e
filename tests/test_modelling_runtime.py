"""Ordinary Pyomo modelling at run time: immutable indexed Params, Vars no function uses, constraints
constant after fixing, pinned bounds. Values against closed forms."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.game_fingerprint import fingerprint


def linear_game() -> so.StackelbergGame:
    """min_x y - c[1] x, x in [0, 10], y in argmax{y : y <= x, y in [0, 10]}, c[1] = 2 an immutable
    indexed Param: y = x, so the leader minimises -x: x = 10, objective -10."""
    g = so.StackelbergGame()
    g.c = pyo.Param([1], initialize={1: 2.0})
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=-g.F.y)
    g.F.cap = pyo.Constraint(expr=g.F.y <= g.x)
    g.L = pyo.Objective(expr=g.F.y - g.c[1] * g.x)
    return g


def test_the_fingerprint_reads_immutable_indexed_params_and_follows_mutable_ones():
    g = linear_game()
    assert fingerprint(g) == fingerprint(linear_game())
    g.p = pyo.Param([1, 2], mutable=True, initialize={1: 1.0}, default=5.0)
    before = fingerprint(g)
    g.p[2] = 6.0
    assert fingerprint(g) != before


@pytest.mark.parametrize(
    "how",
    [
        dict(method="mpec", strategy="sos1"),
        dict(method="mpec", strategy="bigm"),
        dict(method="value-function", certify=False),
    ],
)
def test_a_proven_bound_on_a_game_with_an_immutable_indexed_param(how):
    g = linear_game()
    result = so.solve(g, **how)
    assert result.leader_objective == pytest.approx(-10, abs=1e-6)
    assert result.leader["x"] == pytest.approx(10, abs=1e-6)
    assert so.certify(g, result).status == "optimal"
