"""A study written as a TOML file, runnable with ``stackopt compare STUDY.toml``.

Example (paths are relative to the TOML file)::

    [study]
    seeds = 5                     # an integer n (seeds 0..n-1) or a list of distinct integers
    store = "results.sqlite"      # the default: results.sqlite beside the TOML file
    executor = "local"            # or a Dask scheduler address, "tcp://host:8786"
    workers = 2                   # local processes, at least 1 (default: one per core)
    timeout = 60                  # seconds per cell, > 0
    worker_timeout = 60           # a Dask study stops after this long without a worker, > 0
    retry = false                 # true: run failed cells again; or a list of statuses

    [[games]]
    model = "duopoly"             # a library game, a .py file defining build(), or module:function
    params = { A = [90, 100] }    # a list is an axis of the grid, a scalar is fixed
    name = "duopoly"              # optional

    [[methods]]
    label = "kkt"
    method = "mpec"
    strategy = "scholtes"         # any other key is a solve() option

Every setting of ``[study]`` is checked for its type and range when the file is read, as is every
override given to :meth:`Study.run` (the command line's ``--workers``, ``--timeout``...).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stackopt.app.study.executors import DASK_SCHEMES
from stackopt.app.study.factories import resolve_factory
from stackopt.app.study.grid import Game, cells, check_game, check_method
from stackopt.app.study.option_checks import takes_keyword
from stackopt.app.study.runner import compare
from stackopt.errors import ModelError, OptionError
from stackopt.game import StackelbergGame
from stackopt.result import STATUSES
from stackopt.structure import analyze

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

GAME_KEYS = ("model", "params", "name")
#: The results file of a study that names none, beside its TOML file.
DEFAULT_STORE = "results.sqlite"
#: The methods that take integer follower decisions (:mod:`stackopt.backends.value_function`).
INTEGER_FOLLOWER_METHODS = ("value-function",)


@dataclass
class Study:
    """A study read from TOML: the arguments of :func:`stackopt.compare`."""

    games: list[Game]
    methods: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)

    def run(self, **overrides: Any) -> pd.DataFrame:
        """Run the study; ``overrides`` (for example ``retry=True``) replace the file's settings."""
        given = {k: v for k, v in overrides.items() if v is not None}
        checked = {k: SETTINGS[k](v, k) for k, v in given.items() if k in SETTINGS}
        return compare(self.games, self.methods, **{**self.settings, **given, **checked})


def load_study(path: str | Path) -> Study:
    """Read and check a study file: every game's parameters and every method's options go
    through the checks of :mod:`stackopt.app.study.option_checks`, and one instance of each game
    through the model checks of ``solve`` (:func:`check_model`), before anything runs. Raise an
    :class:`OptionError` naming the file, the line (where it can be told) and the bad field, or a
    :class:`ModelError` naming the file, the line and the game."""
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
        raise type(exc.error)(f"{path}:{exc.line}: {exc.error}") from None
    except (OptionError, ModelError) as exc:
        raise type(exc)(f"{path}: {exc}") from None


def _study(data: dict[str, Any], base: Path, text: str) -> Study:
    _only(data, ("study", "games", "methods"), "top level")
    settings = _settings(data.get("study", {}), base, text)
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
    # the grid as a whole: unique names and labels; which games use the seed, it finds when it runs
    cells(games, methods, seeds[:1])
    for i, game in enumerate(games):
        try:
            check_model(game, methods, seeds[0])
        except ModelError as exc:
            raise _at(exc, line_of(text, "games", i, "model")) from None
    return Study(games, methods, settings)


