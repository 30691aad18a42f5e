"""bigm's "infeasible" under a big-M the user gave: a proof only where the derived M show it."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so


def floor_game(floor: float) -> so.StackelbergGame:
    """min x over integer x in [0, 6], s.t. y >= floor, y solves min y s.t. y >= x - 1, y in [0, 10].

    y = max(0, x - 1): floor 2.5 needs x >= 4 (optimum x = 4, y = 3, value 4); floor 5.5 has no
    feasible x (y <= 5), although the high-point relaxation (y up to 10) has points; floor 11 empties
    the high-point relaxation too. At x = 4 the multiplier of y >= x - 1 is 1."""
    g = so.StackelbergGame()
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, 6), initialize=0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=g.F.y)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x - 1)
    g.lc = pyo.Constraint(expr=g.F.y >= floor)
    g.o = pyo.Objective(expr=g.x)
    return g


def tie_game() -> so.StackelbergGame:
    """min x - 2 y2 over integer x in [0, 4]; y solves min y1 + y2 s.t. y1 + y2 >= x, y in [0, 5]^2.

    The follower is indifferent between its y summing to x: optimistic y2 = x, value -x, so x = 4,
    value -4 (enumeration of x). At x = 4 the slack of y2 <= 5 is 1 and that of y1 + y2 >= x is 0."""
    g = so.StackelbergGame()
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, 4), initialize=1)
    g.F = so.Follower()
    g.F.y = pyo.Var([1, 2], bounds=(0, 5))
    g.F.o = pyo.Objective(expr=g.F.y[1] + g.F.y[2])
    g.F.c = pyo.Constraint(expr=g.F.y[1] + g.F.y[2] >= g.x)
    g.o = pyo.Objective(expr=g.x - 2 * g.F.y[2])
    return g


@pytest.mark.parametrize(
    "make, options, truth",
    [
        (lambda: floor_game(2.5), {"dual_big_M": 0.5}, 4.0),
        (lambda: floor_game(2.5), {"primal_big_M": 0.5}, 4.0),
        (tie_game, {"primal_big_M": 1.5}, -4.0),
    ],
)
def test_a_given_m_that_cuts_off_every_solution_is_no_proof_of_infeasibility(make, options, truth):
    res = so.solve(make(), method="mpec", strategy=so.BigM(**options))
    assert res.status == "error"
    assert "given M too small may cut off every solution" in res.message
    assert "strategy='sos1'" in res.message
    exact = so.solve(make(), method="mpec", strategy="sos1")  # the game has a solution
    assert exact.status == "optimal" and exact.leader_objective == pytest.approx(truth)


def test_a_given_m_at_least_the_derived_one_keeps_the_proof():
    """floor 5.5: no feasible point, which the MILP with M = 100 (above every derived bound) proves."""
    res = so.solve(
        floor_game(5.5), method="mpec", strategy=so.BigM(dual_big_M=100, primal_big_M=100)
    )
    assert res.status == "infeasible"
    assert "every given big-M is at least the bound derived" in res.message


def test_a_small_given_m_on_an_infeasible_game_says_what_it_can():
    """floor 5.5 with M = 0.5 below the derived bounds: not proven (the high-point relaxation has
    points). Binary u1 + u2 = 1, u1 = u2 added to floor 2.5: the high-point relaxation has no
    integral point (FBBT and the LP relaxation see none of it), a proof whatever M."""
    res = so.solve(floor_game(5.5), method="mpec", strategy=so.BigM(dual_big_M=0.5))
    assert res.status == "error" and "given 0.5, derived 1" in res.message
    g = floor_game(2.5)
    g.u = pyo.Var([1, 2], within=pyo.Binary)
    g.one = pyo.Constraint(expr=g.u[1] + g.u[2] == 1)
    g.same = pyo.Constraint(expr=g.u[1] == g.u[2])
    res = so.solve(g, method="mpec", strategy=so.BigM(dual_big_M=0.5))
    assert res.status == "infeasible"
    assert res.message.startswith("the leader's and followers' constraints have no common point")
