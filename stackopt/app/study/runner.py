"""``stackopt.compare``: run a comparison study into a durable store and return its DataFrame."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from stackopt.app.study.cell import Cell
from stackopt.app.study.executors import make_executor
from stackopt.app.study.grid import GameLike, cells
from stackopt.app.study.store import FAILED, UNFINISHED, Store
from stackopt.errors import OptionError
from stackopt.progress import progress_bar, tqdm


def compare(
    games: GameLike | Iterable[GameLike],
    methods: Iterable[Mapping[str, Any]],
    seeds: Iterable[int] | None = None,
    store: str | Path = "results.sqlite",
    executor: Any = "local",
    timeout: float | None = None,
    workers: int | None = None,
    worker_timeout: float = 60.0,
    retry: bool | Iterable[str] = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Solve every game instance (each parameter combination and seed) by every method.

    ``games`` is a factory (called as ``factory(seed=s, **params)``), a ``(factory, params_grid)``
    pair, a :class:`stackopt.app.study.Game`, a library name, or a list of these. ``methods`` is a list
    of :func:`stackopt.solve` keyword dictionaries, each with a ``label``; their options are checked
    by each method's own checks before the first cell runs (:mod:`stackopt.app.study.option_checks`).
    ``seeds`` (default: the one seed 0) go to the factories and methods that take a seed; a game
    and a method that take none run once (:mod:`stackopt.app.study.grid`). Each finished cell is
    committed to the SQLite ``store`` at once; cells already stored are skipped, except failed ones
    (status in ``retry``, or ``"error"``/``"time_limit"`` when ``retry=True``); a cell that another
    run on the same store finished meanwhile keeps that run's row (a failed row gives way to a
    finished one, never the other way round). A cell running
    longer than ``timeout`` seconds is killed and stored as ``"time_limit"``; a cell whose process
    dies is stored as ``"error"``. ``executor`` is ``"local"`` (``workers`` child processes, default
    one per core), a Dask scheduler address as Dask writes it (``"tcp://host:port"``), a
    ``distributed.Client``, or an executor object (:mod:`stackopt.app.study.executors`); a Dask study
    stops when its cluster has had no worker for ``worker_timeout`` seconds. Cells that an
    executor could not run (a lost Dask scheduler, no worker left) are stored as ``"interrupted"``
    with the cause, the study stops with an error naming it, and running it again runs them.
    ``progress`` shows a progress bar over the cells to run, on stderr, and, for a study whose
    store already holds some of its cells, the line above it that says how many
    (:func:`resuming`).

    Returns one row per cell of this study (columns: see :data:`stackopt.app.study.store.COLUMNS`).
    """
    if timeout is not None and not timeout > 0:
        raise OptionError(f"timeout must be a positive number of seconds, got {timeout!r}")
    todo_statuses = {UNFINISHED, *(FAILED if retry is True else (retry or ()))}
    grid = cells(games, methods, [0] if seeds is None else seeds, timeout)
    runner = make_executor(executor, workers, worker_timeout)
    with Store(store) as db:
        done = db.statuses()
        todo = [c for c in grid if c.key not in done or done[c.key] in todo_statuses]
        if progress and any(c.key in done for c in grid):  # the line above the bar
            tqdm.write(resuming(grid, todo, done, store), file=sys.stderr)
        with progress_bar(len(todo), "cell", enabled=progress) as bar:
            for row in runner.run(todo, timeout):
                # another run on the store may have finished the cell meanwhile: a failure
                # replaces only what this run was to redo, a finished row any failure too
                unfinished = {UNFINISHED, *FAILED}
                finished = row["status"] not in unfinished
                db.write(row, replaces=todo_statuses | unfinished if finished else todo_statuses)
                bar.update(1)
        return db.frame(c.key for c in grid)


def resuming(grid: list[Cell], todo: list[Cell], done: dict[str, str], store: str | Path) -> str:
    """The line a resumed study starts with: how many of its cells ``store`` already holds
    (``done``: status by key), how many it runs, and which of those it runs again."""
    again = [done[c.key] for c in todo if c.key in done]
    line = f"resuming: {len(grid) - len(todo)} of {len(grid)} cells already in {store}, "
    line += f"{len(todo)} to run"
    if again:
        counts = ", ".join(f"{again.count(s)} {s}" for s in dict.fromkeys(again))
        line += f" (run again: {counts})"
    return line
