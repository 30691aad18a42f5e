"""The exact strategies hand their global solver the followers' equilibrium at the leader's start
as an incumbent, where it is feasible for the MPEC (backends/exact_start.py)."""

from __future__ import annotations

import random
import time

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends import exact_start
from stackopt.backends.evaluation import recompute_equilibrium
from stackopt.backends.solvers import available, run_solver
from stackopt.backends.strategies import base
from stackopt.models.benchmarks import problems
from tests.games import linear_bilevel, toll_grid
from tests.test_follower_dual import strategic_generator

pytestmark = pytest.mark.skipif(not available("scip"), reason="SCIP not available")


def energy_community(
    households: int = 30, periods: int = 4, capacity: float = 2.0, seed: int = 0
) -> tuple[so.StackelbergGame, list[float], float]:
    """An energy community: the operator sets the retail price p_t of each period (it buys at
    the wholesale price w_t) and maximizes sum_t (p_t - w_t) D_t, D_t = sum_i d_it, subject to
    the peak D_t <= capacity * households. Household i shifts its need E_i = sum_t pref_it:
    min sum_t p_t d_it + a_i / 2 (d_it - pref_it)^2  s.t.  sum_t d_it = E_i, 0 <= d_it <= 3.
    Returns the game, w and the total need sum_i E_i (the profit at p = w + 1: every unit of the
    need pays 1)."""
    rng = random.Random(seed)
    periods_ = range(periods)
    wholesale = [rng.uniform(1, 3) for _ in periods_]
    pref = [[rng.uniform(0, 2) for _ in periods_] for _ in range(households)]
    weight = [rng.uniform(0.5, 2) for _ in range(households)]
    g = so.StackelbergGame()
    g.p = pyo.Var(periods_, bounds=(0, 10), initialize=lambda _, t: wholesale[t])
    g.H = so.Follower(range(households))
    for i in g.H:
        h = g.H[i]
        h.d = pyo.Var(periods_, bounds=(0, 3), initialize=0.0)
        h.need = pyo.Constraint(expr=sum(h.d[t] for t in periods_) == sum(pref[i]))
        h.cost = pyo.Objective(
            expr=sum(g.p[t] * h.d[t] + weight[i] / 2 * (h.d[t] - pref[i][t]) ** 2 for t in periods_)
        )
    # a named Expression: the MPEC reads it through a lifted Var (backends/lifted_expressions.py)
    g.demand = pyo.Expression(periods_, rule=lambda _, t: sum(g.H[i].d[t] for i in g.H))
    g.peak = pyo.Constraint(periods_, rule=lambda _, t: g.demand[t] <= capacity * households)
    g.profit = pyo.Objective(
        expr=sum((g.p[t] - wholesale[t]) * g.demand[t] for t in periods_), sense=pyo.maximize
    )
    return g, wholesale, sum(map(sum, pref))


@pytest.fixture
def handed(monkeypatch):
    """The warm_start argument of every global solver call."""
    calls: list[bool] = []

    def spy(model, solver, options=None, time_limit=None, warm_start=False):
        calls.append(warm_start)
        return run_solver(model, solver, options, time_limit, warm_start)

    monkeypatch.setattr(base, "run_solver", spy)
    return calls


def test_sos1_keeps_the_start_on_a_toll_grid(handed):
    # without the start SCIP has no point of this 3 x 3 grid after 20 s; at zero tolls the
    # revenue is 0 whatever the flow
    res = so.solve(toll_grid(3), method="mpec", strategy="sos1", time_limit=2)
    assert handed == [True]
    assert res.info["warm_start"] == {"given": True, "objective": 0.0}
    assert res.leader_objective is not None and res.leader_objective >= -1e-9
    assert res.violation <= 1e-6


def test_sos1_keeps_the_start_on_an_energy_community():
    # 30 households, 4 periods: without the start SCIP has no point after 20 s
    game, wholesale, need = energy_community()
    start = {"p": {t: w + 1 for t, w in enumerate(wholesale)}}
    res = so.solve(game, method="mpec", strategy="sos1", time_limit=3, start=start)
    warm = res.info["warm_start"]
    assert warm["given"] and warm["objective"] == pytest.approx(need, rel=1e-9)
    assert res.leader_objective is not None
    assert res.leader_objective >= need * (1 - 1e-9)
    assert res.violation <= 1e-6


def test_a_start_that_breaks_a_leader_constraint_is_not_handed_over(handed):
    game = toll_grid(3)
    tolled = list(game.t)
    game.least = pyo.Constraint(expr=sum(game.t[a] * game.F.x[a] for a in tolled) >= 1)
    res = so.solve(game, method="mpec", strategy="sos1", time_limit=1)
    assert handed == [False]  # revenue 0 at zero tolls
    warm = res.info["warm_start"]
    assert not warm["given"] and warm["objective"] == 0.0
    assert "violates least" in warm["reason"]


