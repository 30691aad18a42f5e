"""One study cell: a game instance (factory, parameters, seed) solved by one labelled method.

A :class:`Cell` is plain data plus the factory. :func:`run_cell` builds the game, calls
:func:`stackopt.solve` and returns the cell's row: a JSON-friendly dictionary holding the Result,
the history in columnar form and the versions of everything that produced it. Workers return rows;
only the parent writes them to the store.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import platform
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pyomo.environ import Objective, maximize

from stackopt.app.study.option_checks import runner_of, takes_keyword
from stackopt.errors import OptionError
from stackopt.result import Result
from stackopt.solve import solve

#: Distributions whose versions are recorded with every row.
SOLVER_PACKAGES = ("pyomo", "cyipopt", "highspy", "pyscipopt")
#: The source folders of an editable install whose revision is recorded with every row.
SOURCE_FOLDERS = ("stackopt", "backends", "models")
SOURCE_ROOT = Path(__file__).resolve().parents[3]  # the checkout, for an editable install


@dataclass(frozen=True)
class Cell:
    """One unit of work: ``factory(seed=seed, **params)`` solved by ``solve(game, **options)``
    (the seed goes to the factory and to the method only where they take one:
    :func:`instance_and_options`). ``seeds``: the study's seeds its one run stands for, when
    neither the game nor the method uses the seed (empty: ``seed`` alone)."""

    game: str
    factory: Callable[..., Any] = field(compare=False, repr=False)
    params: dict[str, Any]
    seed: int
    label: str
    options: dict[str, Any]
    seeds: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """A stable identity of the cell: :func:`cell_key` of its fields."""
        return cell_key(self.game, self.params, self.seed, self.label, self.options, self.seeds)


def cell_key(
    game: str,
    params: dict[str, Any],
    seed: int,
    label: str,
    options: dict[str, Any],
    seeds: list[int] | tuple[int, ...] | None = None,
) -> str:
    """The identity of a cell: the same study cell always has the same key, in this process and
    the next (a value without a stable identity is an :class:`OptionError`). Equal numbers are
    equal here: ``90`` and ``90.0`` give one key (:func:`same_numbers`). A run standing for several
    ``seeds`` is keyed with them: a study with other seeds runs it again, once."""
    ident = [game, params, seed, label, options]
    if seeds and list(seeds) != [seed]:
        ident.append(list(seeds))
    where = f"game {game!r}, method {label!r}"
    text = json.dumps(same_numbers(jsonable(ident, where)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def same_numbers(value: Any) -> Any:
    """A JSON-friendly ``value`` with every float that equals an integer written as that integer
    (``90.0`` as ``90``, ``-0.0`` as ``0``); booleans stay booleans, other floats stay floats."""
    if isinstance(value, dict):
        return {k: same_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [same_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def jsonable(value: Any, where: str | None = None) -> Any:
    """``value`` with dictionary keys as strings, tuples as lists, numpy scalars as floats, and
    functions and classes as ``module.qualified_name``.

    With ``where`` (an identity is asked for), a value whose text would change from one run to
    the next (a lambda, a function defined inside another, an object whose ``repr`` holds its
    memory address) is refused by an :class:`OptionError` naming ``where``; without it, such a
    value is written as its ``repr``.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v, where) for k, v in value.items()}
    if isinstance(value, (list, tuple, range)):
        return [jsonable(v, where) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    name = getattr(value, "__qualname__", None)
    if isinstance(name, str) and "<" not in name:  # a module-level function or class
        return f"{getattr(value, '__module__', '?')}.{name}"
    text = repr(value)
    if where is not None and (name is not None or " at 0x" in text):
        raise OptionError(
            f"{where}: {text} has no stable identity (a lambda, a nested function or an object "
            "without a repr of its own), so its cells could not be found again on a rerun; "
            "pass a function defined at module level, or an object with a repr of its values"
        )
    return text


def columnar(history: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A list of per-iteration dictionaries as one list per key (missing entries are ``None``)."""
    keys: dict[str, None] = {}
    for entry in history:
        keys.update(dict.fromkeys(entry))
    return {k: [jsonable(entry.get(k)) for entry in history] for k in keys}


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, Any], ...]:
    solvers = {}
    for name in SOLVER_PACKAGES:
        try:
            solvers[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return (
        ("stackopt_version", metadata.version("stackopt")),
        ("solver_versions", solvers),
        ("python_version", platform.python_version()),
        ("host", socket.gethostname()),
    )


def source_revision(root: Path = SOURCE_ROOT) -> str:
    """``+g<commit>`` (``.dirty`` when its sources differ from it) when stackopt runs from a git
    checkout at ``root``, else ``""``. Read for every row: a long study can outlive a commit."""
    if not (root / ".git").exists():
        return ""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", *SOURCE_FOLDERS)
    except OSError:  # no git on this machine
        return ""
    return f"+g{commit}{'.dirty' if changed else ''}" if commit else ""


def versions() -> dict[str, Any]:
    """The versions of stackopt (with its source revision), the solver packages and Python on
    this machine (and its name)."""
    found = dict(_versions())
    found["stackopt_version"] += source_revision()
    return found


def row(cell: Cell, result: Result, sense: str = "") -> dict[str, Any]:
    """The store row of ``cell`` finished with ``result`` (``sense``: the leader's, max or min)."""
    return {
        "key": cell.key,
        "game": cell.game,
        "params": jsonable(cell.params),
        "seed": cell.seed,
        "seeds": list(cell.seeds or (cell.seed,)),
        "method": cell.label,
        "options": jsonable(cell.options),
        "status": result.status,
        "sense": sense,
        "leader_objective": _number(result.leader_objective),
        "reported_objective": _number(result.reported_objective),
        "violation": _number(result.violation),
        "wall_time": float(result.wall_time),
        "message": result.message,
        "warnings": jsonable(result.warnings),
        "leader": jsonable(result.leader),
        "followers": jsonable(result.followers),
        "history": columnar(result.history),
        **versions(),
        "finished_at": time.time(),
    }


def run_cell(cell: Cell) -> dict[str, Any]:
    """Build the cell's game, solve it, and return its row; any exception becomes an error row.
    Cells run side by side; each solve's BLAS runs on one thread (:func:`stackopt.solve`)."""
    start = time.perf_counter()
    sense = ""
    try:
        params, options = instance_and_options(cell)
        game = cell.factory(**params)
        sense = leader_sense(game)
        result = solve(game, **options)
    except Exception as exc:
        result = Result(status="error", message=f"{type(exc).__name__}: {exc}")
        result.wall_time = time.perf_counter() - start
    return row(cell, result, sense)


def instance_and_options(cell: Cell) -> tuple[dict[str, Any], dict[str, Any]]:
    """The factory's keywords and the solve options of ``cell``: the cell's seed goes to each of
    them that takes a ``seed`` (a method's own ``seed`` option, when the study sets one, stays)."""
    params, options = dict(cell.params), dict(cell.options)
    if takes_keyword(cell.factory, "seed"):
        params["seed"] = cell.seed
    if "seed" not in options and takes_keyword(runner_of(options.get("method", "mpec")), "seed"):
        options["seed"] = cell.seed
    return params, options


def leader_sense(game: Any) -> str:
    """``"max"`` or ``"min"``: the sense of the leader's objective (``""`` if unknown: not a
    Pyomo model, or no objective)."""
    if not hasattr(game, "component_data_objects"):
        return ""
    objectives = list(game.component_data_objects(Objective, active=True, descend_into=False))
    if not objectives:
        return ""
    return "max" if objectives[0].sense == maximize else "min"


def failed_row(cell: Cell, status: str, message: str, wall_time: float) -> dict[str, Any]:
    """The row of a cell whose process died (``"error"``) or ran too long (``"time_limit"``)."""
    result = Result(status=status, message=message, wall_time=wall_time)
    return row(cell, result)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value
