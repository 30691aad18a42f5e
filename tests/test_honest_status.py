"""A method's claim of success is judged at the recomputed equilibrium (backends/evaluation.py)."""

import pytest

import stackopt as so
from stackopt.models import duopoly

from .games import infeasible_quadratic_duopoly
from .test_evaluation_deadline import double_well

#: Algorithm 1 as the paper runs it
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}


def test_an_initial_decision_that_violates_the_leader_constraints_is_infeasible():
    res = so.solve(infeasible_quadratic_duopoly(), method="initial")
    # q0 = 0: the follower's best response is q = (A - c2) / 2 = 49, and (q0 + q)^2 >= 250^2 fails
    # by 250^2 - 49^2 = 60099
    assert res.status == "infeasible" and not res.success
    assert res.violation == pytest.approx(60099.0, abs=1e-6)
    assert res.leader_objective == pytest.approx(0.0, abs=1e-9)  # still evaluated honestly
    assert "violated by 6.01e+04 > 0.001 at the recomputed equilibrium (the method claimed " in (
        res.message
    )


def test_a_gradient_run_that_takes_all_its_steps_is_judged_at_its_returned_decision():
    res = so.solve(infeasible_quadratic_duopoly(), method="gradient", max_iter=3, **PAPER)
    assert res.status == "infeasible"  # proven: q0 + q <= 200 < 250 (backends/infeasibility_proof)
    assert "(the method ended iteration_limit: " in res.message
    assert "(the method claimed feasible)" in res.message
    assert res.violation > 1e-3
    ok = so.solve(duopoly(), method="gradient", max_iter=3, **PAPER)
    assert ok.status == "feasible" and ok.violation == 0.0 and ok.message == "ran 3 steps"


def test_a_function_the_asl_cannot_evaluate_is_an_error_status_that_says_so(monkeypatch):
    """An evaluation error escaping a method (stackelberg-br on sqrt(y**2) at y = 0 ends so) is an
    error status whose message says what it means for the model, not only PyNumero's words."""
    from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

    import stackopt.backends.initial as initial

    def failing(game, **options):
        raise PyNumeroEvaluationError("Error in AMPL evaluation (eval_g)")

    monkeypatch.setattr(initial, "run", failing)
    res = so.solve(duopoly(), method="initial")
    assert res.status == "error" and res.message.startswith("PyNumeroEvaluationError")
    assert "cannot be evaluated at a point the method reached" in res.message


def test_a_start_where_a_derivative_is_undefined_is_an_error_status_not_a_dead_process():
    """sqrt(y) at the start y = 0: cyipopt's problem evaluates the Hessian at its start when it is
    built, and the ASL ended the process there (exit status 1, "can't evaluate sqrt'(0)"); the
    first derivatives are now evaluated first, and their error is the best response's."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import pyomo.environ as pyo
        import stackopt as so
        g = so.StackelbergGame()
        g.x = pyo.Var(bounds=(0, 1))
        g.F = so.Follower()
        g.F.y = pyo.Var(bounds=(-1, 1))
        g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2 + pyo.sqrt(g.F.y))
        g.cost = pyo.Objective(expr=g.x + g.F.y)
        res = so.solve(g, method="initial", certify=False)
        print(res.status, res.message)
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.startswith("error") and "PyNumeroEvaluationError" in run.stdout


def test_an_unchecked_point_of_a_nonconvex_follower_says_so():
    """At x = 0.3 the follower (y^2 - 1)^2 + 0.3 y has its best response near y = -1 and a KKT
    point near y = 1, where the leader's (x - 0.3)^2 + (y - 1)^2 is near 0: without the Nash gaps'
    check (certify=False, or a status that is no success) that number carries a warning; a convex
    follower's point (the duopoly) is its best response and carries none."""
    quiet = so.solve(double_well(), method="mpec", certify=False)
    assert quiet.leader_objective < 0.01
    assert any("F is not convex" in w and "certify=False" in w for w in quiet.warnings)
    stopped = so.solve(double_well(), method="two-timescale", max_iter=5)
    assert stopped.status == "iteration_limit"
    assert any("no certificate for status iteration_limit" in w for w in stopped.warnings)
    assert not so.solve(duopoly(), method="mpec", certify=False).warnings
