"""Equality rows implied by a follower's other rows are left out of the KKT system
(stackopt.kkt, module docstring): their multiplier is not unique and made the system's Jacobian
rank deficient."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.kkt import compile_kkt
from stackopt.structure import analyze
from tests.games import toll_grid


def kkt_of(game: so.StackelbergGame):
    return compile_kkt(analyze(game.clone()))


def allocation(second: str) -> so.StackelbergGame:
    """The leader picks u in [1, 3] and pays for the follower's y; the follower splits u into x
    and y at costs (x - 2)^2 + y^2, subject to x + y = u and a second row ``second``."""
    g = so.StackelbergGame()
    g.u = pyo.Var(bounds=(1, 3), initialize=2)
    g.F = so.Follower()
    g.F.x = pyo.Var(initialize=1)
    g.F.y = pyo.Var(initialize=1)
    g.F.split = pyo.Constraint(expr=g.F.x + g.F.y == g.u)
    rows = {
        "double": 2 * g.F.x + 2 * g.F.y == 2 * g.u,
        "other": 2 * g.F.x + 2 * g.F.y == 2 * g.u + 0 * g.F.x + 1 - 1 + g.F.x - g.F.x,
        "shifted": g.F.x - g.F.y == 0,
    }
    g.F.again = pyo.Constraint(expr=rows[second])
    g.F.cost = pyo.Objective(expr=(g.F.x - 2) ** 2 + g.F.y**2)
    g.o = pyo.Objective(expr=(g.u - 2.5) ** 2 + g.F.y)
    return g


def test_one_node_balance_of_a_network_is_left_out():
    kkt = kkt_of(toll_grid(3))
    assert len(kkt.implied) == 1 and len(kkt.equalities) == 8
    assert kkt.implied[0].constraint.startswith("F.balance[")
    assert len(kkt.nu) == 8
    assert kkt.implied[0].constraint in kkt.price_terms()


def test_a_multiple_of_a_row_is_implied_and_an_independent_row_is_not():
    assert [r.constraint for r in kkt_of(allocation("double")).implied] == ["F.again"]
    assert kkt_of(allocation("shifted")).implied == []


def test_a_row_with_another_constant_is_not_implied():
    g = allocation("double")
    g.F.again.set_value(2 * g.F.x + 2 * g.F.y == 2 * g.u + 1)  # contradicts split
    assert kkt_of(g).implied == []


def test_a_game_whose_leader_reads_prices_keeps_every_row():
    g = allocation("double")
    g.o.set_value((g.u - 2.5) ** 2 + g.F.y + 0.1 * so.dual(g.F.split))
    assert kkt_of(g).implied == []


def test_a_game_with_an_implied_row_solves_to_the_closed_form():
    """x + y = u with costs (x - 2)^2 + y^2: y = (u - 2) / 2, so the leader minimizes
    (u - 2.5)^2 + (u - 2) / 2, at u = 2.25; every stationary multiplier split is valid, and the
    reported prices of split and again are one of them: d f*/d u = 2 y = nu_split + 2 nu_again."""
    res = so.solve(allocation("double"), method="mpec")
    assert res.status == "locally_optimal"
    assert res.leader["u"] == pytest.approx(2.25, abs=1e-6)
    y = res.followers["F"]["y"]
    assert y == pytest.approx(0.125, abs=1e-6)
    assert res.duals["F.split"] + 2 * res.duals["F.again"] == pytest.approx(2 * y, abs=1e-6)


@pytest.mark.parametrize("variational", [True, False])
def test_a_shared_equality_is_no_follower_s_own_row(variational):
    """x1 + x2 = 10 is shared by two followers, and follower 1 states x1 - x2 = 2u as its own
    row and again doubled: only its own doubled row is implied; the shared row (or its copy in
    each follower's problem) stays. Variational: eliminating the shared row's one multiplier
    from the stationarity gives x1 + y - x2 = 3, so the leader's x2 = 4 is at x1 = 6, y = 1,
    u = (x1 - y) / 2 = 2.5."""
    g = so.StackelbergGame()
    g.u = pyo.Var(bounds=(0, 5), initialize=1)
    g.F1, g.F2 = so.Follower(), so.Follower()
    g.F1.x = pyo.Var(bounds=(0, 10), initialize=5)
    g.F2.x = pyo.Var(bounds=(0, 10), initialize=5)
    g.F1.y = pyo.Var(bounds=(-20, 20), initialize=0)
    g.F1.gap = pyo.Constraint(expr=g.F1.x - g.F1.y == 2 * g.u)
    g.F1.twice = pyo.Constraint(expr=2 * g.F1.x - 2 * g.F1.y == 4 * g.u)
    g.F1.cost = pyo.Objective(expr=(g.F1.x - 6) ** 2 + g.F1.y**2)
    g.F2.cost = pyo.Objective(expr=(g.F2.x - 3) ** 2)
    g.split = so.SharedConstraint(expr=g.F1.x + g.F2.x == 10, variational=variational)
    g.o = pyo.Objective(expr=(g.F2.x - 4) ** 2)
    kkt = kkt_of(g)
    assert [r.constraint for r in kkt.implied] == ["F1.twice"]
    assert any(r.constraint.startswith("split") for r in kkt.equalities)
    if variational:  # (each copy pins one follower's Var to the other's: a continuum of GNE)
        res = so.solve(g, method="mpec")
        assert res.status == "locally_optimal", res.message
        assert res.followers["F2"]["x"] == pytest.approx(4.0, abs=1e-6)
        assert res.leader["u"] == pytest.approx(2.5, abs=1e-6)


def test_a_shared_row_that_repeats_an_own_row_stays():
    """A non-variational shared row on follower 1's Var alone (x1 = u), which follower 1 also
    states as its own (2 x1 = 2 u): its copy in follower 1's problem is not follower 1's to drop
    (it was dropped, and the solve ended in an AttributeError)."""
    g = so.StackelbergGame()
    g.u = pyo.Var(bounds=(0, 5), initialize=1)
    g.F1, g.F2 = so.Follower(), so.Follower()
    g.F1.x = pyo.Var(bounds=(0, 10), initialize=5)
    g.F2.x = pyo.Var(bounds=(0, 10), initialize=5)
    g.F1.pin = pyo.Constraint(expr=2 * g.F1.x == 2 * g.u)
    g.F1.cost = pyo.Objective(expr=(g.F1.x - 6) ** 2)
    g.F2.cost = pyo.Objective(expr=(g.F2.x - 3) ** 2)
    g.lone = so.SharedConstraint(expr=g.F1.x == g.u, variational=False)
    g.o = pyo.Objective(expr=(g.F1.x - 4) ** 2)
    assert kkt_of(g).implied == []
    res = so.solve(g, method="mpec")
    assert res.status == "locally_optimal", res.message
    assert res.leader["u"] == pytest.approx(4.0, abs=1e-6)


def test_sensitivity_prices_an_implied_row_at_zero():
    """At u = 2: y = (u - 2) / 2 = 0, d y / d u = 1/2, and the leader's cost
    (u - 2.5)^2 + y has the slope 2 (u - 2.5) + 1/2 = -1/2; the implied row's price is 0."""
    g = allocation("double")
    res = so.solve(g, method="initial")
    sens = so.sensitivity(g, res)
    assert sens.objective["u"] == pytest.approx(-0.5, abs=1e-8)
    assert sens.equilibrium["F.y"]["u"] == pytest.approx(0.5, abs=1e-8)
    assert sens.prices["F.again"] == {"u": 0.0}
