"""Solves in several threads at once: each gets the Result it would get alone.

Pyomo's solver interfaces redirect the process's output streams while they run; two at once in
threads used to fail ("Captured output ... does not match sys.stdout", or a deadlock closing the
capture), so every solver call takes its turn (:data:`stackopt.backends.solvers.SOLVER_CALL`).
"""

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