def test_the_peak_at_the_start_is_checked(handed):
    game, _, _ = energy_community(capacity=1.5)  # at p = w the load of a period exceeds 45
    res = so.solve(game, method="mpec", strategy="sos1", time_limit=1)
    assert handed == [False]
    assert "violates peak[" in res.info["warm_start"]["reason"]


def test_sos1_still_proves_bard1s_optimum_from_a_start():
    # at x = 2 the follower's response is y = 2.5 (inactive constraints), the leader's cost
    # (2 - 5)^2 + (2 * 2.5 + 1)^2 = 45; the optimum is 17 at (1, 0)
    res = so.solve(so.models.bard1(), method="mpec", strategy="sos1", start={"x": 2.0})
    assert res.info["warm_start"] == {"given": True, "objective": pytest.approx(45.0)}
    assert res.status == "optimal"
    assert res.leader_objective == pytest.approx(17.0, abs=1e-6)
    assert res.leader["x"] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.skipif(not available("highs"), reason="HiGHS not available")
def test_bigm_on_highs_still_proves_the_optimum_from_a_start(handed):
    # at x = 2 the follower's least y is 1 (-x - y <= -3, 3x - 2y <= 4): the leader's cost -2;
    # the optimum is -12 at (4, 4)
    res = so.solve(linear_bilevel(), method="mpec", strategy="bigm", start={"x": 2.0})
    assert handed == [True] and res.info["solver"] == "highs"
    assert res.info["warm_start"] == {"given": True, "objective": pytest.approx(-2.0)}
    assert res.status == "optimal"
    assert res.leader_objective == pytest.approx(-12.0, abs=1e-6)


def test_no_start_where_the_follower_has_no_response():
    # at x = 0 bard1's follower needs -y >= 3 with y >= 0
    res = so.solve(so.models.bard1(), method="mpec", strategy="sos1")
    assert not res.info["warm_start"]["given"]
    assert "no equilibrium" in res.info["warm_start"]["reason"]
    assert res.status == "optimal" and res.leader_objective == pytest.approx(17.0, abs=1e-6)


@pytest.mark.parametrize("x, y, refused", [(0.7, 0.7, True), (0.25, 0.5, False)])
def test_scip_checks_the_start_it_is_given(x, y, refused):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1), initialize=x)
    m.y = pyo.Var(bounds=(0, 1), initialize=y)
    m.c = pyo.Constraint(expr=m.x + m.y <= 1)
    m.o = pyo.Objective(expr=m.x + 2 * m.y, sense=pyo.maximize)
    run = run_solver(m, "scip", warm_start=True)
    assert run.status == "optimal" and pyo.value(m.o) == pytest.approx(2.0)
    assert ("refused the warm start" in run.message) == refused


def test_the_start_spends_a_tenth_of_the_time_left(monkeypatch):
    # at bard511's model start the leader's follower has no feasible response, which the kkt
    # oracle's rescues find within the tenth; SCIP solves the MPEC (optimum -12) in about 0.2 s
    asked = []

    def oracle(game, evaluator, pi, z0, tol, deadline):
        asked.append(deadline - time.perf_counter())
        return recompute_equilibrium(game, evaluator, pi, z0, tol, deadline)

    monkeypatch.setattr(exact_start, "recompute_equilibrium", oracle)
    bard511 = next(p for p in problems() if p.name == "bard511")
    res = so.solve(bard511.build(), method="mpec", strategy="sos1", time_limit=5)
    assert len(asked) == 1 and 0 < asked[0] <= 0.5
    assert res.info["warm_start"]["reason"].startswith("no equilibrium at the leader's start")
    assert res.status == "optimal" and res.leader_objective == pytest.approx(-12.0, abs=1e-6)


def test_a_price_game_gets_its_start():
    """The generator bidding 50 above the rival's cost 30 is marginal at 4 and sets the price 50:
    the start earns (50 - 10) * 4 = 160; the optimum bids 100 for 360 (its placeholders for
    so.dual had no value, and no start was given)."""
    res = so.solve(strategic_generator(), method="mpec", strategy="sos1")
    assert res.info["warm_start"]["given"], res.info["warm_start"]
    assert res.info["warm_start"]["objective"] == pytest.approx(160.0, abs=1e-6)
    assert res.status == "optimal"
    assert res.leader_objective == pytest.approx(360.0, abs=1e-6)
