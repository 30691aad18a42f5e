"""Games with cvxpy followers pickle, solved or not, and solve the same after the round trip;
a study of them runs on Dask and stores its rows."""

from __future__ import annotations

import functools
import pickle
import subprocess
import sys

import cvxpy as cp
import pytest

import stackopt as so
from stackopt.app.study import Game, Store
from tests.test_cvxpy_follower import cvxpy_cournot, cvxpy_duopoly

# Cournot with leader q0 and two cvxpy followers, inverse demand 100 - total, unit cost 10: each
# follower's best response is q = (90 - q0) / 3, the leader's optimum q0 = 45 with q = 15 each.
FOLLOWER_AT_45 = 15.0


def _point(res: so.Result) -> tuple:
    return res.status, res.leader, res.followers, res.leader_objective, res.duals


def _same_numbers(a: so.Result, b: so.Result) -> None:
    """Equal up to the solver's tolerance: the copy's cvxpy problems compile again, and a solve
    on freshly compiled data ends a few 1e-8 away from one on the cached data."""
    assert a.status == b.status
    assert a.leader == pytest.approx(b.leader, abs=1e-6)
    for name, values in a.followers.items():
        assert values == pytest.approx(b.followers[name], abs=1e-6)
    assert a.leader_objective == pytest.approx(b.leader_objective, abs=1e-6)
    assert a.duals == pytest.approx(b.duals, abs=1e-6)


def test_a_solved_cvxpy_game_and_its_result_round_trip():
    g = cvxpy_cournot()
    res = so.solve(g, method="gradient", optimizer="sgd", lr=1.0, max_iter=30)
    g2, res2 = pickle.loads(pickle.dumps((g, res)))
    assert _point(res2) == _point(res)
    assert res2.leader["q0"] == pytest.approx(45, abs=1e-3)
    # one Variable object: F0's Parameter still stands for F1's decision after the round trip
    twin0, twin1 = g2.F0.cvxpy_twin, g2.F1.cvxpy_twin
    assert any(t is twin1.decisions["q"] for t in twin0.parameters.values())
    # the same leader decision gives the same equilibrium, on the copy and on the original
    g.q0.set_value(45.0)
    g2.q0.set_value(45.0)
    here, there = so.solve(g, method="initial"), so.solve(g2, method="initial")
    _same_numbers(there, here)
    assert there.followers["F0"]["q"] == pytest.approx(FOLLOWER_AT_45, abs=1e-5)
    assert there.leader_objective == pytest.approx((90 - 45 - 30) * 45, abs=1e-3)


_IN_A_FRESH_PROCESS = """
import pickle, sys
import cvxpy as cp
import stackopt as so
g = pickle.loads(sys.stdin.buffer.read())
twin = g.F.cvxpy_twin
old = max(leaf.id for leaf in twin.problem.variables() + twin.problem.parameters())
assert cp.Variable().id > old and cp.Parameter().id > old, "a new leaf shares an old id"
res = so.solve(g, method="initial")
print(repr((res.status, res.leader["q0"], res.followers["F"]["q"], res.leader_objective)))
"""


def test_an_unpickled_game_solves_the_same_in_a_fresh_process_and_keeps_its_ids_apart():
    for _ in range(200):  # the ids of this game's leaves lie past those of a fresh process
        cp.Variable()
    g = cvxpy_duopoly()
    so.solve(g, method="gradient", optimizer="sgd", lr=0.5, max_iter=50)
    g.q0.set_value(30.0)
    here = so.solve(g, method="initial")
    out = subprocess.run(
        [sys.executable, "-c", _IN_A_FRESH_PROCESS],
        input=pickle.dumps(g),
        capture_output=True,
        check=True,
    ).stdout.decode()
    there = eval(out)
    assert there == pytest.approx(
        (here.status, 30.0, here.followers["F"]["q"], here.leader_objective), abs=1e-6
    )
    assert there[2] == pytest.approx((98 - 30) / 2, abs=1e-6)  # q = (98 - q0) / 2
    assert there[3] == pytest.approx((100 - 30 - 34 - 5) * 30, abs=1e-4)


def _copy_of(game: so.StackelbergGame, seed: int = 0) -> so.StackelbergGame:
    """A copy of ``game``, which travels pickled with the factory."""
    return game.clone()


def test_a_study_of_cvxpy_games_runs_on_dask(tmp_path, client):
    solved = cvxpy_duopoly()
    so.solve(solved, method="gradient", optimizer="sgd", lr=0.5, max_iter=50)
    methods = [dict(label="gradient", method="gradient", optimizer="sgd", lr=0.5, max_iter=50)]
    games = [
        Game(cvxpy_duopoly, name="built"),
        Game(functools.partial(_copy_of, solved), name="pickled"),
    ]
    df = so.compare(games, methods, store=tmp_path / "r.sqlite", executor=client, progress=False)
    with Store(tmp_path / "r.sqlite", readonly=True) as store:
        stored = store.frame().set_index("game")
    assert sorted(stored.index) == ["built", "pickled"]
    for name in ("built", "pickled"):
        assert stored.loc[name, "status"] == "feasible", stored.loc[name, "message"]
        assert stored.loc[name, "leader_objective"] == pytest.approx(1058, abs=1e-4)
    assert len(df) == 2
