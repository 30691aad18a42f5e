"""The results store: one SQLite file, one committed row per finished cell.

The database runs in WAL mode with ``synchronous=FULL``, and each row is written and committed in
its own transaction as its cell finishes, so a study killed at any moment (SIGKILL included) keeps
every finished row and never leaves a half-written one. A row is keyed by its cell's identity
(:func:`stackopt.app.study.cell.cell_key`); writing a cell again replaces its row (a retry). Nested
values (parameters, options, decisions) are stored as JSON text, the history as zlib-compressed
columnar JSON.

Schema 3 keys a cell with its numbers normalized (``90`` and ``90.0`` are one cell). A store of
schema 1 or 2 opened for writing gains the ``seeds`` column (schema 1) and has its keys written
again in that form, in one transaction: its rows are found by the cells they belong to, and where
two rows become one cell, the later finished row stays (a failed one only if none finished).
"""

from __future__ import annotations

import json
import math
import sqlite3
import warnings
import zlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from stackopt.app.study.cell import cell_key

#: The columns of the results table, in order, with their SQLite types.
COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    "game": "TEXT NOT NULL",
    "params": "TEXT NOT NULL",
    "seed": "INTEGER NOT NULL",
    "seeds": "TEXT NOT NULL",
    "method": "TEXT NOT NULL",
    "options": "TEXT NOT NULL",
    "status": "TEXT NOT NULL",
    "sense": "TEXT NOT NULL",
    "leader_objective": "REAL",
    "reported_objective": "REAL",
    "violation": "REAL",
    "wall_time": "REAL NOT NULL",
    "message": "TEXT NOT NULL",
    "warnings": "TEXT NOT NULL",
    "leader": "TEXT NOT NULL",
    "followers": "TEXT NOT NULL",
    "history": "BLOB NOT NULL",
    "stackopt_version": "TEXT NOT NULL",
    "solver_versions": "TEXT NOT NULL",
    "python_version": "TEXT NOT NULL",
    "host": "TEXT NOT NULL",
    "finished_at": "REAL NOT NULL",
}
JSON_COLUMNS = ("params", "seeds", "options", "warnings", "leader", "followers", "solver_versions")
SCHEMA_VERSION = 3
#: The statuses of cells that failed to finish; they are retried only when asked.
FAILED = ("error", "time_limit")
#: The status of cells an executor could not run (a lost Dask scheduler): always run again.
UNFINISHED = "interrupted"
#: the file types :meth:`Store.export` writes, by suffix (any case: ".CSV" is CSV)
EXPORT_SUFFIXES = {"csv": "csv", "parquet": "parquet", "pq": "parquet"}
#: the column schema 2 added; a schema 1 store gains it (null: a row stands for its own seed)
SEEDS_COLUMN = "seeds TEXT NOT NULL DEFAULT 'null'"


