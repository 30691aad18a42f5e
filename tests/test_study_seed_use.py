"""Which games use their seed (built for two seeds and compared), and keys that equal numbers share."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3

import numpy as np
import pytest

import stackopt as so
from stackopt.app.report import summary
from stackopt.app.study import Store
from stackopt.app.study.cell import cell_key, jsonable
from stackopt.app.study.grid import cells
from stackopt.app.study.store import SCHEMA_VERSION
from stackopt.bayesian import random_game
from stackopt.game_fingerprint import fingerprint
from stackopt.markov.instances import random_markov_game
from stackopt.models import duopoly
from tests.test_study_failures import crashing, hanging

SOS1 = dict(label="sos1", method="mpec", strategy="sos1")
INITIAL = dict(label="initial", method="initial")
SCHOLTES = dict(label="scholtes", method="mpec", strategy="scholtes")
DETERMINISTIC = ["bard1", "continuum_equilibria", "cournot", "duopoly", "three_equilibria"]
RANDOM = ["covariance_game", "cyber_insurance", "qre_subsidy", "security_game"]


def counted(grid):
    return {
        (c.game, c.label): [x.seed for x in grid if (x.game, x.label) == (c.game, c.label)]
        for c in grid
    }


def test_a_deterministic_library_game_runs_each_deterministic_method_once(tmp_path):
    store = tmp_path / "r.sqlite"
    message = (
        "game 'duopoly' builds the same instance for seeds 0 and 1 and method 'sos1' does not "
        "use the seed: one run \\(seed 0\\) stands for the 3 seeds"
    )
    with pytest.warns(UserWarning, match=message):
        df = so.compare(
            duopoly, [SOS1, INITIAL, SCHOLTES], seeds=range(3), store=store, progress=False
        )
    assert df.groupby("method")["seed"].apply(list).to_dict() == {
        "sos1": [0],
        "initial": [0],
        "scholtes": [0, 1, 2],  # its random starts draw from the seed
    }
    runs = df.set_index("method")
    assert runs.loc[["sos1", "initial"], "seeds"].tolist() == [[0, 1, 2], [0, 1, 2]]
    assert runs.loc["sos1", "leader_objective"] == pytest.approx((100 - 2 * 5 + 2) ** 2 / 8)
    table = summary(store).droplevel("game")
    assert table.loc["sos1", ["cells", "seeds"]].tolist() == [1, 3]


@pytest.mark.parametrize("name", DETERMINISTIC + ["torus_location"])
def test_each_deterministic_library_game_is_one_run_for_all_seeds(name):
    with pytest.warns(UserWarning, match=f"game '{name}' builds the same instance"):
        grid = cells(name, [INITIAL], range(3))
    assert [(c.seed, c.seeds) for c in grid] == [(0, (0, 1, 2))]


@pytest.mark.parametrize("name", RANDOM)
def test_each_random_library_game_runs_on_every_seed(name):
    grid = cells(name, [INITIAL], range(3))
    assert [(c.seed, c.seeds) for c in grid] == [(0, ()), (1, ()), (2, ())]


def fixed_bayesian(seed: int = 0) -> so.BayesianStackelbergGame:
    """A Bayesian game that ignores its seed: one instance."""
    return random_game(2, 2, 2, 3, seed=1)


def fixed_markov(seed: int = 0) -> so.MarkovStackelbergGame:
    """A Markov game that ignores its seed: one instance."""
    return random_markov_game(states=2, leader_actions=2, follower_actions=2, seed=3)


def test_games_that_are_not_pyomo_models_are_compared_by_their_arrays():
    lp = dict(label="lp", method="bayes-lp")
    bayes = cells((random_game, dict(n=2, K=2, A=2, L=3)), [lp], [4, 5, 6])
    assert [c.seed for c in bayes] == [4, 5, 6]
    with pytest.warns(UserWarning, match="'fixed_bayesian' builds the same instance"):
        assert [c.seeds for c in cells(fixed_bayesian, [lp], [4, 5, 6])] == [(4, 5, 6)]
    nlp = dict(label="nlp", method="markov-nlp")
    markov = cells((random_markov_game, dict(states=2)), [nlp], [0, 1])
    assert [c.seed for c in markov] == [0, 1]
    with pytest.warns(UserWarning, match="'fixed_markov' builds the same instance"):
        assert [c.seeds for c in cells(fixed_markov, [nlp], [0, 1])] == [(0, 1)]


def started_duopoly(seed: int = 0, A: float = 100.0, move: float = 1.0) -> so.StackelbergGame:
    """The duopoly whose seed moves only the leader's start point, by ``move`` per seed."""
    game = duopoly(A=A)
    game.q0.value = 10.0 + move * seed
    return game


