"""A resumed study says, in one line above its progress bar, how many of its cells the store
already holds and how many it runs (again)."""

from __future__ import annotations

import stackopt as so
from stackopt.app.study import Store
from stackopt.app.study.cell import failed_row
from stackopt.app.study.grid import cells
from stackopt.models import duopoly

INITIAL = [dict(label="initial", method="initial")]


def _study(store, a_values, capsys, progress=True):
    capsys.readouterr()
    so.compare((duopoly, {"A": a_values}), INITIAL, store=store, workers=2, progress=progress)
    return capsys.readouterr().err


def test_a_resumed_study_says_what_it_reuses_and_runs(tmp_path, capsys):
    store = tmp_path / "r.sqlite"
    assert "resuming" not in _study(store, [80], capsys)  # a new store: nothing to say
    err = _study(store, [80, 90, 100], capsys)
    assert err.splitlines()[0] == f"resuming: 1 of 3 cells already in {store}, 2 to run"
    assert _study(store, [80, 90, 100], capsys, progress=False) == ""  # no progress, no line


def test_cells_run_again_are_counted_by_their_stored_status(tmp_path, capsys):
    store = tmp_path / "r.sqlite"
    _study(store, [80, 90, 100], capsys, progress=False)
    grid = cells((duopoly, {"A": [80, 90, 100]}), INITIAL, [0])
    with Store(store) as db:  # as a lost Dask scheduler would leave two of them
        for cell in grid[1:]:
            db.write(failed_row(cell, "interrupted", "lost the Dask scheduler", 0.0))
    err = _study(store, [80, 90, 100], capsys)
    assert err.splitlines()[0] == (
        f"resuming: 1 of 3 cells already in {store}, 2 to run (run again: 2 interrupted)"
    )
    with Store(store) as db:
        assert set(db.statuses().values()) == {"feasible"}
