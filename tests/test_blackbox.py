"""The paper's black-box baselines: scipy with finite differences through the equilibrium."""

import time

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.models import bard1, cournot, cyber_insurance, duopoly, qre_subsidy


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_blackbox_baselines_reach_the_duopoly_optimum(method):
    res = so.solve(duopoly(), method=method)
    assert res.status == "locally_optimal"
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.leader_objective == pytest.approx(1058, abs=1e-5)
    assert res.info["nfev"] > 0 and res.history


def test_slsqp_on_cournot_with_two_followers():
    res = so.solve(cournot(n=2), method="slsqp")
    assert res.leader["q0"] == pytest.approx(45, abs=1e-3)


def test_max_iter_is_checked_and_maxiter_refused_by_its_new_name():
    with pytest.raises(so.OptionError, match="max_iter must be a positive integer"):
        so.solve(duopoly(), method="slsqp", max_iter=0)
    with pytest.raises(so.OptionError, match=r"'maxiter' is now 'max_iter' \(max_iter=...\)"):
        so.solve(duopoly(), method="trust-constr", maxiter=5)


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_start_callback_and_time_limit(method):
    states = []
    res = so.solve(
        duopoly(), method=method, start={"q0": 10.0}, callback=lambda s: states.append(s) or True
    )
    # the callback saw the first iterate, from the start asked, and stopped the run there
    assert res.status == "iteration_limit" and "callback" in res.message
    assert [s["iteration"] for s in states] == [1]
    at_start = duopoly()
    at_start.q0.set_value(10.0)
    assert res.history[0]["objective"] == pytest.approx(
        so.solve(at_start, method="initial").leader_objective, rel=1e-8
    )
    assert res.leader["q0"] == pytest.approx(states[0]["leader"][0])
    # out of time at the first new function evaluation (a finite-difference probe): the start,
    # evaluated before the clock is watched, is the last iterate, judged honestly
    timed = so.solve(duopoly(), method=method, start={"q0": 10.0}, time_limit=1e-9)
    assert timed.status == "time_limit" and "function evaluations" in timed.message
    assert timed.info["nit"] == 0 and timed.leader["q0"] == 10.0
    assert timed.leader_objective == pytest.approx(
        so.solve(at_start, method="initial").leader_objective, rel=1e-8
    )
    with pytest.raises(so.OptionError, match="option time_limit must be > 0, got -1"):
        so.solve(duopoly(), method=method, time_limit=-1)
    with pytest.raises(so.OptionError, match="start names 'x'"):
        so.solve(duopoly(), method=method, start={"x": 1.0})


def room_game() -> so.StackelbergGame:
    """The follower's 0 <= y <= x - 1 has no point at the start x = 0; it answers
    y = min(0.5, x - 1), and the leader's cost is (x - 3)^2 + y."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - 0.5) ** 2)
    g.F.room = pyo.Constraint(expr=g.F.y <= g.x - 1)
    g.cost = pyo.Objective(expr=(g.x - 3) ** 2 + g.F.y)
    return g


def test_phase_one_moves_an_infeasible_start_into_the_followers_domain():
    """Phase 1 moves the leader of room_game to x = 1, and SLSQP goes on to the optimum x = 3
    (y = 0.5, objective 0.5) inside the domain. (With bard1, whose optimum is on the domain's
    boundary, scipy 1.16's SLSQP probes x < 1 and the run ends there, as the next test's
    trust-constr.)"""
    res = so.solve(room_game(), method="slsqp")
    assert res.status == "locally_optimal" and "local infeasibility" in res.message
    assert "feasible) moved the leader by 1;" in res.message
    assert res.leader["x"] == pytest.approx(3, abs=1e-6)
    assert res.leader_objective == pytest.approx(0.5, abs=1e-6)


def test_a_trial_decision_outside_the_domain_returns_the_last_one_inside():
    # trust-constr's finite differences probe x < 1 on bard1, where the follower has no point
    res = so.solve(bard1(), method="trust-constr")
    assert res.status == "feasible" and "at a trial leader decision" in res.message
    assert "the best decision evaluated within the leader's constraints" in res.message
    assert res.leader["x"] >= 1 and res.leader_objective == pytest.approx(17, abs=1e-3)


def test_probes_outside_the_leader_bounds_are_evaluated_inside_them():
    # trust-constr's finite differences step past compensation <= L; this used to end in "error"
    game = cyber_insurance(10, risk_aversion=0.2, seed=0)
    res = so.solve(game, method="trust-constr", max_iter=20)
    assert res.status in ("locally_optimal", "iteration_limit") and res.leader_objective > 0
    compensation = res.leader["compensation"]
    assert all(0 <= compensation[i] <= game.losses[i] for i in range(10))


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_each_probe_equilibrium_is_solved_once(method, monkeypatch):
    # scipy differentiates the cost and the budget constraint separately, at the same probes
    solved, solve = [], KKTOracle.__call__

    def recorded(self, pi, z0, rng=None):
        solved.append(np.asarray(pi, float).tobytes())
        return solve(self, pi, z0, rng)

    monkeypatch.setattr(KKTOracle, "__call__", recorded)
    res = so.solve(qre_subsidy(n=2, actions=2, budget=0.5, seed=1), method=method, max_iter=3)
    assert res.status in ("locally_optimal", "iteration_limit") and res.leader_objective
    honest = 1  # the final evaluation at the returned decision solves again
    assert len(solved) - honest == len(set(solved[:-honest])) > 8


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_a_stop_well_past_the_time_limit_says_how_late(method, monkeypatch):
    # scipy's iteration runs whole (SLSQP's dense subproblem: about 10 s at n = 3000); the stop
    # after it says how far past the limit it ended (here a slow callback plays that iteration)
    from stackopt.backends import blackbox

    monkeypatch.setattr(blackbox, "LATE", 0.1)
    res = so.solve(duopoly(), method=method, time_limit=0.5, callback=lambda s: time.sleep(0.8))
    assert res.status == "time_limit" and "after 1 iteration (" in res.message
    assert "s past it: scipy's iteration runs whole)" in res.message


def test_a_leader_fixed_by_its_bounds_is_judged_at_its_one_decision():
    """x in [2, 2]: scipy's SLSQP returns without iterations and without ``nit``, which ended the
    run error (AttributeError: nit). The follower answers y = x = 2: value (2 - 3)^2 + 2 = 3."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(2, 2), initialize=2)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.o = pyo.Objective(expr=(g.F.y - 3) ** 2 + g.x)
    res = so.solve(g, method="slsqp")
    assert res.status == "locally_optimal" and res.info["nit"] == 0
    assert res.leader_objective == pytest.approx(3, abs=1e-9)
