"""The MPEC path: every strategy on games with closed-form answers."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.models import bard1, cournot, duopoly
from stackopt.models.benchmarks import problems

from .games import infeasible_duopoly, linear_bilevel, named_price_duopoly, root_follower

LOCAL = ["scholtes", "smoothed-fb", "penalty", "nlp"]
EXACT = [so.BigM(dual_big_M=200), so.SOS1()]
ALL = LOCAL + EXACT


@pytest.mark.parametrize("strategy", ALL, ids=str)
def test_duopoly_stackelberg(strategy):
    res = so.solve(duopoly(), method="mpec", strategy=strategy)
    assert res.status in ("optimal", "locally_optimal")
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.followers["F"]["q"] == pytest.approx(26, abs=1e-3)
    assert res.leader_objective == pytest.approx(1058, abs=1e-5)
    assert res.violation == pytest.approx(0, abs=1e-9)
    assert res.info["equilibrium_residual"] <= 1e-6


@pytest.mark.parametrize("strategy", ALL, ids=str)
def test_cournot_two_followers_at_nash(strategy):
    res = so.solve(cournot(n=2), method="mpec", strategy=strategy)
    assert res.status in ("optimal", "locally_optimal")
    assert res.leader["q0"] == pytest.approx(45, abs=1e-3)
    for name in ("F[1]", "F[2]"):
        assert res.followers[name]["q"] == pytest.approx(15, abs=1e-3)
    assert res.leader_objective == pytest.approx(675, abs=1e-5)


@pytest.mark.parametrize("strategy", ["scholtes", "smoothed-fb", "penalty", "nlp", "sos1"])
def test_bard1(strategy):
    res = so.solve(bard1(), method="mpec", strategy=strategy)
    assert res.status in ("optimal", "locally_optimal")
    assert res.leader_objective == pytest.approx(17, abs=1e-6)
    assert res.leader["x"] == pytest.approx(1, abs=1e-6)
    assert res.followers["F"]["y"] == pytest.approx(0, abs=1e-6)


def test_linear_bilevel_bigm_highs_matches_scholtes_ipopt():
    exact = so.solve(linear_bilevel(), method="mpec", strategy="bigm")  # M derived
    local = so.solve(linear_bilevel(), method="mpec", strategy="scholtes", solver="ipopt")
    assert exact.info["solver"] == "highs" and exact.status == "optimal"
    assert exact.leader_objective == pytest.approx(-12, abs=1e-9)
    assert local.leader_objective == pytest.approx(exact.leader_objective, abs=1e-6)
    assert local.leader["x"] == pytest.approx(exact.leader["x"], abs=1e-6)


def test_multistart_escapes_local_optimum():
    one = so.solve(linear_bilevel(), method="mpec", strategy="penalty", multistart=1)
    many = so.solve(linear_bilevel(), method="mpec", strategy="penalty", multistart=6, seed=1)
    assert one.leader_objective == pytest.approx(-7, abs=1e-6)  # the local optimum x = 1
    assert many.leader_objective == pytest.approx(-12, abs=1e-6)
    assert {row["start"] for row in many.history} == set(range(6))


@pytest.mark.parametrize("strategy", ["scholtes", "smoothed-fb", "nlp", "sos1"])
def test_nonlinear_constraint_and_maximizing_follower(strategy):
    res = so.solve(root_follower(), method="mpec", strategy=strategy)
    # the leader objective is flat at the optimum: 1e-7 in value is ~1e-3 in x for SCIP's tolerances
    assert res.leader["x"] == pytest.approx(4, abs=2e-3)
    assert res.followers["F"]["y"] == pytest.approx(2, abs=1e-3)
    assert res.leader_objective == pytest.approx(1, abs=1e-7)


@pytest.mark.parametrize("strategy", ["scholtes", so.SOS1()], ids=str)
def test_infeasible_game_is_an_honest_status(strategy):
    res = so.solve(infeasible_duopoly(), method="mpec", strategy=strategy)
    assert res.status == "infeasible"


def test_bigm_without_a_dual_bound_is_a_clear_error():
    """PAO's pao3: the leader's binaries multiply the follower's Var in its constraints, so no
    bound on the multipliers is derived (strategies/big_m_bounds.py)."""
    (pao3,) = [p for p in problems() if p.name == "pao3"]
    with pytest.raises(so.ModelError, match=r"multiplier of L\.c1\[upper\].*dual_big_M"):
        so.solve(pao3.build(), method="mpec", strategy="bigm")


def test_bigm_without_a_primal_bound_is_a_clear_error():
    """MacMPEC ex9.2.9: the slack of the follower's first constraint is unbounded over the KKT
    system (bard1's slacks get bounds from FBBT and the LP, strategies/big_m_bounds.py)."""
    (ex929,) = [p for p in problems() if p.name == "ex9.2.9"]
    with pytest.raises(so.ModelError, match=r"upper bound on the slack of F\.c1\[upper\]"):
        so.solve(ex929.build(), method="mpec", strategy=so.BigM(dual_big_M=100))


def test_strategy_options_build_the_named_strategy():
    res = so.solve(
        linear_bilevel(), method="mpec", strategy="bigm", strategy_options={"dual_big_M": 100}
    )
    assert res.leader_objective == pytest.approx(-12, abs=1e-9)
    with pytest.raises(so.OptionError, match="strategy_options for 'bigm'.*big_m"):
        so.solve(linear_bilevel(), method="mpec", strategy="bigm", strategy_options={"big_m": 1})


def test_solver_and_strategy_must_match():
    with pytest.raises(so.OptionError, match="needs a global solver"):
        so.solve(duopoly(), method="mpec", strategy="sos1", solver="ipopt")
    with pytest.raises(so.OptionError, match="needs a local NLP solver"):
        so.solve(duopoly(), method="mpec", strategy="scholtes", solver="scip")
    with pytest.raises(so.OptionError, match="'highs' takes linear models"):
        so.solve(duopoly(), method="mpec", strategy=so.BigM(dual_big_M=10), solver="highs")
    with pytest.raises(so.OptionError, match="unknown strategy 'magic'"):
        so.solve(duopoly(), method="mpec", strategy="magic")
    with pytest.raises(so.SolverUnavailableError, match="unknown solver 'cplex'"):
        so.solve(duopoly(), method="mpec", solver="cplex")


def test_unknown_method_and_option():
    with pytest.raises(so.OptionError, match="unknown method 'nope'"):
        so.solve(duopoly(), method="nope")
    with pytest.raises(TypeError, match="method 'mpec'.*tolerance"):
        so.solve(duopoly(), method="mpec", tolerance=1)


def test_continuation_history_and_reported_objective():
    res = so.solve(
        duopoly(),
        method="mpec",
        strategy=so.Scholtes(t0=1.0, factor=0.01, t_min=1e-8),
        multistart=1,
    )
    schedule = [1.0, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10]
    *continuation, polished = res.history
    ts = [row["t"] for row in continuation]
    # the schedule, ended at a complementary iterate solved to Ipopt's tolerance, or left early
    # for its last value once a looser solve is complementary
    assert ts[:-1] == pytest.approx(schedule[: len(ts) - 1])
    assert ts[-1] in (pytest.approx(schedule[len(ts) - 1]), pytest.approx(1e-10))
    assert all(row["iterations"] > 0 for row in continuation)
    # then the tightened NLP at the guessed sides, accepted
    assert polished["polish"] >= 1 and polished["status"] == "optimal"
    assert res.info["polish"]["accepted"] and res.info["polish"]["stationarity"] == "S"
    assert res.info["iterations"] == sum(row["iterations"] for row in res.history)
    assert res.reported_objective == pytest.approx(1058, abs=1e-3)
    assert res.wall_time > 0 and res.method == "mpec"


def test_callback_sees_every_solve_and_stops_the_continuation(caplog):
    rows = []
    full = so.solve(bard1(), method="mpec", strategy="scholtes", callback=rows.append)
    assert full.status == "locally_optimal" and rows == full.history
    with caplog.at_level("INFO", logger="stackopt.mpec"):
        cut = so.solve(
            bard1(),
            method="mpec",
            strategy="scholtes",
            callback=lambda s: s["t"] < 0.5,
            verbose=True,
        )
    # stopped after the second relaxation (t = 0.01), judged at that point
    assert [row["t"] for row in cut.history] == pytest.approx([1.0, 0.01])
    assert cut.status == "iteration_limit" and cut.message.startswith("stopped by the callback")
    assert cut.leader_objective == pytest.approx(17, abs=0.01) and "'t': 0.01" in caplog.text
    # a finished single solve keeps its status
    sos1 = so.solve(duopoly(), method="mpec", strategy="sos1", callback=lambda s: True)
    assert sos1.status == "optimal"
    with pytest.raises(so.OptionError, match="option callback must be a callable or None, got 3"):
        so.solve(bard1(), method="mpec", callback=3)


def test_the_first_start_is_the_leader_start_asked():
    game = duopoly()
    res = so.solve(game, method="mpec", strategy="nlp", start={"q0": 30.0}, repair=0)
    assert res.status == "locally_optimal" and res.leader["q0"] == pytest.approx(46, abs=1e-4)
    assert game.q0.value == pytest.approx(46, abs=1e-4)  # the solution loaded, not the start
    with pytest.raises(so.OptionError, match="start names 'F1'"):
        so.solve(duopoly(), method="mpec", start={"F1": 1.0})


def test_initial_method_evaluates_leader_start():
    res = so.solve(cournot(n=2), method="initial")
    # q0 = 0: the followers play the Cournot duopoly, q = 30 each; leader profit 0
    assert res.followers["F[1]"]["q"] == pytest.approx(30, abs=1e-8)
    assert res.leader_objective == pytest.approx(0, abs=1e-9)


def test_methods_lists_what_runs_here():
    rows = so.methods()
    combos = {(r["method"], r["strategy"], r["solver"]) for r in rows}
    assert ("mpec", "scholtes", "ipopt") in combos
    assert ("mpec", "bigm", "highs") in combos
    assert ("mpec", "sos1", "scip") in combos
    assert ("mpec", "sos1", "highs") not in combos
    assert ("mpec", "scholtes", "knitro") not in combos  # not licensed here


def test_a_complementarity_is_never_handed_to_a_solver_unreformulated():
    import pyomo.environ as pyo
    from pyomo.mpec import Complementarity, complements

    from stackopt.backends.solvers import run_solver

    m = pyo.ConcreteModel()
    m.a = pyo.Var(bounds=(0, None))
    m.b = pyo.Var(bounds=(0, None))
    m.c = Complementarity(expr=complements(m.a >= 0, m.b >= 0))
    m.o = pyo.Objective(expr=(m.a - 1) ** 2 + (m.b - 1) ** 2)
    with pytest.raises(RuntimeError, match="Complementarity c was not reformulated"):
        run_solver(m, "ipopt")


@pytest.mark.parametrize("strategy", ALL, ids=str)
def test_named_expressions_are_lifted_into_variables(strategy):
    # the price is a named Expression: in the MPEC it reads a Var with a defining constraint,
    # and every strategy still finds the duopoly's Stackelberg point
    problem = MPECProblem(named_price_duopoly())
    (y,) = problem.model.stackopt_lifted.y.values()
    assert y.value == pytest.approx(100.0)  # the price at the starting point q = 0
    used = [
        e
        for c in problem.model.component_data_objects(pyo.Constraint, active=True)
        for e in _nodes(c.expr)
        if e.is_named_expression_type()
    ]
    assert used and all(e.expr is y for e in used)
    res = so.solve(named_price_duopoly(), method="mpec", strategy=strategy)
    assert res.status in ("optimal", "locally_optimal")
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.leader_objective == pytest.approx(1058, abs=1e-5)


def _nodes(expr):
    """The expression nodes of a Pyomo expression tree (named expressions are not descended into)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if getattr(node, "is_expression_type", lambda: False)():
            yield node
            if not node.is_named_expression_type():
                stack.extend(node.args)


def test_tol_and_max_iter_are_the_local_solvers():
    cut = so.solve(bard1(), method="mpec", strategy="scholtes", max_iter=2)
    assert cut.status == "iteration_limit"
    assert {row["iterations"] for row in cut.history if "t" in row} == {2}
    assert so.solve(bard1(), method="mpec", tol=1e-6).leader_objective == pytest.approx(17, 1e-5)
    with pytest.raises(so.OptionError, match="tol is the local solver's; 'sos1'"):
        so.solve(bard1(), method="mpec", strategy="sos1", tol=1e-6)


def test_infeasible_or_unbounded_is_decided_by_a_feasibility_solve():
    """HiGHS' presolve answers "infeasible or unbounded" on bigm's MILP of a game whose leader
    objective x + y has no minimum (x free); the status was "infeasible", of a game with
    feasible points. A zero-objective solve tells the two apart."""
    import pyomo.environ as pyo

    def game(bound: float | None) -> so.StackelbergGame:
        g = so.StackelbergGame()
        g.x = pyo.Var(bounds=(bound, None), initialize=0.0)
        g.F = so.Follower()
        g.F.y = pyo.Var(bounds=(0, 1), initialize=0.0)
        g.F.o = pyo.Objective(expr=g.F.y)
        g.F.c = pyo.Constraint(expr=g.F.y >= 0.5)
        g.o = pyo.Objective(expr=g.x + g.F.y)
        return g

    res = so.solve(game(None), method="mpec", strategy="bigm", solver="highs")
    assert res.status == "error" and res.message.startswith("highs: unbounded")
    res = so.solve(game(None), method="mpec", strategy="sos1")
    assert res.status == "error" and res.message.startswith("scip: unbounded")
    res = so.solve(game(2.0), method="mpec", strategy="bigm", solver="highs")
    assert res.status == "optimal" and res.leader_objective == pytest.approx(2.5)
