"""Solves in several threads at once: each gets the Result it would get alone.

Pyomo's solver interfaces redirect the process's output streams while they run; two at once in
threads used to fail ("Captured output ... does not match sys.stdout", or a deadlock closing the
capture), so every solver call takes its turn (:data:`stackopt.backends.solvers.SOLVER_CALL`).
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from threadpoolctl import threadpool_info

import stackopt as so
from stackopt.models import cournot, duopoly

from .games import linear_bilevel, root_follower


def test_four_games_solved_in_four_threads_match_their_serial_solves():
    strategy = "sos1"  # SCIP, whose solves in threads failed
    games = [linear_bilevel, duopoly, lambda: cournot(n=2), root_follower]
    serial = [so.solve(make(), strategy=strategy, certify=False) for make in games]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(
            pool.map(lambda make: so.solve(make(), strategy=strategy, certify=False), games)
        )
    for alone, together in zip(serial, threaded):
        assert together.status == alone.status == "feasible", together.message
        assert together.leader == pytest.approx(alone.leader, abs=1e-6)
        assert together.leader_objective == pytest.approx(alone.leader_objective, abs=1e-6)


def _blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_a_solve_in_the_main_thread_runs_blas_on_one_thread_and_restores_the_callers_setting():
    """stackopt.blas_threads; solves in other threads leave the setting alone (OpenBLAS ignores
    them once the main thread has set it) and still match their serial solves (above)."""
    before = _blas_threads()
    seen: list[set[int]] = []

    def solve(game):
        return so.solve(game, method="mpec", callback=lambda row: seen.append(_blas_threads()))

    assert solve(duopoly()).success and seen and all(s == {1} for s in seen)
    assert _blas_threads() == before
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert all(r.success for r in pool.map(solve, [duopoly(), cournot(n=2)]))
    assert _blas_threads() == before


def test_bigm_in_two_threads_gets_its_serial_optimum():
    """bigm derives its M values by LPs in Pyomo's appsi HiGHS, which captures the process's
    output streams too: two bigm solves in threads both ended error ("Captured output ... does
    not match sys.stdout") or hung. MacMPEC ex9.1.3, optimum -29.2. In a subprocess: a
    regression must hang it, not the test session."""
    script = """
import threading
import stackopt as so
from stackopt.models.benchmarks import problems
(problem,) = [p for p in problems() if p.name == "ex9.1.3"]
out = {}
def work(i):
    res = so.solve(problem.factory(), method="mpec", strategy="bigm", time_limit=30)
    out[i] = (res.status, res.leader_objective)
threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i in range(2):
    print(*out[i])
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    lines = [line.split() for line in run.stdout.splitlines()[-2:]]
    assert [status for status, _ in lines] == ["optimal", "optimal"]
    assert [float(value) for _, value in lines] == pytest.approx([-29.2, -29.2], abs=1e-6)
