"""slsqp and trust-constr return the best decision they evaluated within the leader's constraints.

The game: the duopoly (A = 100, c = (5, 2)) whose leader must leave the follower a quantity of at
least 30, written sqrt(q1) >= sqrt(30) so that scipy's linearization overshoots it. The follower
answers q1 = (98 - q0) / 2, so the leader earns f(q0) = (46 - q0 / 2) q0 and the constraint is
violated by v(q0) = max(0, sqrt(30) - sqrt((98 - q0) / 2)): the optimum is q0 = 38, f = 1026.
"""

import logging
import math
from types import SimpleNamespace

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends import blackbox
from stackopt.backends.progress_log import counted
from stackopt.models import duopoly
from tests.test_blackbox import room_game

FEASIBILITY_TOL = 1e-3  # the honest evaluation's


def share_game() -> so.StackelbergGame:
    g = duopoly()
    g.share = pyo.Constraint(expr=pyo.sqrt(g.F.q) >= math.sqrt(30))
    return g


def profit(q0: float) -> float:
    return (46 - q0 / 2) * q0


def violation(q0: float) -> float:
    return max(0.0, math.sqrt(30) - math.sqrt((98 - q0) / 2))


@pytest.fixture
def evaluated(monkeypatch):
    """The leader decisions the black box evaluates, in order; ``interrupt_at[0]`` = k makes
    the k-th evaluation raise KeyboardInterrupt (Ctrl-C during its equilibrium solve)."""
    seen: list[float] = []
    interrupt_at = [0]
    evaluate = blackbox._KKTGame.evaluate

    def recorded(self, pi):
        if len(seen) + 1 == interrupt_at[0]:
            raise KeyboardInterrupt
        out = evaluate(self, pi)
        seen.append(float(np.asarray(pi)[0]))
        return out

    monkeypatch.setattr(blackbox._KKTGame, "evaluate", recorded)
    return seen, interrupt_at


def best_feasible(decisions: list[float]) -> float:
    """The decision of greatest profit among those within the constraint (closed form)."""
    return max((q0 for q0 in decisions if violation(q0) <= FEASIBILITY_TOL), key=profit)


@pytest.mark.parametrize(("method", "max_iter"), [("slsqp", 1), ("trust-constr", 4)])
def test_an_iteration_limit_returns_the_best_feasible_decision_evaluated(
    method, max_iter, evaluated
):
    seen, _ = evaluated
    iterates = []
    res = so.solve(
        share_game(),
        method=method,
        start={"q0": 0.0},
        max_iter=max_iter,
        callback=lambda s: iterates.append(float(s["leader"][0])) and False,
    )
    # scipy's last iterate overshoots the constraint (so it is not what is returned)
    assert violation(iterates[-1]) > 0.1
    q0 = best_feasible(seen)
    assert res.status == "iteration_limit"
    assert res.leader["q0"] == q0 and res.violation <= FEASIBILITY_TOL
    assert res.leader_objective == pytest.approx(profit(q0), abs=1e-7)
    assert res.reported_objective == pytest.approx(profit(q0), abs=1e-7)
    assert "the best decision evaluated within the leader's constraints" in res.message


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_a_time_limit_returns_the_best_feasible_decision_evaluated(method, evaluated, monkeypatch):
    """Time runs out at scipy's first iterate over the constraint (a clock that jumps past the
    limit there)."""
    seen, _ = evaluated
    clock = {"now": 0.0}  # the black box's clock only
    monkeypatch.setattr(blackbox, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    iterates = []

    def overshoot(state):
        iterates.append(float(state["leader"][0]))
        if violation(iterates[-1]) > 0.01:
            clock["now"] = 100.0  # the limit, 10 s, has passed
        return False

    res = so.solve(
        share_game(), method=method, start={"q0": 0.0}, time_limit=10, callback=overshoot
    )
    assert violation(iterates[-1]) > 0.01
    assert res.status == "time_limit"
    assert f"time limit after {counted(len(iterates), 'iteration')}" in res.message
    q0 = best_feasible(seen)
    assert res.leader["q0"] == q0 and res.violation <= FEASIBILITY_TOL
    assert res.leader_objective == pytest.approx(profit(q0), abs=1e-7)


@pytest.mark.parametrize(("method", "k"), [("slsqp", 5), ("trust-constr", 9)])
def test_ctrl_c_returns_the_best_feasible_decision_and_logs_its_objective(
    method, k, evaluated, caplog
):
    seen, interrupt_at = evaluated
    interrupt_at[0] = k
    with caplog.at_level(logging.INFO, logger=f"stackopt.{method}"):
        res = so.solve(share_game(), method=method, start={"q0": 0.0})
    assert len(seen) == k - 1 and violation(seen[-1]) > 0.1  # the last one evaluated overshot
    q0 = best_feasible(seen)
    assert res.status == "interrupted"
    assert res.leader["q0"] == q0 and res.violation <= FEASIBILITY_TOL
    assert res.leader_objective == pytest.approx(profit(q0), abs=1e-7)
    end = [r.getMessage() for r in caplog.records if ": interrupted, objective " in r.getMessage()]
    assert len(end) == 1 and f"objective {profit(q0):.8g}," in end[0]


def test_a_success_ending_off_a_better_evaluated_decision_returns_that_one():
    """The leader's q0 <= 30 binds (f increases up to 46): the optimum is q0 = 30, f = 930.
    trust-constr, started there, ends its barrier iterations inside, about 2.5e-4 below; the
    start, evaluated and feasible, is better."""
    g = duopoly()
    g.q0.setub(30)
    res = so.solve(g, method="trust-constr", start={"q0": 30.0})
    assert res.status == "locally_optimal"
    assert res.leader["q0"] == 30.0 and res.leader_objective == pytest.approx(930, abs=1e-9)
    assert "(the start) is better than scipy's point and is returned" in res.message


def test_a_start_moved_by_phase_one_is_evaluated_before_the_clock_runs(caplog):
    """Phase 1 moves the leader of room_game from x = 0 to x = 1, where y = 0 and the leader's
    cost (x - 3)^2 + y is 4. Out of time at scipy's first finite-difference probe, that decision
    is returned and its objective logged."""
    with caplog.at_level(logging.INFO, logger="stackopt.slsqp"):
        res = so.solve(room_game(), method="slsqp", time_limit=1e-9)
    assert res.status == "time_limit" and "phase 1" in res.message
    assert res.leader["x"] == pytest.approx(1, abs=1e-6)  # phase 1's tolerance
    assert res.leader_objective == pytest.approx(4, abs=1e-6)
    assert res.reported_objective == pytest.approx(res.leader_objective, abs=1e-9)
    end = [r.getMessage() for r in caplog.records if ": time_limit, objective " in r.getMessage()]
    assert len(end) == 1 and f"objective {res.reported_objective:.8g}," in end[0]


def test_a_probe_one_rounding_error_cheaper_does_not_replace_a_success():
    """On the continuum game SLSQP ends at 0.9000000000000001 and a finite-difference probe at
    0.9: a difference below SWAP_MARGIN keeps scipy's point, without a message about it."""
    res = so.solve(so.models.continuum_equilibria(), method="slsqp")
    assert res.leader_objective == pytest.approx(0.9, abs=1e-12)
    assert "better than scipy's point" not in res.message
