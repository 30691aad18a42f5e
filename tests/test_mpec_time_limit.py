"""The MPEC path's wall-clock time limit and its robustness to non-finite evaluations."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.mpec import GLOBAL_TIME_LIMIT
from stackopt.models import qre_subsidy
from tests.games import division_at_the_start
from tests.test_mpec import bard1


def test_time_limit_is_wall_clock_on_the_qre_game():
    """The QRE subsidy game 3 x 10 takes far longer than 2 s under Scholtes; with time_limit=2 the
    run (set-up, solves, honest evaluation) ends soon after (about 2.5 s here), status time_limit."""
    started = time.perf_counter()
    res = so.solve(
        qre_subsidy(3, 10, budget=1.0), method="mpec", strategy="scholtes", time_limit=2.0
    )
    elapsed = time.perf_counter() - started
    assert res.status == "time_limit", (res.message, res.info, res.history)
    assert (
        elapsed < 5.0
    )  # the honest evaluation comes on top (2.5 s alone, up to 4.5 s in a loaded suite)
    assert res.info["time_limit"] == 2.0
    assert res.leader  # the last iterate, judged at its recomputed equilibrium


def test_global_strategies_have_a_finite_default_time_limit():
    res = so.solve(bard1(), method="mpec", strategy="sos1")
    assert res.info["time_limit"] == GLOBAL_TIME_LIMIT < float("inf")
    assert res.status == "optimal"
    local = so.solve(bard1(), method="mpec", strategy="scholtes")
    assert local.info["time_limit"] is None


def test_time_limit_must_be_positive():
    with pytest.raises(so.OptionError, match="time_limit"):
        so.solve(bard1(), method="mpec", time_limit=0)


def test_a_division_by_zero_inside_the_bounds_is_a_status_not_a_crash():
    """BOLIB's NetworkDesignP1 pattern, y^2 / (x + 1) with x >= -1, started at x = -1: every local
    strategy ends in a Result with a solver's status (the NaN of the first evaluation is Ipopt's
    to handle)."""
    script = textwrap.dedent(
        """
        import stackopt as so
        from tests.games import division_at_the_start
        for strategy in ("nlp", "scholtes", "penalty", "smoothed-fb"):
            res = so.solve(division_at_the_start(), method="mpec", strategy=strategy)
            print(strategy, res.status, "traceback" in res.info, flush=True)
        """
    )
    root = Path(__file__).resolve().parents[1]  # where ``tests.games`` imports from
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=root
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line.split() for line in done.stdout.splitlines()]
    assert len(lines) == 4, done.stdout
    # a solver's status, not a Python exception caught by solve (the leader's objective at the
    # start, y^2 / 0, raised ZeroDivisionError)
    assert all(line[2] == "False" for line in lines), done.stdout


def test_a_scip_solve_that_writes_more_than_a_pipe_holds_ends_at_its_time_limit():
    """MacMPEC gnash10 under sos1: SoPlex writes "Cannot set feasibility tolerance ... without GMP"
    thousands of times (more than the 64 KB of the pipe that Pyomo drains); with pyscipopt's
    optimize holding the GIL the process hung in write(). It must end at its time limit."""
    script = textwrap.dedent(
        """
        import stackopt as so
        from stackopt.models.benchmarks import problems
        (gnash10,) = [p for p in problems() if p.name == "gnash10"]
        res = so.solve(gnash10.factory(), method="mpec", strategy="sos1", time_limit=8)
        print(res.status, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0 and done.stdout.split() == ["time_limit"], done.stderr[-2000:]


def calamai_vicente_1994c() -> so.StackelbergGame:
    """BOLIB's CalamaiVicente1994c (Calamai and Vicente 1994, a generated quadratic bilevel
    program; 4 leader and 2 follower Vars, 6 follower constraints, best known value 0.3125):
    min (x'Ax + y'By)/2 + a'x + 2;  y solves  min x'Cy + y'By/2  s.t.  Dx + Ey + d <= 0."""
    A = [
        [197.2, 32.4, -129.6, -43.2],
        [32.4, 110.8, -43.2, -14.4],
        [-129.6, -43.2, 302.8, -32.4],
        [-43.2, -14.4, -32.4, 389.2],
    ]
    a = [-8.56, -9.52, -9.92, -16.64]
    C = [[-132.4, -10.8], [-10.8, -103.6], [43.2, 14.4], [14.4, 4.8]]
    D1 = [13.24, 1.08, -4.32, -1.44]
    D2 = [1.08, 10.36, -1.44, -0.48]
    D = [D1, D2, D1, D2, [-v for v in D1], [-v for v in D2]]
    E = [[-10, 0], [0, -10], [10, 0], [0, 10], [-10, 0], [0, -10]]
    d = [-1, -1, -1.5, -3, 1, 1]
    g = so.StackelbergGame()
    g.x = pyo.Var(range(4), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(2), initialize=1.0)
    x, y = g.x, g.F.y
    yBy = 100 * (y[0] ** 2 + y[1] ** 2)
    g.F.o = pyo.Objective(
        expr=sum(x[i] * C[i][j] * y[j] for i in range(4) for j in range(2)) + yBy / 2
    )
    g.F.g = pyo.Constraint(
        range(6),
        rule=lambda _, k: (
            sum(D[k][i] * x[i] for i in range(4)) + sum(E[k][j] * y[j] for j in range(2)) + d[k]
            <= 0
        ),
    )
    xAx = sum(A[i][k] * x[i] * x[k] for i in range(4) for k in range(4))
    g.o = pyo.Objective(expr=(xAx + yBy) / 2 + sum(a[i] * x[i] for i in range(4)) + 2)
    return g


@pytest.mark.parametrize("strategy", ["sos1", so.BigM(1e3, 1e3)], ids=str)
def test_exact_time_limit_is_wall_clock_on_a_problem_scip_cannot_close(strategy):
    """SCIP does not close CalamaiVicente1994c's SOS1 or big-M MINLP in 2 s (nor in 10); the time
    left is its ``limits/time`` (wall clock), and the run ends soon after with status time_limit
    (and SCIP's best point, when it has one)."""
    started = time.perf_counter()
    res = so.solve(calamai_vicente_1994c(), method="mpec", strategy=strategy, time_limit=2.0)
    elapsed = time.perf_counter() - started
    assert res.status == "time_limit", (res.status, res.message)
    assert res.info["time_limit"] == 2.0
    assert elapsed < 10.0


def test_sos1_on_a_division_by_zero_at_the_start_ends_at_its_time_limit():
    """BOLIB's NetworkDesignP1 pattern under sos1, started at x = -1 where y^2 / (x + 1) is
    undefined: the certificate's evaluator reads its Jacobian pattern without evaluating there
    (it ended in error), and SCIP's best point within 2 s comes back near the optimum x = 7/8
    (the follower's y = (x + 1)/2, the leader's value (x - 1)^2 + (x + 1)/4 = 31/64)."""
    started = time.perf_counter()
    res = so.solve(division_at_the_start(), method="mpec", strategy="sos1", time_limit=2.0)
    assert time.perf_counter() - started < 10.0
    assert res.status in ("time_limit", "optimal"), (res.status, res.message)
    assert res.leader_objective == pytest.approx(31 / 64, abs=1e-3)


def test_the_equilibrium_at_a_time_limited_decision_gets_a_deadline_too(monkeypatch):
    """After the time limit the equilibrium is recomputed within a deadline of its own: with one
    that has already passed, the decision is returned unjudged (no objective), with the reason."""
    import stackopt.backends.evaluation as evaluation

    monkeypatch.setattr(evaluation, "evaluation_deadline", lambda status: time.perf_counter())
    res = so.solve(
        qre_subsidy(3, 10, budget=1.0), method="mpec", strategy="scholtes", time_limit=1.0
    )
    assert res.status == "time_limit"
    assert res.leader and res.leader_objective is None
    assert "the time limit passed inside the equilibrium oracle" in res.message, res.message
