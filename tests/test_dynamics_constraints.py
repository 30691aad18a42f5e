"""Learning dynamics on games whose followers have constraints and active bounds (issue 21).

Toll game: the leader sets tolls t_l in [0, 10] on 3 parallel links and earns sum_l t_l flow_l;
3 followers each route demand 4 (sum_l x_il = 4, x >= 0) at cost sum_l x_il (a_l + b_l flow_l +
t_l). Raising every toll by the same amount changes no route, so revenue grows by 12 per unit
until every toll is at 10: the optimum is 120 at t = (10, 10, 10), whatever a and b.

Electricity game: a tax t in [0, 30] on a fossil producer g (cost 10) against wind w in [0, 3]
(the capacity bound is active), price 50 - g - w; the leader maximizes g + 3 w. With w pinned at 3,
g = (37 - t) / 2 and the objective 27.5 - t / 2 decreases: the optimum is t = 0. A total derivative
that ignores the wind bound (dw/dt = 1/3, dg/dt = -2/3) reads +1/3 and drives t to 30.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.errors import ModelError
from stackopt.models import duopoly
from tests.test_follower_dual import strategic_generator

A, B, DEMAND = (1.0, 2.0, 3.0), (1.0, 0.5, 2.0), 4.0


def toll_game() -> so.StackelbergGame:
    g = so.StackelbergGame()
    links = range(3)
    g.t = pyo.Var(links, bounds=(0, 10), initialize=0.0)
    g.F = so.Follower(range(3))
    for f in g.F.values():
        f.x = pyo.Var(links, bounds=(0, None), initialize=0.0)
        f.demand = pyo.Constraint(expr=sum(f.x[l] for l in links) == DEMAND)
    flow = {l: sum(g.F[i].x[l] for i in range(3)) for l in links}
    for f in g.F.values():
        f.cost = pyo.Objective(expr=sum(f.x[l] * (A[l] + B[l] * flow[l] + g.t[l]) for l in links))
    g.revenue = pyo.Objective(expr=sum(g.t[l] * flow[l] for l in links), sense=pyo.maximize)
    return g


def electricity_game() -> so.StackelbergGame:
    g = so.StackelbergGame()
    g.tax = pyo.Var(bounds=(0, 30), initialize=15.0)
    g.fossil = so.Follower()
    g.fossil.g = pyo.Var(bounds=(0, None), initialize=10.0)
    g.wind = so.Follower()
    g.wind.w = pyo.Var(bounds=(0, 3), initialize=1.0)
    price = 50 - g.fossil.g - g.wind.w
    g.fossil.profit = pyo.Objective(expr=(price - 10 - g.tax) * g.fossil.g, sense=pyo.maximize)
    g.wind.profit = pyo.Objective(expr=price * g.wind.w, sense=pyo.maximize)
    g.output = pyo.Objective(expr=g.fossil.g + 3 * g.wind.w, sense=pyo.maximize)
    return g


def flows(r: so.Result) -> list[list[float]]:
    return [[r.followers[f"F[{i}]"]["x"][l] for l in range(3)] for i in range(3)]


def test_stackelberg_br_raises_every_toll_to_the_optimum():
    r = so.solve(toll_game(), "stackelberg-br", step=0.5, max_iter=500)
    assert r.status == "locally_optimal"
    assert list(r.leader["t"].values()) == pytest.approx([10, 10, 10], abs=1e-6)
    assert r.leader_objective == pytest.approx(120, abs=1e-5)
    assert [sum(x) for x in flows(r)] == pytest.approx([DEMAND] * 3, abs=1e-8)


@pytest.mark.parametrize("method", ["simgd", "lola", "two-timescale"])
def test_gradient_play_keeps_the_followers_demand_and_does_not_stop_at_the_start(method):
    options = {"two-timescale": {"leader_step": 0.5, "follower_step": 0.3}}.get(
        method, {"step": 0.1}
    )
    r = so.solve(toll_game(), method, max_iter=3000, **options)
    assert r.info["iterations"] > 10
    x = r.info["point"]
    assert [sum(x[f"F[{i}].x[{l}]"] for l in range(3)) for i in range(3)] == pytest.approx(
        [DEMAND] * 3, abs=1e-9
    )
    assert min(x.values()) >= 0
    # each drives the tolls to their bound (simgd and LOLA hold the flows fixed in their own step)
    assert r.leader_objective == pytest.approx(120, abs=1e-4)
    assert r.status == ("locally_optimal" if method == "two-timescale" else "feasible")


def test_an_active_follower_bound_is_held_in_the_total_derivative():
    br = so.solve(electricity_game(), "stackelberg-br", step=5.0, max_iter=200)
    assert (br.status, br.leader["tax"]) == ("locally_optimal", pytest.approx(0, abs=1e-9))
    assert br.leader_objective == pytest.approx(27.5, abs=1e-6)
    assert br.followers["wind"]["w"] == pytest.approx(3, abs=1e-8)
    tt = so.solve(
        electricity_game(), "two-timescale", leader_step=5.0, follower_step=0.4, max_iter=3000
    )
    assert tt.leader["tax"] == pytest.approx(0, abs=1e-9)
    assert tt.status == "locally_optimal"


def test_duopoly_gradient_play_and_lola_are_not_called_locally_optimal():
    """simgd's Nash point 940.4 and LOLA's (alpha = 0.1) 971.6 are below the Stackelberg 1058."""
    start = {"q0": 10.0, "F.q": 10.0}
    nash = so.solve(duopoly(), "simgd", step=0.3, start=start)
    lola = so.solve(duopoly(), "lola", step=0.3, lookahead=0.1, start=start)
    assert nash.leader_objective == pytest.approx(940.44, abs=1e-2)
    assert lola.leader_objective == pytest.approx(971.6, abs=0.1)
    assert (nash.status, lola.status) == ("feasible", "feasible")


def test_constraints_that_cannot_be_projected_are_refused_by_name():
    g = duopoly()
    g.F.cap = pyo.Constraint(expr=g.F.q**2 <= 625)  # q <= 25: then q0 = 35, profit (70 - q0) q0
    with pytest.raises(ModelError, match="F.cap.*use method='stackelberg-br', method='gradient'"):
        so.solve(g, "two-timescale")
    r = so.solve(g, "stackelberg-br", step=0.5, start={"q0": 10.0})  # through F's own problem
    assert (r.leader["q0"], r.followers["F"]["q"]) == pytest.approx((35, 25), abs=1e-5)
    assert (r.status, r.leader_objective) == ("locally_optimal", pytest.approx(1225, abs=1e-6))
    g = duopoly()
    g.share = pyo.Constraint(expr=g.q0 >= g.F.q)
    with pytest.raises(ModelError, match="share") as refused:  # the leader's: br projects it too
        so.solve(g, "stackelberg-br")
    assert str(refused.value).endswith("use method='gradient' or method='mpec'")


@pytest.mark.parametrize("method", ["simgd", "lola", "two-timescale", "stackelberg-br"])
def test_a_leader_reading_prices_is_refused_by_the_dynamics(method):
    """The dynamics move the followers without multipliers: the strategic generator's price
    read 0 (simgd and lola descended to the lowest bid on the leader's other terms alone)."""
    with pytest.raises(ModelError, match=r"cannot take stackopt.dual\(M.balance\)"):
        so.solve(strategic_generator(), method=method)
