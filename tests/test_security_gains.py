"""``studies/security_gains.py``: the three counting rules, on stores and on the paper's log."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from stackopt.app.study import Store
from stackopt.app.study.store import COLUMNS

SCRIPT = Path(__file__).resolve().parents[1] / "studies" / "security_gains.py"


@pytest.fixture(scope="module")
def gains():
    spec = importlib.util.spec_from_file_location("security_gains", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def row(game: str, seed: int, method: str, objective: float, violation: float = 0.0) -> dict:
    """A stored cell with the fields the script reads; the rest filled with empty values."""
    filled = {name: "" for name in COLUMNS} | {
        "key": f"{game}/{seed}/{method}",
        "game": game,
        "params": {"budget": 0.2},
        "seed": seed,
        "method": method,
        "options": {},
        "status": "feasible" if violation <= 1e-3 else "iteration_limit",
        "leader_objective": objective,
        "reported_objective": objective,
        "violation": violation,
        "wall_time": 1.0,
        "warnings": [],
        "leader": {},
        "followers": {},
        "history": {},
        "solver_versions": {},
        "finished_at": 0.0,
    }
    return filled


def test_three_rules_on_two_stores_the_later_store_replacing_a_cell(gains, tmp_path):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Store(first) as store:
        for seed in (0, 1):
            store.write(row("security_game", seed, "initial", -4.0))
        store.write(row("security_game", 0, "gradient", -3.9))
        store.write(row("security_game-all", 1, "gradient", -3.0))
    with Store(second) as store:
        store.write(row("security_game", 0, "gradient", -3.8))  # replaces the first store's
        store.write(row("security_game", 1, "gradient", -3.5, violation=0.01))
    table = gains.gains_table(gains.store_runs([first, second])).set_index("who")
    patrol = table.loc["gradient (patrol)"]
    # gains 0.2 and 0.5, the second run violating the budget
    assert (patrol["instances"], patrol["failed"]) == (2, 1)
    assert patrol["gain"] == pytest.approx(0.35)
    assert patrol["gain_feasible"] == pytest.approx(0.2)
    assert patrol["gain_no_violation"] == pytest.approx(0.1)
    assert table.loc["gradient (all targets)", "gain"] == pytest.approx(1.0)


def test_the_papers_log_is_read_by_its_columns(gains, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "42, 0.2, -2.0, -1.0, -2.0, 0.0,-1.5, 0.0, 9.0, 9.0\n"
        "43, 0.2, -3.0, -1.0, -3.0, 0.0,-2.0, 0.5, 9.0, 9.0\n"
    )
    table = gains.gains_table(gains.paper_runs(log))
    assert table["who"].tolist() == [gains.PAPER]
    assert table.loc[0, "gain"] == pytest.approx(0.75)
    assert table.loc[0, "gain_no_violation"] == pytest.approx(0.25)
    log.write_text("42, 0.2, -2.0\n")
    with pytest.raises(ValueError, match="expected the paper's 10-column log, found 3 columns"):
        gains.paper_runs(log)


def test_a_missing_store_is_named(gains, tmp_path):
    with pytest.raises(FileNotFoundError, match="no results store at .*missing.sqlite"):
        gains.store_runs([tmp_path / "missing.sqlite"])
