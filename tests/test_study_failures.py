"""A crashing cell and a cell past its timeout are recorded, and the study goes on."""

from __future__ import annotations

import os
import time

import pytest

import stackopt as so
from stackopt.models import duopoly

SCHOLTES = dict(label="scholtes", method="mpec", strategy="scholtes")


def crashing(seed: int = 0, A: float = 100.0):
    """A factory whose process dies on seed 1 (a real crash: no exception, no row written)."""
    if seed == 1:
        os._exit(3)
    return duopoly(A=A, seed=seed)


def hanging(seed: int = 0, A: float = 100.0):
    """A factory that hangs on seed 1."""
    if seed == 1:
        time.sleep(60)
    return duopoly(A=A, seed=seed)


def leader_profit(A: float, c1: float = 5.0, c2: float = 2.0) -> float:
    """The duopoly's Stackelberg profit in closed form: (A - 2 c1 + c2)^2 / 8."""
    return (A - 2 * c1 + c2) ** 2 / 8


def test_a_crashing_cell_is_an_error_row_and_the_others_finish(tmp_path):
    df = so.compare(
        crashing, [SCHOLTES], seeds=range(3), store=tmp_path / "r.sqlite", workers=2, progress=False
    )
    assert list(df["seed"]) == [0, 1, 2]
    assert list(df["status"]) == ["locally_optimal", "error", "locally_optimal"]
    assert df["message"][1] == "worker process exited with code 3 before returning its result"
    assert df["leader_objective"][[0, 2]].tolist() == pytest.approx([leader_profit(100)] * 2)


def test_a_cell_past_the_timeout_is_killed_and_recorded(tmp_path):
    start = time.monotonic()
    df = so.compare(
        (hanging, {"A": [100]}),
        [SCHOLTES],
        seeds=[0, 1, 2],
        store=tmp_path / "r.sqlite",
        timeout=5,
        workers=2,
        progress=False,
    )
    assert time.monotonic() - start < 30
    assert list(df["status"]) == ["locally_optimal", "time_limit", "locally_optimal"]
    assert df["message"][1] == "cell ran past the study timeout of 5 s and was killed"
    assert 5 <= df["wall_time"][1] < 15
    assert df["leader_objective"].isna().tolist() == [False, True, False]


def test_failed_cells_are_retried_only_when_asked(tmp_path):
    store = tmp_path / "r.sqlite"
    first = so.compare(crashing, [SCHOLTES], seeds=range(3), store=store, progress=False)
    again = so.compare(crashing, [SCHOLTES], seeds=range(3), store=store, progress=False)
    assert again["finished_at"].tolist() == first["finished_at"].tolist()
    retried = so.compare(
        crashing, [SCHOLTES], seeds=range(3), store=store, retry=True, progress=False
    )
    changed = retried["finished_at"] != first["finished_at"]
    assert changed.tolist() == [False, True, False]
    assert list(retried["status"]) == ["locally_optimal", "error", "locally_optimal"]