class Store:
    """A study's results in the SQLite file at ``path`` (created, with its folder, if missing).

    ``readonly=True`` reads an existing store without writing anything, not even SQLite's lock
    files: a store on a read-only disk or shared read-only can be reported on and exported.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if self.path.is_dir():
            raise ValueError(f"store {str(self.path)!r} is a directory, not a SQLite file")
        if readonly and not self.path.is_file():
            raise FileNotFoundError(f"results file {str(self.path)!r} does not exist")
        try:
            self._db = self._connect()
            self._create()
        except sqlite3.DatabaseError as exc:
            name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+; else the message
            if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "readonly" in str(exc):
                raise ValueError(
                    f"store {str(self.path)!r} is read-only ({exc}): a study needs a store it can "
                    "write; `stackopt report` and Store(path, readonly=True) read this one"
                ) from None
            raise ValueError(
                f"store {str(self.path)!r} is not a stackopt results file: {exc}"
            ) from None

    def _connect(self) -> sqlite3.Connection:
        if not self.readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            return db
        uri = self.path.resolve().as_uri()
        try:  # read-only, still seeing a live writer's WAL
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
            db.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError:  # no lock files can be made beside it: read it as is
            db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
            log = self.path.with_name(f"{self.path.name}-wal")
            if log.is_file() and log.stat().st_size > 0:
                warnings.warn(
                    f"store {str(self.path)!r}: its write-ahead log {log.name} cannot be read "
                    "where no lock file can be made beside it, and the rows written since its "
                    "last checkpoint are missing here; copy both files to a writable folder to "
                    "read them all",
                    stacklevel=3,
                )
        return db

    def _create(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if version not in (0, 1, 2, SCHEMA_VERSION) or (version == 0 and tables):
            raise ValueError(
                f"store {str(self.path)!r} was not written by this version of stackopt "
                f"(schema {version}, expected {SCHEMA_VERSION})"
            )
        if not self.readonly:
            columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
            self._db.execute(f"CREATE TABLE IF NOT EXISTS results ({columns})")
        elif "results" not in tables:
            raise ValueError(
                f"store {str(self.path)!r} is not a stackopt results file: no results table"
            )
        found = {r[1] for r in self._db.execute("PRAGMA table_info(results)")}
        schema_1 = set(COLUMNS) - {"seeds"}
        if found not in (set(COLUMNS), schema_1):
            raise ValueError(
                f"store {str(self.path)!r} has the columns of another stackopt version; "
                "use a new results file"
            )
        if version < SCHEMA_VERSION and not self.readonly:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                found = {r[1] for r in self._db.execute("PRAGMA table_info(results)")}
                if found == schema_1:  # read again within the lock: another run may have added it
                    self._db.execute(f"ALTER TABLE results ADD COLUMN {SEEDS_COLUMN}")
                    found.add("seeds")
                self._rekey()
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._columns = [c for c in COLUMNS if c in found]

    def _rekey(self) -> None:
        """Write every row's key again from its cell's fields (:func:`cell_key`); rows that become
        one cell keep one: the last finished, else the last stored (module docstring)."""
        cursor = self._db.execute(
            "SELECT rowid, key, game, params, seed, seeds, method, options, status FROM results"
        )
        best: dict[str, tuple[bool, int, str]] = {}
        losers = []
        for rowid, key, game, params, seed, seeds, method, options, status in cursor.fetchall():
            loads = json.loads
            new = cell_key(game, loads(params), seed, method, loads(options), loads(seeds))
            mine = (status not in (*FAILED, UNFINISHED), rowid, key)
            if new in best:
                losers.append(min(best[new], mine)[1])
            best[new] = max(best.get(new, mine), mine)
        self._db.executemany("DELETE FROM results WHERE rowid = ?", [(r,) for r in losers])
        moved = [(new, rowid) for new, (_, rowid, key) in best.items() if new != key]
        self._db.executemany("UPDATE results SET key = ? WHERE rowid = ?", moved)

    def write(self, row: dict[str, Any], replaces: Collection[str] | None = None) -> bool:
        """Insert one row and commit it; a stored row of the same cell is replaced when its
        status is in ``replaces`` (None: whatever it is), checked within the write's lock, as
        another run on the same store may have stored the cell since this one read it. Returns
        whether the row was written."""
        values = [_encode(name, row[name]) for name in COLUMNS]
        marks = ", ".join("?" for _ in COLUMNS)
        names = ", ".join(COLUMNS)
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if replaces is not None:
                stored = self._db.execute(
                    "SELECT status FROM results WHERE key = ?", (row["key"],)
                ).fetchone()
                if stored is not None and stored[0] not in replaces:
                    return False
            self._db.execute(f"INSERT OR REPLACE INTO results ({names}) VALUES ({marks})", values)
        return True

    def statuses(self) -> dict[str, str]:
        """The status of every stored cell, by key."""
        return dict(self._db.execute("SELECT key, status FROM results"))

    def frame(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The stored rows as a DataFrame (if ``keys`` is given: those rows, in that order)."""
        cursor = self._db.execute(f"SELECT {', '.join(self._columns)} FROM results ORDER BY rowid")
        rows = {r[0]: r for r in cursor}
        selected = list(rows.values()) if keys is None else [rows[k] for k in keys if k in rows]
        frame = pd.DataFrame(selected, columns=self._columns).reindex(columns=list(COLUMNS))
        for name in (*JSON_COLUMNS, "history"):
            frame[name] = [_decode(name, v) for v in frame[name]]
        # a row written before schema 2 stands for its own seed
        frame["seeds"] = [
            s if s is not None else [seed] for s, seed in zip(frame.seeds, frame.seed)
        ]
        return frame

    def export(self, path: str | Path) -> Path:
        """Write every row to ``path``, as CSV or Parquet by its suffix (:data:`EXPORT_SUFFIXES`,
        any case): one column per game parameter (after ``params``; see
        :func:`with_parameters`), nested values as JSON."""
        path = Path(path)
        kind = EXPORT_SUFFIXES.get(path.suffix.lstrip(".").lower())
        if kind is None:
            raise ValueError(f"export {str(path)!r}: the suffix must be .csv or .parquet")
        frame = flat(with_parameters(self.frame())[0])
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        return path

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def with_parameters(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with one column per game parameter, right after ``params``, and their names.

    A column is named after its parameter (``param_<name>`` if a results column has that name);
    it is empty on the rows of games without that parameter; a list or table value is JSON text.
    """
    names = list(dict.fromkeys(k for p in frame["params"] for k in p))
    columns = [f"param_{n}" if n in frame.columns or n == "instance" else n for n in names]
    values = pd.DataFrame(
        {c: [_scalar(p.get(n, math.nan)) for p in frame["params"]] for n, c in zip(names, columns)},
        index=frame.index,
        dtype=object,
    )
    at = list(frame.columns).index("params") + 1
    out = pd.concat([frame.iloc[:, :at], values, frame.iloc[:, at:]], axis=1)
    return out, columns


def _scalar(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a results DataFrame with the nested columns as JSON text (for CSV and Parquet)."""
    frame = frame.copy()
    for name in (*JSON_COLUMNS, "history"):
        if name in frame:
            frame[name] = [json.dumps(v, sort_keys=True) for v in frame[name]]
    return frame


def _encode(name: str, value: Any) -> Any:
    if name == "history":
        return zlib.compress(json.dumps(value).encode())
    if name in JSON_COLUMNS:
        return json.dumps(value, sort_keys=True)
    return value


def _decode(name: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):  # a column it lacks
        return None
    if name == "history":
        return json.loads(zlib.decompress(value))
    return json.loads(value)
