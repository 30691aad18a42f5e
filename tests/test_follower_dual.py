"""stackopt.dual: a follower's shadow price in the leader's problem, on both paths."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from tests.games import floor_game


def strategic_generator(bid0: float = 50.0) -> so.StackelbergGame:
    """A generator (capacity 8, cost 10) bids ``bid`` into a market cleared at least cost against a
    rival (capacity 6, cost 30) for a demand of 10; it earns the clearing price, the multiplier of
    the balance. Bidding below 30 it runs at 8 but the rival sets the price: profit 20 * 8 = 160.
    Bidding above 30 the rival runs at 6, the generator is marginal at 4 and sets the price at its
    bid: profit (bid - 10) * 4, largest at the cap: bid = price = 100, profit 360."""
    g = so.StackelbergGame()
    g.bid = pyo.Var(bounds=(0, 100), initialize=bid0)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, 8), initialize=0.0)
    g.M.g1 = pyo.Var(bounds=(0, 6), initialize=0.0)
    g.M.cost = pyo.Objective(expr=g.bid * g.M.g0 + 30 * g.M.g1)
    g.M.balance = pyo.Constraint(expr=g.M.g0 + g.M.g1 >= 10)
    g.profit = pyo.Objective(expr=(so.dual(g.M.balance) - 10) * g.M.g0, sense=pyo.maximize)
    return g


@pytest.mark.parametrize(
    "options",
    [dict(method="mpec", strategy="sos1"), dict(method="gradient", lr=1.0)],
    ids=["sos1", "gradient"],
)
def test_strategic_generator(options):
    """The global MPEC and the gradient path (from a bid above the rival's cost) agree. (Every bid
    below 30 is a flat local optimum of value 160, where a local MPEC solve may stop.)"""
    g = strategic_generator()
    res = so.solve(g, **options)
    assert res.success, res.message
    assert res.leader["bid"] == pytest.approx(100, abs=1e-3)
    assert res.followers["M"] == {"g0": pytest.approx(4, abs=1e-4), "g1": pytest.approx(6)}
    assert res.leader_objective == pytest.approx(360, abs=1e-2)
    assert res.duals["M.balance"] == pytest.approx(100, abs=1e-3)
    assert pyo.value(so.dual(g.M.balance)) == pytest.approx(100, abs=1e-3)
    assert pyo.value(g.profit) == pytest.approx(res.leader_objective)


def test_the_price_in_a_leader_constraint():
    """A price cap of 60 in the leader's constraints: the best bid is 60, profit 200."""
    g = strategic_generator()
    g.price_cap = pyo.Constraint(expr=so.dual(g.M.balance) <= 60)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "optimal", res.message
    assert res.leader["bid"] == pytest.approx(60, abs=1e-4)
    assert res.leader_objective == pytest.approx(200, abs=1e-3)


BALANCES = {
    "supply >= demand": lambda s, d: s >= d,
    "demand <= supply": lambda s, d: d <= s,
    "supply - demand >= 0": lambda s, d: s - d >= 0,
    "supply == demand": lambda s, d: s == d,
    "demand == supply": lambda s, d: d == s,
}


@pytest.mark.parametrize("written", list(BALANCES))
def test_the_price_is_in_the_side_without_follower_vars_however_it_is_written(written):
    """The operator meets a demand d chosen by the leader from generators of cost 10 (capacity 8)
    and 30 (capacity 6): at d = 10 the marginal unit costs 30, so the price d cost*/d d is +30.
    Pyomo's normal form of the first, second and last spellings, d - supply <= 0, would give -30."""
    g = so.StackelbergGame()
    g.d = pyo.Var(bounds=(0, 12), initialize=10.0)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, 8))
    g.M.g1 = pyo.Var(bounds=(0, 6))
    g.M.cost = pyo.Objective(expr=10 * g.M.g0 + 30 * g.M.g1)
    g.M.balance = pyo.Constraint(expr=BALANCES[written](g.M.g0 + g.M.g1, g.d))
    g.revenue = pyo.Objective(expr=so.dual(g.M.balance) * g.d, sense=pyo.maximize)
    res = so.solve(g, method="initial")
    assert res.duals["M.balance"] == pytest.approx(30.0, abs=1e-6)
    assert res.leader_objective == pytest.approx(300.0, abs=1e-4)


def test_a_floor_set_by_the_leader_is_priced_as_a_floor():
    """The follower min (y - 5)^2 s.t. y >= x pays 2 (x - 5) for each unit of the floor x above 5;
    the leader, max price - (x - 5)^2 / 4, takes x = 9 and 8 - 4 = 4 (it stopped at x = 5, value
    0, under the flipped sign, sos1 claiming optimal)."""
    res = so.solve(floor_game(), method="mpec", strategy="sos1")
    assert res.status == "optimal", res.message
    assert res.leader["x"] == pytest.approx(9.0, abs=1e-6)
    assert res.leader_objective == pytest.approx(4.0, abs=1e-6)