def check_model(game: Game, methods: list[dict[str, Any]], seed: int) -> None:
    """Build the first instance of ``game`` (its first parameters, ``seed``) and check it as the
    methods do before they solve: the structure analysis :func:`stackopt.structure.analyze`
    (admitting integer followers where a method of the study takes them). One instance per game:
    a malformed model is malformed for every parameter value. A :class:`ModelError` names the
    game, also when its factory fails."""
    params = game.instances()[0]
    seeded = {"seed": seed} if takes_keyword(game.factory, "seed") else {}
    try:
        instance = game.factory(**seeded, **params)
    except Exception as exc:  # the user's factory: any failure is the game's
        raise ModelError(
            f"game {game.name!r}: building its instance {seeded | params} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(instance, StackelbergGame):
        return  # a Bayesian or Markov game: its methods check it when they read it
    kinds = {m.get("method", "mpec") in INTEGER_FOLLOWER_METHODS for m in methods}
    for integer_followers in sorted(kinds):
        try:
            analyze(instance, integer_followers=integer_followers)
        except ModelError as exc:
            raise ModelError(f"game {game.name!r}: {exc}") from None


class _AtLine(Exception):
    """An :class:`OptionError` or :class:`ModelError` with the line of the study file it
    concerns."""

    def __init__(self, error: OptionError | ModelError, line: int) -> None:
        super().__init__(str(error))
        self.error, self.line = error, line


def _at(error: OptionError | ModelError, line: int | None) -> Exception:
    """``error`` at ``line`` of the study file, or as it is where the line cannot be told."""
    return error if line is None else _AtLine(error, line)


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
    return _line(text, rf"\[\[\s*{re.escape(array)}\s*\]\]", index, key)


def _line(text: str, header_pattern: str, index: int, key: str | None) -> int | None:
    """The line (from 1) of ``key`` in the ``index``-th table whose header matches
    ``header_pattern``, or of that header when the key is not found on a line of its own."""
    header = re.compile(rf"^\s*{header_pattern}")
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


def _settings(raw: Any, base: Path, text: str) -> dict[str, Any]:
    """The ``[study]`` table with every setting checked (:data:`SETTINGS`) and the store's path
    taken from ``base``, the study file's folder, wherever the study is run from (by default
    :data:`DEFAULT_STORE` there); an error names the setting and, where it can be told, its line."""
    table = _table(raw, "study")
    _only(table, tuple(SETTINGS), "study")
    settings = {}
    for key, value in table.items():
        try:
            settings[key] = SETTINGS[key](value, f"study.{key}")
        except OptionError as exc:
            raise _at(exc, _line(text, r"\[\s*study\s*\]", 0, key)) from None
    settings["store"] = base / settings.get("store", DEFAULT_STORE)
    return settings


def _seeds(value: Any, where: str) -> list[int]:
    """``n`` as the seeds ``0..n-1``, or a list of distinct integers (a repeated seed would be
    counted twice but stored once: it is refused)."""
    if _is_int(value) and value > 0:
        return list(range(value))
    if isinstance(value, (list, tuple, range)) and value and all(_is_int(s) for s in value):
        seeds = list(value)
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if repeated:
            raise OptionError(
                f"{where} lists seed {repeated[0]} more than once; each seed runs once"
            )
        return seeds
    raise OptionError(f"{where} must be a positive integer or a list of integers, got {value!r}")


def _store(value: Any, where: str) -> Path:
    """A results file: a non-empty path."""
    if not isinstance(value, (str, Path)) or not str(value):
        raise OptionError(f"{where} must be the path of a results file, got {value!r}")
    return Path(value)


def _executor(value: Any, where: str) -> Any:
    """``"local"``, a Dask scheduler address with its protocol (``"tcp://host:8786"``) or, from
    Python, an executor object or a ``distributed.Client`` (which ``compare`` checks)."""
    scheme, sep, _ = value.partition("://") if isinstance(value, str) else ("", "", "")
    if value == "local" or (sep and scheme in DASK_SCHEMES) or _is_executor_object(value):
        return value
    raise OptionError(
        f"{where} must be 'local' or a Dask scheduler address with its protocol, such as "
        f"'tcp://host:8786', got {value!r}"
    )


def _workers(value: Any, where: str) -> int:
    """A number of local processes: an integer of at least 1."""
    if _is_int(value) and value >= 1:
        return value
    raise OptionError(
        f"{where} must be an integer of at least 1 (leave it out for one per core), got {value!r}"
    )


def _seconds(value: Any, where: str) -> float:
    """A positive number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    raise OptionError(f"{where} must be a positive number of seconds, got {value!r}")


def _retry(value: Any, where: str) -> bool | list[str]:
    """``true``/``false`` (the failed statuses), or a list of the statuses to run again."""
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(s in STATUSES for s in value):
        return value
    raise OptionError(
        f"{where} must be true, false or a list of statuses ({', '.join(STATUSES)}), got {value!r}"
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_executor_object(value: Any) -> bool:
    """An executor (it runs cells) or a ``distributed.Client`` (it submits tasks)."""
    return not isinstance(value, str) and (hasattr(value, "run") or hasattr(value, "submit"))


#: The check of each ``[study]`` setting: ``check(value, where) -> value``, or an OptionError
#: naming ``where``.
SETTINGS: dict[str, Callable[[Any, str], Any]] = {
    "seeds": _seeds,
    "store": _store,
    "executor": _executor,
    "workers": _workers,
    "timeout": _seconds,
    "worker_timeout": _seconds,
    "retry": _retry,
}


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
