"""A study written as a TOML file, runnable with ``stackopt compare STUDY.toml``.

Example (paths are relative to the TOML file)::

    [study]
    seeds = 5                     # an integer n (seeds 0..n-1) or a list of integers
    store = "results.sqlite"
    executor = "local"            # or "dask://host:port"
    workers = 2                   # local processes (default: one per core)
    timeout = 60                  # seconds per cell
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

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stackopt.errors import OptionError
from stackopt.study.factories import resolve_factory
from stackopt.study.grid import Game, cells
from stackopt.study.runner import compare

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

STUDY_KEYS = ("seeds", "store", "executor", "workers", "timeout", "retry")
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
    """Read and check a study file; raise :class:`OptionError` naming the file and the bad field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise OptionError(f"{path}: cannot read the study file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path}: invalid TOML: {exc}") from None
    try:
        return _study(data, path.parent)
    except OptionError as exc:
        raise OptionError(f"{path}: {exc}") from None


def _study(data: dict[str, Any], base: Path) -> Study:
    _only(data, ("study", "games", "methods"), "top level")
    settings = _table(data.get("study", {}), "study")
    _only(settings, STUDY_KEYS, "study")
    if "seeds" in settings:
        settings["seeds"] = _seeds(settings["seeds"])
    if "store" in settings:
        settings["store"] = base / _typed(settings["store"], str, "study.store")
    games = [_game(i, g, base) for i, g in enumerate(_array(data, "games"))]
    methods = [_table(m, f"methods[{i}]") for i, m in enumerate(_array(data, "methods"))]
    cells(games, methods, settings.get("seeds", [0]))  # checks every method, option and parameter
    return Study(games, methods, settings)


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
