"""A study written as a TOML file, runnable with ``stackopt compare STUDY.toml``.

Example (paths are relative to the TOML file)::

    [study]
    seeds = 5                     # an integer n (seeds 0..n-1) or a list of integers
    store = "results.sqlite"
    executor = "local"            # or a Dask scheduler address, "tcp://host:8786"
    workers = 2                   # local processes (default: one per core)
    timeout = 60                  # seconds per cell
    worker_timeout = 60           # a Dask study stops after this long without a worker
    retry = false                 # true: run failed cells again

    [[games]]
    model = "duopoly"             # a library game, a .py file defining build(), or module:function
    params = { A = [90, 100] }    # a list is an axis of the grid, a scalar is fixed
    name = "duopoly"              # optional

    [[methods]]
    label = "kkt"
    method = "mpec"
    strategy = "scholtes"         # any other key is a solve() option
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stackopt.app.study.factories import resolve_factory
from stackopt.app.study.grid import Game, cells, check_game, check_method
from stackopt.app.study.runner import compare
from stackopt.errors import OptionError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

STUDY_KEYS = ("seeds", "store", "executor", "workers", "timeout", "worker_timeout", "retry")
GAME_KEYS = ("model", "params", "name")


@dataclass
class Study:
    """A study read from TOML: the arguments of :func:`stackopt.compare`."""

    games: list[Game]
    methods: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)

    def run(self, **overrides: Any) -> pd.DataFrame:
        """Run the study; ``overrides`` (for example ``retry=True``) replace the file's settings."""
        settings = {**self.settings, **{k: v for k, v in overrides.items() if v is not None}}
        return compare(self.games, self.methods, **settings)


def load_study(path: str | Path) -> Study:
    """Read and check a study file: every game's parameters and every method's options go
    through the checks of :mod:`stackopt.app.study.option_checks` before anything runs. Raise an
    :class:`OptionError` naming the file, the line (where it can be told) and the bad field."""
    path = Path(path)
    try:
        text = path.read_text()
        data = tomllib.loads(text)
    except OSError as exc:
        raise OptionError(f"{path}: cannot read the study file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path}: invalid TOML: {exc}") from None
    try:
        return _study(data, path.parent, text)
    except _AtLine as exc:
        raise OptionError(f"{path}:{exc.line}: {exc.error}") from None
    except OptionError as exc:
        raise OptionError(f"{path}: {exc}") from None


def _study(data: dict[str, Any], base: Path, text: str) -> Study:
    _only(data, ("study", "games", "methods"), "top level")
    settings = _table(data.get("study", {}), "study")
    _only(settings, STUDY_KEYS, "study")
    if "seeds" in settings:
        settings["seeds"] = _seeds(settings["seeds"])
    if "store" in settings:
        settings["store"] = base / _typed(settings["store"], str, "study.store")
    seeds = settings.get("seeds", [0])
    methods = []
    for i, entry in enumerate(_array(data, "methods")):
        table = _table(entry, f"methods[{i}]")
        with _located(text, "methods", i, table):
            check_method(i, table)
        methods.append(table)
    games = []
    for i, entry in enumerate(_array(data, "games")):
        with _located(text, "games", i, entry if isinstance(entry, Mapping) else {}):
            games.append(_game(i, entry, base))
            check_game(games[-1], seeds[0])
    with warnings.catch_warnings():  # what the grid says about seeds, it says when it runs
        warnings.simplefilter("ignore")
        cells(games, methods, seeds)  # the grid as a whole: unique names and labels
    return Study(games, methods, settings)


class _AtLine(Exception):
    """An :class:`OptionError` with the line of the study file it concerns."""

    def __init__(self, error: OptionError, line: int) -> None:
        super().__init__(str(error))
        self.error, self.line = error, line


@contextmanager
def _located(text: str, array: str, index: int, table: Mapping[str, Any]) -> Iterator[None]:
    """Give an OptionError raised inside the line of entry ``index`` of ``[[array]]`` in
    ``text``: the line of the key its message names, else the entry's header."""
    try:
        yield
    except OptionError as exc:
        named = [k for k in table if _names(str(exc), k, table[k])]
        named.sort(key=lambda k: (k in ("label", "method", "model"), -len(k)))
        line = line_of(text, array, index, named[0] if named else None)
        if line is None:
            raise
        raise _AtLine(exc, line) from None


def _names(message: str, key: str, value: Any) -> bool:
    """Whether ``message`` names ``key``, or a key of the inline table ``value``."""
    if isinstance(value, Mapping) and any(_names(message, k, None) for k in value):
        return True
    return re.search(rf"(?<![\w.\[]){re.escape(key)}\b", message) is not None


def line_of(text: str, array: str, index: int, key: str | None) -> int | None:
    """The line (from 1) of ``key`` in entry ``index`` of the array of tables ``[[array]]``, or
    of that entry's header when the key is not found on a line of its own."""
    header = re.compile(rf"^\s*\[\[\s*{re.escape(array)}\s*\]\]")
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
    count, start = -1, None
    for number, line in enumerate(text.splitlines(), start=1):
        if start is None:
            count += bool(header.match(line))
            start = number if count == index else None
        elif line.lstrip().startswith("["):
            break
        elif assignment is not None and assignment.match(line):
            return number
    return start


def _game(index: int, entry: Any, base: Path) -> Game:
    where = f"games[{index}]"
    entry = _table(entry, where)
    _only(entry, GAME_KEYS, where)
    if "model" not in entry:
        raise OptionError(f"{where}.model is missing: name a library game or a .py file")
    model = _typed(entry["model"], str, f"{where}.model")
    try:
        name, factory = resolve_factory(model, base)
    except OptionError as exc:
        raise OptionError(f"{where}.model: {exc}") from None
    params = _table(entry.get("params", {}), f"{where}.params")
    return Game(factory, params=params, name=_typed(entry.get("name", name), str, f"{where}.name"))


def _seeds(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return list(range(value))
    if isinstance(value, list) and value and all(type(s) is int for s in value):
        return value
    raise OptionError(
        f"study.seeds must be a positive integer or a list of integers, got {value!r}"
    )


def _array(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list) or not value:
        raise OptionError(f"[[{name}]] is missing: a study needs at least one entry in [[{name}]]")
    return value


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise OptionError(f"{where} must be a table, got {value!r}")
    return dict(value)


def _typed(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise OptionError(f"{where} must be a {kind.__name__}, got {value!r}")
    return value


def _only(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise OptionError(
            f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(allowed)}"
        )
