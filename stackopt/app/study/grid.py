"""The study grid: games x parameter values x seeds x methods, checked before anything runs.

A game is a factory called as ``factory(seed=s, **params)``, given alone or with a parameter grid:
``Game(factory, params={"B": [1, 2, 3], "n": 3})`` (a list or range is an axis of the grid, any
other value is fixed; wrap a list-valued parameter in another list). A method is a dictionary of
``solve`` keywords with a ``label``: ``dict(label="kkt", method="mpec", strategy="scholtes")``.

A seed goes to the factory when it takes a ``seed`` parameter (a random instance) and to the method
when it has a ``seed`` option the study does not fix (a random method). A method whose options do
not draw from its seed (``mpec`` with one start: :func:`random_method`) takes none here. A factory
that takes a seed but builds the same instance for the study's first two seeds (its data and its
Vars' values: :func:`stackopt.app.study.seed_use.depends_on_seed`, one check per parameter set)
takes none either. A game and a method that take no seed are deterministic together: they run
once, on the first seed, whatever the seeds (with a warning when several seeds were asked), and
that one row stands for every seed (its ``seeds`` column lists them).
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from stackopt.app.study.cell import Cell
from stackopt.app.study.factories import resolve_factory
from stackopt.app.study.option_checks import (
    check_call,
    check_method_options,
    runner_of,
    takes_keyword,
)
from stackopt.app.study.seed_use import depends_on_seed
from stackopt.catalog import check_method_name
from stackopt.errors import OptionError


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
    return Game(cast(Callable[..., Any], spec))  # a tuple of any other form: Game refuses it


def check_method(index: int, spec: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ``(label, solve options)`` of method ``index``, or raise an error naming the field."""
    where = f"methods[{index}]"
    if not isinstance(spec, Mapping):
        raise OptionError(f"{where} must be a dictionary of solve options, got {spec!r}")
    options = dict(spec)
    if "label" not in options:
        raise OptionError(f"{where}.label is missing: every method needs a label string")
    label = options.pop("label")
    if not isinstance(label, str) or not label:
        raise OptionError(f"{where}.label must be a non-empty string, got {label!r}")
    method = options.setdefault("method", "mpec")
    check_method_name(method, f"{where}.method: ")
    check_method_options(method, {k: v for k, v in options.items() if k != "method"}, where)
    return label, options


def cells(
    games: GameLike | Iterable[GameLike],
    methods: Iterable[Mapping[str, Any]],
    seeds: Iterable[int],
    timeout: float | None = None,
) -> list[Cell]:
    """The study's cells, after checking every game, parameter, seed and method (``timeout``:
    seconds for the builds that tell whether a game uses its seed, as for a cell)."""
    game_list = [as_game(g) for g in _listify(games)]
    method_list = [check_method(i, m) for i, m in enumerate(methods)]
    seed_list = list(seeds)
    _check_unique([_name(g) for g in game_list], "game names")
    _check_unique([label for label, _ in method_list], "method labels")
    if not game_list or not method_list or not seed_list:
        raise OptionError("a study needs at least one game, one method and one seed")
    for seed in seed_list:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise OptionError(f"seeds: {seed!r} is not an integer")
    out = []
    for game in game_list:
        instances = check_game(game, seed_list[0])
        fixed = [label for label, opts in method_list if not random_method(opts)]
        once_on = dict.fromkeys(fixed, 0)  # per deterministic method: parameter sets run once
        for params in instances:
            seeded = bool(fixed) and _seeded(game, params, seed_list, timeout)
            once = set() if seeded else set(fixed)
            for label in once:
                once_on[label] += 1
            for seed, (label, options) in itertools.product(seed_list, method_list):
                if label not in once:
                    out.append(Cell(_name(game), game.factory, params, seed, label, options))
                elif seed == seed_list[0]:  # the one run, standing for every seed
                    stands_for = tuple(seed_list)
                    out.append(
                        Cell(_name(game), game.factory, params, seed, label, options, stands_for)
                    )
        _warn_once(game, once_on, len(instances), seed_list)
    for cell in out:
        cell.key  # noqa: B018 - an option without a stable identity is refused here, not mid-study
    return out


def check_game(game: Game, seed: int) -> list[dict[str, Any]]:
    """The parameter combinations of ``game``, each checked against its factory's signature and
    type hints (with ``seed`` if the factory takes one)."""
    instances = game.instances()
    if "seed" in game.params:
        raise OptionError(f"game {game.name!r}: 'seed' is not a parameter; use seeds")
    seeded = {"seed": seed} if takes_keyword(game.factory, "seed") else {}
    for params in instances:
        check_call(game.factory, f"game {game.name!r}", seeded | params, kind="parameter")
    return instances


def _seeded(game: Game, params: dict[str, Any], seeds: list[int], timeout: float | None) -> bool:
    """Whether the instance of ``game`` at ``params`` depends on the seed: its factory takes one,
    and (with several seeds) builds different games for the first two."""
    if not takes_keyword(game.factory, "seed"):
        return False
    return len(seeds) < 2 or depends_on_seed(game.factory, params, (seeds[0], seeds[1]), timeout)


def _warn_once(game: Game, once_on: dict[str, int], n_params: int, seeds: list[int]) -> None:
    """Warn, per deterministic method, that one run stands for the study's several seeds."""
    if len(seeds) < 2:
        return
    why = (
        f"builds the same instance for seeds {seeds[0]} and {seeds[1]}"
        if takes_keyword(game.factory, "seed")
        else "takes no seed"
    )
    for label, count in once_on.items():
        if count == 0:
            continue
        where = "" if count == n_params else f" (on {count} of its {n_params} parameter sets)"
        warnings.warn(
            f"game {game.name!r} {why} and method {label!r} does not use the seed: one run "
            f"(seed {seeds[0]}) stands for the {len(seeds)} seeds{where}",
            stacklevel=4,
        )


def random_method(options: Mapping[str, Any]) -> bool:
    """Whether the study's seed matters to this method: it has a ``seed`` option left unfixed,
    and its options draw from it. A runner module's ``SEED_DRAWN_WHEN`` says where they do:
    ``{option: value}`` means only where one of those options is above its value; a function of
    the options (the runner's defaults filled in) answers itself (``mpec``'s: a local strategy
    with more than one start)."""
    run = runner_of(options["method"])
    if "seed" in options or not takes_keyword(run, "seed"):
        return False
    drawn_when = getattr(inspect.getmodule(run), "SEED_DRAWN_WHEN", None)
    if drawn_when is None:
        return True
    defaults = inspect.signature(run).parameters
    filled = {
        k: p.default for k, p in defaults.items() if p.default is not inspect.Parameter.empty
    } | dict(options)
    if callable(drawn_when):
        return bool(drawn_when(filled))
    return any(filled[k] > v for k, v in drawn_when.items())


def _name(game: Game) -> str:
    assert game.name is not None  # Game.__post_init__ names every game
    return game.name


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
