"""The continuation strategies' complementarity test and their returned iterate, on MacMPEC
problems (Leyffer's AMPL models): ralph1 (a biactive optimum) and bilevel1 (Facchinei, Jiang and
Qi 1996, problem 7; optimum 0)."""

import pyomo.environ as pyo
import pytest

import stackopt as so


def ralph1() -> so.StackelbergGame:
    """min 2x - y s.t. 0 <= y _|_ y - x >= 0, x >= 0: the follower min 0.5 y^2 - x y, y >= 0.
    The optimum 0 is at the biactive (0, 0)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F.cost = pyo.Objective(expr=0.5 * g.F.y**2 - g.x * g.F.y)
    g.obj = pyo.Objective(expr=2 * g.x - g.F.y)
    return g


def bilevel1() -> so.StackelbergGame:
    """The follower min sum (y_i + 20 - x_i)^2 on -10 <= y_i <= 20, x_i - 2 y_i >= 10; the leader
    min 2 x1 + 2 x2 - 3 y1 - 3 y2 - 60 s.t. x1 + x2 + y1 - 2 y2 <= 40, 0 <= x <= 50."""
    g = so.StackelbergGame()
    g.x = pyo.Var([1, 2], bounds=(0, 50))
    g.F = so.Follower()
    y = g.F.y = pyo.Var([1, 2], bounds=(-10, 20))
    g.F.cost = pyo.Objective(expr=sum((y[i] + 20 - g.x[i]) ** 2 for i in (1, 2)))
    g.F.g = pyo.Constraint([1, 2], rule=lambda b, i: g.x[i] - 2 * y[i] >= 10)
    g.c1 = pyo.Constraint(expr=g.x[1] + g.x[2] + y[1] - 2 * y[2] <= 40)
    g.obj = pyo.Objective(expr=2 * g.x[1] + 2 * g.x[2] - 3 * y[1] - 3 * y[2] - 60)
    return g


@pytest.mark.parametrize("strategy", ["scholtes", "smoothed-fb", "penalty", "nlp"])
def test_a_biactive_optimum_is_no_error(strategy):
    """Ipopt leaves Scholtes' biactive pair at lam ~ s ~ 1e-4 (lam s ~ its tolerance 1e-8): an
    absolute min(lam, s) <= 1e-4 test called this correct answer an error."""
    res = so.solve(ralph1(), method="mpec", strategy=strategy)
    assert res.success
    assert res.leader_objective == pytest.approx(0.0, abs=5e-4)


def test_penalty_returns_its_complementary_iterate_at_the_optimum():
    res = so.solve(bilevel1(), method="mpec", strategy="penalty")
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(0.0, abs=1e-6)


def test_the_penalty_stops_at_an_infeasible_solve_and_says_infeasible():
    """The leader needs y >= 1.5 of a follower whose y lies in [0, 1]: every penalized NLP is
    infeasible whatever rho, so each start ends after its first solve, with Ipopt's verdict and
    status infeasible (not a complementarity gap after the whole schedule, nor a polishing). (The
    runner itself: so.solve decides this game's empty linear high-point relaxation first.)"""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.needs = pyo.Constraint(expr=g.F.y >= 1.5)
    g.obj = pyo.Objective(expr=g.x)
    from stackopt.backends.mpec import run

    res = run(g, strategy="penalty")
    assert res.status == "infeasible"
    assert "local infeasibility" in res.message and "rho = 10" in res.message
    starts = [row["start"] for row in res.history]
    assert len(starts) == len(set(starts)) == 4  # one solve per start, the default's four
    assert all(row["status"] == "infeasible" and "polish" not in row for row in res.history)


def test_deviation_cuts_repair_a_kkt_point_that_is_no_best_response():
    """The follower min -(y - 1)^2 on [0, 3] has the KKT point y = 0 that the leader (min x + y)
    prefers, but its best response is y = 3. The MPEC's point is cut off by
    -(y - 1)^2 <= -(3 - 1)^2 and solved again; the result is bilevel feasible and certified."""
    from tests.test_certificate import _concave_follower

    res = so.solve(_concave_follower(0.2), method="mpec", strategy="scholtes")
    assert res.info["deviation_cuts"] == [{"follower": "F", "response": {"F.y": 3.0}}]
    assert {row["repair"] for row in res.history} == {0, 1}
    assert res.status == "locally_optimal" and res.followers["F"]["y"] == pytest.approx(3.0)
    assert res.leader_objective == pytest.approx(3.0, abs=1e-6)
    res = so.solve(_concave_follower(0.2), method="mpec", strategy="scholtes", repair=0)
    assert "deviation_cuts" not in res.info and res.reported_objective == pytest.approx(0, abs=1e-6)
    with pytest.raises(so.OptionError, match="repair"):
        so.solve(_concave_follower(0.2), method="mpec", repair=-1)


def test_the_time_limit_is_wall_clock_for_the_whole_solve():
    import time

    start = time.perf_counter()
    res = so.solve(
        so.models.qre_subsidy(n=3, actions=10), method="mpec", strategy="scholtes", time_limit=2
    )
    assert time.perf_counter() - start < 15  # compile and evaluation outside the limit
    assert res.status == "time_limit"


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        ("pineda", "penalty"),
        ("getachew_ex2", "nlp"),
        ("bard511", "scholtes"),
    ],
)
def test_pao_examples_are_optimal_only_where_they_reach_the_optimum(name, strategy):
    """PAO's bard511 (-12), pineda (102, at a degenerate vertex of the follower's LP whose
    multipliers are not unique) and getachew_ex2 (-22): a local strategy that stops elsewhere may
    be feasible (its point is bilevel feasible), never locally_optimal at a point with an ascent
    direction; one that reaches the optimum earns it."""
    from stackopt.models.benchmarks import problems

    problem = {p.name: p for p in problems()}[name]
    res = so.solve(problem.build(), method="mpec", strategy=strategy)
    assert res.success and res.certificate.equilibrium.gap <= 1e-6
    assert (res.status == "locally_optimal") == problem.solved(res.leader_objective)


