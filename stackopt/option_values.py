"""Option values checked before any solver runs: type from the runner's type hints, range from one
table for the names every method shares.

``solve`` calls :func:`check_values` with the runner and the caller's keywords; a strategy (or any
dataclass of parameters) calls :func:`check_fields` from its ``__post_init__`` with its own ranges.
A value of the wrong type, NaN, or out of range is an :class:`~stackopt.errors.OptionError` naming
the option. A hint the checker cannot read (a name imported only for type checking) checks nothing.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import math
import numbers
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from stackopt.errors import OptionError


@dataclass(frozen=True)
class Range:
    """low <= v <= high, each end open when said so; ``integer`` asks for a whole number."""

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = True
    integer: bool = False
    #: how the range reads in a message ("> 0", "in (0, 1)")
    text: str = ""

    def __contains__(self, value: float) -> bool:
        if math.isnan(value) or (self.integer and value != int(value)):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return above and below


#: a positive finite number
POSITIVE = Range(0.0, open_low=True, text="> 0")
#: a positive number, or infinity meaning "no limit"
POSITIVE_OR_INF = Range(0.0, open_low=True, open_high=False, text="> 0")
#: a non-negative finite number
NONNEGATIVE = Range(0.0, text=">= 0")
#: a count of at least one
COUNT = Range(1, integer=True, text="a positive integer")
#: a seed of numpy's generator
SEED = Range(0, integer=True, text="a non-negative integer")
#: a factor of a decreasing schedule
SHRINK = Range(0.0, 1.0, open_low=True, text="in (0, 1)")
#: a factor of an increasing schedule
GROW = Range(1.0, open_low=True, text="> 1")

#: the ranges of the option names methods share; the same name means the same thing in every method
RANGES: dict[str, Range] = {
    "max_iter": COUNT,
    "time_limit": POSITIVE_OR_INF,
    "tol": POSITIVE,
    "seed": SEED,
    "lr": POSITIVE,
    "multistart": COUNT,
    "steps": COUNT,
    "samples": COUNT,
    "starts": COUNT,
    "stages": COUNT,
    "record_every": COUNT,
    "K": COUNT,
    "T": COUNT,
    "max_regions": COUNT,
    "max_assignments": COUNT,
    "max_systems": COUNT,
    "step": POSITIVE,
    "leader_step": POSITIVE,
    "follower_step": POSITIVE,
    "schedule": NONNEGATIVE,  # the power p of gamma0 / k**p; a schedule's name is a Literal hint
    "leader_schedule": NONNEGATIVE,
    "follower_schedule": NONNEGATIVE,
    "decay_rates": SHRINK,
    "mu": POSITIVE,
    "tau": POSITIVE,
    "tau0": POSITIVE,
    "radius": POSITIVE,
    "eps0": NONNEGATIVE,
    "eps_decay": NONNEGATIVE,
    "eta": NONNEGATIVE,
    "noise": NONNEGATIVE,
    "lookahead": NONNEGATIVE,
}


def check_values(owner: str, func: Callable, values: Mapping[str, Any]) -> None:
    """Check each of ``values`` against ``func``'s type hint for it and :data:`RANGES`.

    ``owner`` names what the options belong to in messages ("method 'mpec'")."""
    hints = type_hints(func)
    for name, value in values.items():
        hint = hints.get(name, Any)
        if hint is None or hint is type(None):
            continue  # a retired name: the runner refuses it, naming the new one
        check_value(owner, name, value, hint, RANGES.get(name))


def check_fields(obj: Any, ranges: Mapping[str, Range]) -> None:
    """Check every field of the dataclass instance ``obj`` against its type hint and ``ranges``."""
    owner = type(obj).__name__
    hints = type_hints(type(obj))
    for f in dataclasses.fields(obj):
        check_value(owner, f.name, getattr(obj, f.name), hints.get(f.name, Any), ranges.get(f.name))


def check_value(
    owner: str, name: str, value: Any, hint: Any, bounds: Range | None, kind: str = "option"
) -> None:
    """Raise :class:`OptionError` unless ``value`` is of type ``hint`` and, if a real number, not
    NaN and within ``bounds`` (a tuple or list: each entry, named ``<name>[i]``); the message reads
    "<owner>: <kind> <name> must be ..., got ..."."""
    if not _is_instance(value, hint):
        raise OptionError(
            f"{owner}: {kind} {name} must be {_describe(hint)}, got {value!r} "
            f"({type(value).__name__})"
        )
    if bounds is not None and isinstance(value, (tuple, list)):
        for i, entry in enumerate(value):
            check_value(owner, f"{name}[{i}]", entry, Any, bounds, kind)
        return
    if not _is_real(value):
        return
    if math.isnan(value):
        raise OptionError(f"{owner}: {kind} {name} must be a number, got nan")
    if bounds is not None and value not in bounds:
        text = "finite" if value == math.inf else bounds.text
        raise OptionError(f"{owner}: {kind} {name} must be {text}, got {value!r}")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def type_hints(func: Callable) -> dict[str, Any]:
    """``func``'s parameter (or a class's field) hints, resolved; one that cannot be is ``Any``."""
    try:
        return typing.get_type_hints(func)
    except Exception:  # a hint naming what is imported only for type checking
        pass
    target = func.__init__ if inspect.isclass(func) else func
    namespace = getattr(inspect.unwrap(target), "__globals__", {})
    out = {}
    for param in inspect.signature(func).parameters.values():
        hint = param.annotation
        if isinstance(hint, str):
            try:
                hint = eval(hint, namespace)  # noqa: S307 - the runner's own annotation
            except Exception:
                hint = Any
        out[param.name] = Any if hint is param.empty else hint
    return out


def _is_instance(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is_instance(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is tuple and _fixed_length(hint):  # tuple[float, float]: that many entries, each
        args = typing.get_args(hint)
        return (
            isinstance(value, (tuple, list))
            and len(value) == len(args)
            and all(_is_instance(v, h) for v, h in zip(value, args))
        )
    if origin is not None:  # dict[str, float], tuple[str, ...], Callable[..., bool]: the container
        hint = origin
    if hint is float:
        return _is_real(value)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if hint is bool:
        return isinstance(value, bool)
    if hint is tuple:  # a sequence from TOML or the command line stands for a tuple
        return isinstance(value, (tuple, list))
    if hint is np.ndarray:  # what the runner's np.asarray takes: nested lists too
        return isinstance(value, (np.ndarray, tuple, list))
    if hint is collections.abc.Callable:
        return callable(value)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _fixed_length(hint: Any) -> bool:
    """Whether a tuple hint gives each entry's type (tuple[float, float], not tuple[str, ...])."""
    args = typing.get_args(hint)
    return bool(args) and Ellipsis not in args


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(hint))
    if origin is tuple and _fixed_length(hint):
        entries = ", ".join(_describe(h) for h in typing.get_args(hint))
        return f"a tuple or list of {len(typing.get_args(hint))} ({entries})"
    if hint is type(None) or hint is None:
        return "None"
    if hint is float:
        return "a number"
    if hint is collections.abc.Callable or typing.get_origin(hint) is collections.abc.Callable:
        return "a callable"
    origin = typing.get_origin(hint) or hint
    return _NAMES.get(origin, f"a {getattr(origin, '__name__', origin)}")


_NAMES = {
    int: "an integer",
    str: "a string",
    bool: "True or False",
    tuple: "a tuple or list",
    np.ndarray: "an array or a list",
}
