"""Check a study's methods and game parameters before its first cell runs.

Each method's options go through the method's own checks, without solving anything:

1. ``stackopt.solve``'s checks of the options run as they would for a real game: the keywords
   against the runner's signature (an unknown one is refused), each value's type and range
   (:func:`stackopt.option_values.check_values`); then the runner is called on a stand-in game
   that stops the run at its first use of the game, so that every check the runner makes on its
   options before it reads the game runs too (``stackopt.solve`` itself would refuse the stand-in,
   which is no game);
2. the objects a runner builds only after reading the game are built here from the same options
   (:data:`LATE_OBJECTS`: the gradient method's oracle).

A game's parameters are checked against its factory's signature and type hints by the same
:func:`stackopt.option_values.check_value`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from stackopt.errors import ModelError, OptionError
from stackopt.method_options import check_keywords
from stackopt.option_values import check_value, check_values, type_hints
from stackopt.solve import METHODS


def runner_of(method: str) -> Callable[..., Any]:
    """The function that runs ``method`` (imported on demand, as ``solve`` does)."""
    module_name, func_name = METHODS[method].split(":")
    return getattr(importlib.import_module(module_name), func_name)


def takes_keyword(func: Callable[..., Any], name: str) -> bool:
    """Whether ``func`` accepts the keyword ``name`` (explicitly or through ``**kwargs``)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def check_call(
    func: Callable[..., Any],
    where: str,
    kwargs: Mapping[str, Any],
    args: tuple[Any, ...] = (),
    kind: str = "option",
) -> None:
    """Check that ``func`` accepts ``args`` and ``kwargs`` and that each keyword value has the type
    its hint asks for, without calling it; errors name ``where`` and the ``kind`` of argument."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # builtins without a signature: checked when called
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise OptionError(f"{where}: {exc}") from None
    hints = type_hints(func)
    for name, value in kwargs.items():
        check_value(where, name, value, hints.get(name, Any), None, kind)


def check_method_options(method: str, options: Mapping[str, Any], where: str) -> None:
    """Run ``method``'s own checks on ``options`` without solving; errors name ``where``."""
    try:
        run = runner_of(method)
        check_keywords(method, run, options)
        check_values(f"method {method!r}", run, options)
        try:
            run(_StandInGame(), **options)
        except (_GameReached, ModelError):
            pass  # the runner checked its options and went on to read the game
        for build in LATE_OBJECTS.get(method, ()):
            build(runner_of(method), options)
    except OptionError as exc:
        raise OptionError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:  # a value of the wrong kind met an option check
        raise OptionError(f"{where}: an option value is not usable: {exc}") from None


def _option(run: Callable[..., Any], options: Mapping[str, Any], name: str) -> Any:
    """The value of option ``name``: the study's, else the runner's default."""
    return options.get(name, inspect.signature(run).parameters[name].default)


def _gradient_oracle(run: Callable[..., Any], options: Mapping[str, Any]) -> None:
    from stackopt.backends.oracles.registry import ORACLES, check_oracle_name

    oracle = _option(run, options, "oracle")
    if callable(oracle):
        return
    check_oracle_name(oracle)
    extra = _option(run, options, "oracle_options") or {}
    check_call(ORACLES[oracle], f"oracle_options of {oracle!r}", extra, args=(None, None, None))


#: Objects a runner builds only after it reads the game, built from the options by the study.
LATE_OBJECTS: dict[str, tuple[Callable[[Callable[..., Any], Mapping[str, Any]], None], ...]] = {
    "gradient": (_gradient_oracle,),
}


class _GameReached(BaseException):
    """Raised by the stand-in game when the runner first uses it (a BaseException, so that a
    runner's ``except Exception`` cannot turn it into an error status)."""


class _StandInGame:
    """A game that stops the run at its first use: every attribute, item or protocol raises."""

    def _reached(self, *args: Any, **kwargs: Any) -> Any:
        raise _GameReached

    __getattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __call__ = _reached
    __contains__ = __float__ = __int__ = __index__ = _reached
