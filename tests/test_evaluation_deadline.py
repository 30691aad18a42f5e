"""Under a time limit the certificate keeps to its evaluation deadline: fixed by the first
evaluation of a solve, and no global best response runs past it (the claim is then time_limit,
neither certified nor refuted by a local answer)."""

from __future__ import annotations

import time

import numpy as np
import pyomo.environ as pyo

import stackopt as so
from stackopt.backends.certification import NashGap
from stackopt.certificate import (
    MIN_EVALUATION_SECONDS,
    Certificate,
    EquilibriumCheck,
    certification,
    derive_status,
    evaluation_deadline,
)
from stackopt.structure import analyze


def double_well() -> so.StackelbergGame:
    """One follower, min (y^2 - 1)^2 + x y: two wells, a local best response beside the global."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 1), initialize=0.3)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-2, 2), initialize=1.0)
    g.F.o = pyo.Objective(expr=(g.F.y**2 - 1) ** 2 + g.x * g.F.y)
    g.o = pyo.Objective(expr=(g.x - 0.3) ** 2 + (g.F.y - 1) ** 2)
    return g


def test_the_first_evaluation_fixes_the_deadline_of_a_time_limited_solve():
    with certification(True, time_limit=0.0):
        first = evaluation_deadline("locally_optimal")
        time.sleep(0.01)
        assert evaluation_deadline("iteration_limit") == first
    with certification(True):
        assert evaluation_deadline("locally_optimal") is None


def test_a_solve_that_ends_early_keeps_the_rest_of_its_limit_for_its_certificate():
    """The deadline is the later of 'as long again as the solve took' and the limit's end (plus
    the least evaluation time): a solve ending after 0.01 s of its 60 s is certified within 60 s,
    not within 1 s (SCIP's best responses of MacMPEC's gnash followers were cut, and successes
    became time_limit)."""
    started = time.perf_counter()
    with certification(True, time_limit=60.0):
        deadline = evaluation_deadline("locally_optimal")
    assert deadline is not None and deadline - started >= 60.0 + MIN_EVALUATION_SECONDS - 1e-3
    with certification(True, time_limit=0.0):
        time.sleep(0.05)
        deadline = evaluation_deadline("time_limit")
    assert deadline is not None and deadline - started < 60.0


def test_no_global_best_response_runs_past_the_deadline():
    """The follower has 1 Var: SCIP would give its exact gap; past the deadline no Ipopt answer
    takes its place, and a success claim becomes time_limit."""
    gaps = NashGap(analyze(double_well()), hard=time.perf_counter() - 1.0)
    (check,) = gaps(np.array([0.3, 1.0]))
    assert gaps.timed_out and check.gap is None
    assert "cut by the time limit's evaluation deadline" in check.message
    equilibrium = EquilibriumCheck(False, None, [check], message=check.message, timed_out=True)
    status, why = derive_status(
        "locally_optimal", Certificate(checked=True, equilibrium=equilibrium, violation=0.0)
    )
    assert status == "time_limit" and "evaluation deadline" in why
    assert NashGap(analyze(double_well()))(np.array([0.3, 1.0]))[0].exact  # SCIP, in time