def test_bard511_local_minimum_at_the_followers_feasibility_edge_is_locally_optimal():
    """PAO's bard511 from x = 0: the follower has a feasible point only for x in [1, 4]
    (3 - x <= y <= 2x); on [1, 2] its response is y = 3 - x and the leader's x - 4y = 5x - 12
    grows, so x = 1 (value -7) is a local minimum and the global one is x = 4 (-12). A strategy
    stops at either, and is locally_optimal at both (after polishing: exact complementarity)."""
    from stackopt.models.benchmarks import problems

    problem = {p.name: p for p in problems()}["bard511"]
    res = so.solve(problem.build(), method="mpec", strategy="penalty")
    assert res.status == "locally_optimal"
    assert res.leader["x"] == pytest.approx(1, abs=1e-6) or res.leader["x"] == pytest.approx(4)
    assert res.leader_objective == pytest.approx(
        5 * res.leader["x"] - 12 if res.leader["x"] < 2 else 8 - 5 * res.leader["x"], abs=1e-6
    )


def test_a_followers_variable_bound_gets_no_second_row():
    """s_j >= 0 is a row only where no Var bound states it: y's bounds (0 <= y <= 1) are y's own,
    y >= x - 1 needs its row."""
    from stackopt.backends.mpec_problem import MPECProblem

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 3), initialize=2)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x - 1)
    g.o = pyo.Objective(expr=g.x + g.F.y)
    problem = MPECProblem(g)
    rows = [p.name for p, bound in zip(problem.pairs, problem.slack_bounds()) if bound is None]
    assert sorted(p.name for p in problem.pairs) == ["F.c[upper]", "F.y[lb]", "F.y[ub]"]
    assert rows == ["F.c[upper]"]
