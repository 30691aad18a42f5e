"""The SQLite store: WAL mode, round trips, versions, exports, refusing foreign files."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess

import pandas as pd
import pytest

import stackopt as so
from stackopt.app import report
from stackopt.app.cli import main
from stackopt.app.study import Store
from stackopt.app.study.cell import source_revision
from stackopt.app.study.store import SCHEMA_VERSION
from stackopt.models import duopoly

METHODS = [
    dict(label="gd", method="gradient", max_iter=20),
    dict(label="initial", method="initial"),
]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "r.sqlite"
    df = so.compare(
        (duopoly, {"A": [90, 100]}), METHODS, seeds=[0], store=store, timeout=120, progress=False
    )
    return store, df


def test_rows_round_trip_with_versions_and_a_compact_history(study):
    store, df = study
    assert len(df) == 4
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        blob = db.execute("SELECT history FROM results WHERE method = 'gd'").fetchone()[0]
    assert isinstance(blob, bytes)
    gd = df[df["method"] == "gd"].iloc[0]
    steps = len(next(iter(gd["history"].values())))
    assert all(len(v) == steps for v in gd["history"].values()) and steps > 0
    assert df["history"][df["method"] == "initial"].tolist() == [{}, {}]
    assert gd["options"] == {"method": "gradient", "max_iter": 20}
    assert gd["params"] in ({"A": 90}, {"A": 100}) and gd["sense"] == "max"
    assert set(df["stackopt_version"]) == {so.__version__ + source_revision()}
    assert set(gd["solver_versions"]) >= {"pyomo"}
    assert gd["python_version"].count(".") == 2
    with Store(store) as again:
        assert again.frame(df["key"]).to_dict("records") == df.to_dict("records")
        assert sorted(again.frame()["key"]) == sorted(df["key"])


def test_exports_to_csv_and_parquet_agree(study, tmp_path):
    store, df = study
    with Store(store) as db:
        csv = pd.read_csv(db.export(tmp_path / "r.csv"))
        parquet = pd.read_parquet(db.export(tmp_path / "r.parquet"))
        with pytest.raises(ValueError, match="the suffix must be .csv or .parquet"):
            db.export(tmp_path / "r.xlsx")
    columns = list(df.columns)
    assert list(csv.columns) == list(parquet.columns) == [*columns[:3], "A", *columns[3:]]
    assert csv["A"].tolist() == [p["A"] for p in df.set_index("key").loc[csv["key"], "params"]]
    assert csv["key"].tolist() == parquet["key"].tolist()
    assert sorted(csv["key"]) == sorted(df["key"])
    expected = df.set_index("key").loc[parquet["key"], "leader_objective"].tolist()
    assert parquet["leader_objective"].tolist() == csv["leader_objective"].tolist() == expected


def test_a_file_that_is_not_a_results_store_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="was not written by this version of stackopt"):
        Store(other)
    older = tmp_path / "older.sqlite"
    with sqlite3.connect(older) as db:
        db.execute("CREATE TABLE results (key TEXT PRIMARY KEY, status TEXT)")
        db.execute("PRAGMA user_version = 1")
    with pytest.raises(ValueError, match="has the columns of another stackopt version"):
        Store(older)
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, just some text " * 100)
    with pytest.raises(ValueError, match="is not a stackopt results file"):
        Store(text)


def test_a_store_of_schema_1_is_read_and_gains_the_seeds_column(study, tmp_path):
    store, df = study
    old = tmp_path / "old.sqlite"
    shutil.copy(store, old)
    with contextlib.closing(sqlite3.connect(old)) as db:  # schema 1 had no seeds column
        db.execute("ALTER TABLE results DROP COLUMN seeds")
        db.execute("PRAGMA user_version = 1")
        db.commit()
    with Store(old, readonly=True) as read:
        assert read.frame()["seeds"].tolist() == [[s] for s in read.frame()["seed"]]
    with Store(old) as opened:  # each row stands for its own seed
        assert opened.frame().to_dict("records") == Store(store).frame().to_dict("records")
    with contextlib.closing(sqlite3.connect(old)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = so.compare((duopoly, {"A": [90, 100]}), METHODS, seeds=[0], store=old, progress=False)
    assert again["finished_at"].tolist() == df["finished_at"].tolist()  # nothing ran again


def test_a_store_in_a_missing_folder_creates_the_folder(tmp_path):
    path = tmp_path / "new" / "deeper" / "r.sqlite"
    Store(path)
    assert path.is_file()


def test_source_revision_names_the_commit_and_local_changes(tmp_path):
    assert source_revision(tmp_path) == ""  # not a git checkout
    (tmp_path / "stackopt").mkdir()
    (tmp_path / "stackopt" / "a.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("not a source\n")

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert source_revision(tmp_path) == f"+g{head}"
    (tmp_path / "notes.txt").write_text("changed, but not a source\n")
    assert source_revision(tmp_path) == f"+g{head}"
    (tmp_path / "stackopt" / "a.py").write_text("x = 2\n")
    assert source_revision(tmp_path) == f"+g{head}.dirty"


@contextlib.contextmanager
def read_only(*paths):
    """``paths`` made read-only for this process, root included (``chattr +i``)."""
    if os.geteuid() != 0:
        modes = [p.stat().st_mode for p in paths]
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        yield
        for p, mode in zip(paths, modes):
            p.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"no way to make a file read-only for root here: {done.stderr}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_a_read_only_store_is_reported_on_and_named_read_only(study, tmp_path):
    store, df = study
    folder = tmp_path / "shared"
    folder.mkdir()
    copy = folder / "r.sqlite"
    shutil.copy(store, copy)
    with read_only(copy, folder):
        assert report.load(copy)["key"].tolist() == Store(store).frame()["key"].tolist()
        code = main(["report", str(copy), "--out", str(tmp_path / "plots"), "--export",
                     str(tmp_path / "r.csv")])  # fmt: skip
        assert code == 0 and len(pd.read_csv(tmp_path / "r.csv")) == len(df)
        with pytest.raises(ValueError, match="is read-only .*: a study needs a store it can write"):
            so.compare(duopoly, METHODS, store=copy, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["r.sqlite"]  # not even a lock file


def test_a_run_on_a_store_keeps_the_cells_another_run_finished_meanwhile(tmp_path):
    """Two runs on one store: the cell this run found missing was finished by the other while it
    ran; this run's own failure (its tighter timeout) must not replace it, and its finished row
    replaces a failure the other run stored."""
    from stackopt.app.study.cell import failed_row, run_cell
    from stackopt.app.study.executors import LocalExecutor

    path = tmp_path / "shared.sqlite"

    class Racing(LocalExecutor):
        """Before each row it yields, the other run stores the cell: finished for the first
        cell, failed for the second; this run fails the first and finishes the second."""

        def run(self, cells, timeout):
            for i, cell in enumerate(cells):
                finished = run_cell(cell)
                with Store(path) as other:
                    other.write(finished if i == 0 else failed_row(cell, "error", "lost", 1.0))
                yield failed_row(cell, "time_limit", "timed out", 0.4) if i == 0 else finished

    df = so.compare(
        (duopoly, {"A": [90, 100]}), [dict(label="initial", method="initial")],
        store=path, executor=Racing(1), progress=False,
    )  # fmt: skip
    assert df["status"].tolist() == ["feasible"] * 2, df[["params", "status"]]


def test_a_read_only_copy_whose_log_cannot_be_read_says_rows_are_missing(study, tmp_path):
    """A copy of a store taken while a run was writing it (its -wal file beside it) on a disk
    where no lock file can be made: SQLite reads the main file alone, and the rows in the log
    are not shown; the reader is told so (before, 8 of 47 rows were shown without a word)."""
    store, _ = study
    folder = tmp_path / "shared"
    folder.mkdir()
    with Store(store) as live:  # a writer with rows in its log, not yet checkpointed
        live._db.execute("PRAGMA wal_autocheckpoint=0")
        rows = live.frame()
        live._db.execute("DELETE FROM results")
        for row in rows.to_dict("records"):
            live.write(row)
        for name in (store.name, f"{store.name}-wal"):
            shutil.copy(store.with_name(name), folder / name)
    copy = folder / store.name
    with read_only(copy, copy.with_name(f"{copy.name}-wal"), folder):
        with pytest.warns(UserWarning, match="write-ahead log .* rows written since"):
            report.load(copy)
