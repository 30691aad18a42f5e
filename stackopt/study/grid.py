"""The study grid: games x parameter values x seeds x methods, checked before anything runs.

A game is a factory called as ``factory(seed=s, **params)``, given alone or with a parameter grid:
``Game(factory, params={"B": [1, 2, 3], "n": 3})`` (a list or range is an axis of the grid, any
other value is fixed; wrap a list-valued parameter in another list). A method is a dictionary of
``solve`` keywords with a ``label``: ``dict(label="kkt", method="mpec", strategy="scholtes")``.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stackopt.errors import OptionError
from stackopt.solve import METHODS
from stackopt.study.cell import Cell
from stackopt.study.factories import resolve_factory


@dataclass
class Game:
    """A game factory with its parameter grid and the name it has in the results."""

    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None

    def __post_init__(self) -> None:
        if not callable(self.factory):
            raise OptionError(f"game factory {self.factory!r} is not callable")
        self.name = self.name or getattr(self.factory, "__name__", type(self.factory).__name__)

    def instances(self) -> list[dict[str, Any]]:
        """Every combination of the parameter values, in grid order."""
        axes = {k: list(v) if _is_axis(v) else [v] for k, v in self.params.items()}
        for name, values in axes.items():
            if not values:
                raise OptionError(f"game {self.name!r}: parameter {name!r} has no values")
        return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]


GameLike = Game | Callable[..., Any] | str | tuple


def as_game(spec: GameLike) -> Game:
    """Turn a factory, a ``(factory, params)`` pair, a reference string or a Game into a Game."""
    if isinstance(spec, Game):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], Mapping):
        base = as_game(spec[0])
        return Game(base.factory, params=spec[1], name=base.name)
    if isinstance(spec, str):
        name, factory = resolve_factory(spec)
        return Game(factory, name=name)
    return Game(spec)


def check_method(index: int, spec: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ``(label, solve options)`` of method ``index``, or raise an error naming the field."""
    where = f"methods[{index}]"
    if not isinstance(spec, Mapping):
        raise OptionError(f"{where} must be a dictionary of solve options, got {spec!r}")
    options = dict(spec)
    label = options.pop("label", None)
    if not isinstance(label, str) or not label:
        raise OptionError(f"{where}.label is missing: every method needs a label string")
    method = options.setdefault("method", "mpec")
    if method not in METHODS:
        known = ", ".join(sorted(METHODS))
        raise OptionError(f"{where}.method: unknown method {method!r}; known methods: {known}")
    module_name, func_name = METHODS[method].split(":")
    runner = getattr(importlib.import_module(module_name), func_name)
    check_call(runner, where, None, **{k: v for k, v in options.items() if k != "method"})
    return label, options


def cells(
    games: GameLike | Iterable[GameLike], methods: Iterable[Mapping[str, Any]], seeds: Iterable[int]
) -> list[Cell]:
    """The study's cells, after checking every game, parameter, seed and method."""
    game_list = [as_game(g) for g in _listify(games)]
    method_list = [check_method(i, m) for i, m in enumerate(methods)]
    seed_list = list(seeds)
    _check_unique([g.name for g in game_list], "game names")
    _check_unique([label for label, _ in method_list], "method labels")
    if not game_list or not method_list or not seed_list:
        raise OptionError("a study needs at least one game, one method and one seed")
    for seed in seed_list:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise OptionError(f"seeds: {seed!r} is not an integer")
    out = []
    for game in game_list:
        instances = game.instances()
        if "seed" in game.params:
            raise OptionError(f"game {game.name!r}: 'seed' is not a parameter; use seeds")
        for params in instances:
            check_call(game.factory, f"game {game.name!r}", seed=0, **params)
        for params, seed, (label, options) in itertools.product(instances, seed_list, method_list):
            out.append(Cell(game.name, game.factory, params, seed, label, options))
    return out


def check_call(func: Callable[..., Any], where: str, *args: Any, **kwargs: Any) -> None:
    """Check that ``func`` accepts these arguments, without calling it; errors name ``where``."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # builtins without a signature: checked when called
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise OptionError(f"{where}: {exc}") from None


def _is_axis(value: Any) -> bool:
    return isinstance(value, (list, range, tuple))


def _listify(games: Any) -> list[Any]:
    if isinstance(games, list):
        return games
    return [games]


def _check_unique(names: list[str], what: str) -> None:
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise OptionError(f"{what} must be unique; repeated: {', '.join(duplicates)}")
