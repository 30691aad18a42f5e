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
