"""The exact strategies grant no ``optimal`` where a price the leader uses may grow without bound
(backends/strategies/price_rays.py)."""

from __future__ import annotations

import pytest

import stackopt as so
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies import price_rays
from stackopt.models.benchmarks.pao import bard511
from tests.games import floor_game
from tests.test_follower_dual import strategic_generator


def priced_bard511() -> so.StackelbergGame:
    """Bard 5.1.1 with the price of c4 (3x - 2y <= 4) in the leader's cost x - 4y + price.

    At x = 4 the follower's y = 4 has c3 (2x + y <= 12) and c4 active, its stationarity
    1 + lam3 - 2 lam4 = 0 gives lam4 = (1 + lam3) / 2 for every lam3 >= 0, and the price of c4 is
    -lam4: the optimistic cost -12 - (1 + lam3) / 2 has no lower bound."""
    g = bard511()
    g.o.set_value(g.x - 4 * g.L.y + so.dual(g.L.c4))
    return g


def unbounded(game: so.StackelbergGame) -> list[str]:
    return price_rays.unbounded_prices(MPECProblem(game).kkt)


def test_a_price_without_bound_takes_the_global_claim_away():
    assert unbounded(priced_bard511()) == ["L.c4"]
    res = so.solve(priced_bard511(), method="mpec", strategy="sos1")
    assert res.status == "locally_optimal"
    assert "may grow without bound" in res.message
    assert res.leader_objective == pytest.approx(-7.0, abs=1e-6)
    assert not res.certificate.global_bound.proven


def test_the_optimistic_problem_is_unbounded_where_the_direction_lives():
    g = priced_bard511()
    g.x.fix(4)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert "unbounded" in res.message


def test_a_direction_whose_rows_are_never_active_together_is_no_ray(monkeypatch):
    """The generator's ray (balance, g0 <= 8 and g1 <= 6 all active) needs g0 + g1 = 10 and 14 at
    once; without SCIP to say so the price counts as unbounded."""
    assert unbounded(strategic_generator()) == []
    monkeypatch.setattr(price_rays, "available", lambda solver: False)
    assert unbounded(strategic_generator()) == ["M.balance"]


def test_unique_multipliers_keep_the_global_claim():
    assert unbounded(floor_game()) == []
    res = so.solve(floor_game(), method="mpec", strategy="sos1")
    assert res.status == "optimal", res.message
    assert res.leader["x"] == pytest.approx(9.0, abs=1e-6)


def test_a_row_that_is_not_affine_leaves_every_price_unproven():
    g = floor_game()
    g.F.floor.set_value(g.F.y**3 >= g.x)
    assert unbounded(g) == ["F.floor"]


def test_a_ray_that_only_raises_the_leader_s_cost_keeps_the_global_claim():
    """With -dual(c4) the cost is x - 4y + lam4: the ray lam4 -> inf only raises it, and the
    optimum -11.5 at (4, 4) (lam4 at its least, 1/2) is proven."""
    g = bard511()
    g.o.set_value(g.x - 4 * g.L.y - so.dual(g.L.c4))
    assert unbounded(g) == []
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "optimal", res.message
    assert res.leader_objective == pytest.approx(-11.5, abs=1e-6)