def test_a_price_is_refused_where_it_has_no_meaning():
    g = strategic_generator()
    g.M.cost.set_value(g.M.cost.expr + so.dual(g.M.balance) * g.M.g0)
    with pytest.raises(so.ModelError, match=r"M.cost uses stackopt.dual\(M.balance\)"):
        so.solve(g)
    g = strategic_generator()
    g.limit = pyo.Constraint(expr=g.bid <= 90)
    g.profit.set_value(g.profit.expr + so.dual(g.limit))
    with pytest.raises(so.ModelError, match=r"limit is not an active constraint of a follower"):
        so.solve(g)
    g = strategic_generator()
    g.M.each = pyo.Constraint([1, 2], rule=lambda m, k: m.g0 <= 8)
    with pytest.raises(so.ModelError, match=r"M.each is indexed: use stackopt.dual\(M.each\[index"):
        so.dual(g.M.each)


def _capacity_paid_the_price() -> so.StackelbergGame:
    """A plant of capacity 3n (cost 5) paid the clearing price of a demand of 10 (the other plant
    costs 40): for n < 10/3 the price is 40 and the leader earns 80n, beyond it 5 and -25n. At
    n = 10/3 every price in [5, 40] clears the market; the optimistic one, 40, gives the
    optimum 266.67."""
    g = so.StackelbergGame()
    g.n = pyo.Var(bounds=(0, 4), initialize=0)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, 20))
    g.M.g1 = pyo.Var(bounds=(0, 20))
    g.M.cost = pyo.Objective(expr=5 * g.M.g0 + 40 * g.M.g1)
    g.M.cap = pyo.Constraint(expr=g.M.g0 <= 3 * g.n)
    g.M.bal = pyo.Constraint(expr=g.M.g0 + g.M.g1 >= 10)
    g.o = pyo.Objective(expr=(so.dual(g.M.bal) - 5) * g.M.g0 - 25 * g.n, sense=pyo.maximize)
    return g


@pytest.mark.parametrize("strategy", ["sos1", "penalty", "scholtes"])
def test_a_degenerate_price_is_judged_at_the_price_best_for_the_leader(strategy):
    """sos1 proves 266.67; the recomputed equilibrium took a least-squares price (39.15 at
    SCIP's n = 10/3 + 3e-9: 258.13, feasible against the proven bound). The local strategies
    stop there too and were rated feasible: the stationarity check read every vertex of the
    price set, among them 5, where the leader earns -83 and descends; near the point the leader
    is at 40, and is stationary."""
    res = so.solve(_capacity_paid_the_price(), method="mpec", strategy=strategy)
    assert res.status == ("optimal" if strategy == "sos1" else "locally_optimal")
    assert res.leader_objective == pytest.approx(800 / 3, abs=1e-5)
    assert res.duals["M.bal"] == pytest.approx(40, abs=1e-5)


def test_a_price_cap_is_met_at_the_vertex_of_the_price_set_it_allows():
    """The least capacity K keeping the clearing price of a demand of 10 at most 20 (plants of cost
    10, capacity K, and 50): below K = 10 the price is 50; at K = 10 any price in [10, 50]
    clears, and 10 meets the cap. The local strategies stopped at K = 10 rated feasible: the
    stationarity check read the vertex 50, where the cap fails."""
    g = so.StackelbergGame()
    g.K = pyo.Var(bounds=(0, 30), initialize=30.0)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, None))
    g.M.g1 = pyo.Var(bounds=(0, 100))
    g.M.cost = pyo.Objective(expr=10 * g.M.g0 + 50 * g.M.g1)
    g.M.kcap = pyo.Constraint(expr=g.M.g0 <= g.K)
    g.M.balance = pyo.Constraint(expr=g.M.g0 + g.M.g1 >= 10)
    g.cap = pyo.Constraint(expr=so.dual(g.M.balance) <= 20)
    g.o = pyo.Objective(expr=g.K)
    res = so.solve(g, method="mpec", strategy="penalty")
    assert res.status == "locally_optimal" and res.leader["K"] == pytest.approx(10, abs=1e-6)
    assert res.duals["M.balance"] <= 20 + 1e-6


def test_a_degenerate_price_with_a_descent_at_the_leaders_price_is_not_stationary():
    """The capacity game with the leader minimizing what it maximized: at n = 10/3 the price the
    leader takes is 5 (value -83.33), and more capacity lowers its cost further (-100 at n = 4,
    which sos1 proves). Only the vertex 40, worse for the leader, is left out of the stationarity
    check: the point stays feasible, not locally optimal."""
    held = _capacity_paid_the_price()
    held.o.sense = pyo.minimize
    held.n.setlb(10 / 3)
    held.n.setub(10 / 3)
    at = so.solve(held, method="mpec", load_solution=False)
    assert at.leader_objective == pytest.approx(-250 / 3, abs=1e-6)
    at.certificate.claim = "locally_optimal"  # as a method stopped there would claim
    free = _capacity_paid_the_price()
    free.o.sense = pyo.minimize
    again = so.certify(free, at)
    assert again.status == "feasible" and "descent direction" in again.message
    best = so.solve(free, method="mpec", strategy="sos1")
    assert best.status == "optimal" and best.leader_objective == pytest.approx(-100, abs=1e-6)
