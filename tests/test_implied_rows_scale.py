"""Whether an equality row is implied by a follower's other rows does not depend on the size of
the constants: rows that contradict each other by 1 at constants of 1e11 are both kept, and the
follower then has no feasible point (HiGHS proves the high-point relaxation infeasible)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.kkt import CONSTANT_TOL, compile_kkt
from stackopt.structure import analyze

BIG = 1e11


def split(rhs: float, again: float, factor: float = 1.0) -> so.StackelbergGame:
    """The follower splits ``rhs`` + u (u in [0, 1], the leader's) into y1 + y2 at cost y1, and
    states factor (y1 + y2) = factor (``again`` + u) as well."""
    g = so.StackelbergGame()
    g.u = pyo.Var(bounds=(0, 1), initialize=0)
    g.F = so.Follower()
    g.F.y1 = pyo.Var(bounds=(0, 2 * abs(rhs) + 2))
    g.F.y2 = pyo.Var(bounds=(0, 2 * abs(rhs) + 2))
    g.F.split = pyo.Constraint(expr=g.F.y1 + g.F.y2 == rhs + g.u)
    g.F.again = pyo.Constraint(expr=factor * (g.F.y1 + g.F.y2) == factor * (again + g.u))
    g.F.cost = pyo.Objective(expr=g.F.y1)
    g.o = pyo.Objective(expr=g.u + g.F.y2 / max(1.0, abs(rhs)))
    return g


def implied(game: so.StackelbergGame) -> list[str]:
    return [r.constraint for r in compile_kkt(analyze(game.clone())).implied]


def test_a_contradiction_of_one_at_constants_of_1e11_is_kept():
    assert implied(split(BIG, BIG + 1)) == []
    assert implied(split(BIG, BIG + 1, factor=2.0)) == []


@pytest.mark.parametrize("method", ["mpec", "initial"])
def test_the_contradicting_game_is_infeasible(method):
    res = so.solve(split(BIG, BIG + 1), method=method, load_solution=False)
    assert res.status == "infeasible" and not res.success
    assert res.message.startswith(
        "the followers' constraints have no point at any leader decision within the leader's "
        "bounds: HiGHS proves them infeasible"
    )


@pytest.mark.parametrize("factor", [1.0, 2.0, 1e-6])
def test_a_consistent_multiple_at_constants_of_1e11_is_implied(factor):
    assert implied(split(BIG, BIG, factor)) == ["F.again"]


def test_the_absolute_floor_scales_with_the_row():
    """Below the floor CONSTANT_TOL (1 + |a|) a disagreement counts as none; a row scaled by
    1e-6 that disagrees by 1e-7 (1.1 against 1 in the first row's units) is a contradiction."""
    assert implied(split(1.0, 1.0 + CONSTANT_TOL / 10)) == ["F.again"]
    assert implied(split(1.0, 1.1, factor=1e-6)) == []