def test_a_seed_that_moves_only_the_start_point_is_a_seed():
    assert fingerprint(started_duopoly(seed=0)) == fingerprint(started_duopoly(seed=1))
    grid = cells((started_duopoly, {"A": [90, 100]}), [SOS1], range(3))
    assert [(c.params["A"], c.seed, c.seeds) for c in grid] == [
        (A, s, ()) for A in (90, 100) for s in range(3)
    ]
    message = "stands for the 3 seeds \\(on 1 of its 2 parameter sets\\)"
    with pytest.warns(UserWarning, match=message):
        grid = cells((started_duopoly, {"move": [0.0, 1.0]}), [SOS1], range(3))
    assert [(c.params["move"], c.seed, c.seeds) for c in grid] == [
        (0.0, 0, (0, 1, 2)),
        (1.0, 0, ()),
        (1.0, 1, ()),
        (1.0, 2, ()),
    ]


def test_a_factory_that_crashes_or_hangs_in_the_check_counts_as_seeded():
    assert [c.seed for c in cells(crashing, [SOS1], range(3))] == [0, 1, 2]  # study goes on
    assert [c.seed for c in cells(hanging, [SOS1], range(3), timeout=0.5)] == [0, 1, 2]


def test_one_seed_builds_nothing_and_warns_nothing(recwarn):
    assert [c.seeds for c in cells(crashing, [SOS1], [1])] == [()]  # seed 1 would crash a build
    assert not recwarn.list


def fixed_duopoly(A: float = 100.0) -> so.StackelbergGame:
    """A game factory without a seed."""
    return duopoly(A=A)


def test_equal_numbers_give_one_key():
    def key(value):
        return cells((fixed_duopoly, {"A": value}), [INITIAL], [0])[0].key

    assert key(90) == key(90.0) == key(np.float64(90.0)) == key(np.int64(90))
    assert key(90) != key(90.5)
    assert cell_key("g", {"A": 90}, 0, "m", {}) != cell_key("g", {"A": "90"}, 0, "m", {})
    nested = cell_key("g", {"a": [1.0, {"b": -0.0}], "t": True}, 0, "m", {"tol": 2.0})
    assert nested == cell_key("g", {"a": [1, {"b": 0}], "t": True}, 0, "m", {"tol": 2})
    assert cell_key("g", {"t": True}, 0, "m", {}) != cell_key("g", {"t": 1}, 0, "m", {})
    assert cell_key("g", {"x": float("inf")}, 0, "m", {}) != cell_key("g", {"x": 1e308}, 0, "m", {})


def test_a_cell_stored_as_90_is_found_as_90_point_0(tmp_path):
    store = tmp_path / "r.sqlite"
    first = so.compare((fixed_duopoly, {"A": [90]}), [INITIAL], store=store, progress=False)
    again = so.compare((fixed_duopoly, {"A": [90.0]}), [INITIAL], store=store, progress=False)
    assert again["finished_at"].tolist() == first["finished_at"].tolist()  # nothing ran again
    assert len(Store(store, readonly=True).frame()) == 1


def old_key(game, params, seed, label, options):
    """The key as schema 2 wrote it: the JSON of the cell's fields, numbers as they were."""
    text = json.dumps(jsonable([game, params, seed, label, options], "old"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def test_a_schema_2_store_is_rekeyed_and_its_rows_found(tmp_path):
    store = tmp_path / "r.sqlite"
    first = so.compare((fixed_duopoly, {"A": [90.0, 80]}), [INITIAL], store=store, progress=False)
    params = {"method": "initial"}
    with contextlib.closing(sqlite3.connect(store)) as db:  # as schema 2 wrote them
        for rowid, text in db.execute("SELECT rowid, params FROM results").fetchall():
            key = old_key("fixed_duopoly", json.loads(text), 0, "initial", params)
            db.execute("UPDATE results SET key = ? WHERE rowid = ?", (key, rowid))
        # a later failed row of the same cell, written as A = 90: the finished row stays
        db.execute(
            "INSERT INTO results SELECT ?, game, ?, seed, seeds, method, options, 'error', sense, "
            "NULL, NULL, NULL, wall_time, 'failed', warnings, leader, followers, history, "
            "stackopt_version, solver_versions, python_version, host, finished_at + 1 "
            "FROM results WHERE params = ?",
            (old_key("fixed_duopoly", {"A": 90}, 0, "initial", params), '{"A": 90}', '{"A": 90.0}'),
        )
        db.execute("PRAGMA user_version = 2")
        db.commit()
    assert old_key("fixed_duopoly", {"A": 90.0}, 0, "initial", params) not in set(first["key"])
    with Store(store, readonly=True) as read:  # read as it is
        assert len(read.frame()) == 3
    with Store(store) as opened:
        assert opened.statuses() == dict(zip(first["key"], first["status"], strict=True))
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    again = so.compare((fixed_duopoly, {"A": [90, 80.0]}), [INITIAL], store=store, progress=False)
    assert again["finished_at"].tolist() == first["finished_at"].tolist()  # nothing ran again
    assert again["status"].tolist() == first["status"].tolist()
    assert again["params"].tolist() == [{"A": 90.0}, {"A": 80}]  # the rows as they were stored
