"""A study killed with SIGKILL keeps every finished row, and re-running it resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import stackopt as so
from stackopt.app.study import Game, Store
from stackopt.app.study.factories import resolve_factory

SLOW_GAME = '''
import time
from stackopt.models import duopoly


def build(A=100.0, seed=0):
    """The duopoly, built slowly so that the study can be killed in the middle."""
    time.sleep(0.4)
    return duopoly(A=A, seed=seed)
'''

STUDY = """
import sys
import stackopt as so
from stackopt.app.study import Game
from stackopt.app.study.factories import resolve_factory

name, build = resolve_factory(sys.argv[1])
so.compare(Game(build, params={{"A": [90, 100]}}, name=name), {methods!r}, seeds=range(4),
           store=sys.argv[2], workers=1, progress=False)
"""

METHODS = [dict(label="penalty", method="mpec", strategy="penalty")]


def rows(store) -> int:
    """The number of rows in the store (0 before its table exists)."""
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        try:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_resume_after_sigkill_loses_no_finished_row(tmp_path):
    game_file = tmp_path / "slow_game.py"
    game_file.write_text(SLOW_GAME)
    store = tmp_path / "killed.sqlite"
    script = textwrap.dedent(STUDY.format(methods=METHODS))
    proc = subprocess.Popen([sys.executable, "-c", script, str(game_file), str(store)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and rows(store) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = rows(store)
    assert 3 <= kept < 8, "the study must be killed in the middle"
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    name, build = resolve_factory(str(game_file))
    game = Game(build, params={"A": [90, 100]}, name=name)
    before = Store(store).frame()
    resumed = so.compare(game, METHODS, seeds=range(4), store=store, workers=2, progress=False)
    assert len(resumed) == 8 and rows(store) == 8
    assert set(resumed["status"]) == {"locally_optimal"}
    old = resumed.set_index("key").loc[before["key"]]
    assert old["finished_at"].tolist() == before["finished_at"].tolist()  # not run again
    assert old["leader_objective"].tolist() == before["leader_objective"].tolist()

    fresh = so.compare(
        game, METHODS, seeds=range(4), store=tmp_path / "fresh.sqlite", workers=2, progress=False
    )
    assert fresh["key"].tolist() == resumed["key"].tolist()
    assert fresh["leader_objective"].tolist() == resumed["leader_objective"].tolist()
    expected = [(A - 8) ** 2 / 8 for A in (90, 100) for _ in range(4)]
    assert resumed["leader_objective"].tolist() == pytest.approx(expected)


def test_ctrl_c_without_a_timeout_stops_the_running_cells_and_keeps_the_finished(tmp_path):
    """A real SIGINT to a study with no cell timeout (the default): the running children were
    killed through the timeout's row, whose message formats the timeout, None, and a TypeError
    replaced the KeyboardInterrupt."""
    game_file = tmp_path / "slow_game.py"
    game_file.write_text(SLOW_GAME)
    store = tmp_path / "interrupted.sqlite"
    script = textwrap.dedent(STUDY.format(methods=METHODS))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(game_file), str(store)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and rows(store) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "KeyboardInterrupt" in err and "TypeError" not in err, err[-2000:]
    kept = rows(store)
    assert 2 <= kept < 8
    name, build = resolve_factory(str(game_file))
    game = Game(build, params={"A": [90, 100]}, name=name)
    resumed = so.compare(game, METHODS, seeds=range(4), store=store, workers=2, progress=False)
    assert len(resumed) == 8 and set(resumed["status"]) == {"locally_optimal"}
