"""Starting points: the model's own values, a user's ``start=``, and random restarts within the Vars'
bounds."""

from __future__ import annotations

import inspect
import numbers
import warnings
from typing import Any

import numpy as np
from pyomo.core.base.var import VarData

from stackopt.errors import OptionError


def interval(v: VarData) -> tuple[float, float]:
    """The Var's bounds, infinite where it has none."""
    return (-np.inf if v.lb is None else v.lb, np.inf if v.ub is None else v.ub)


def current_value(v: VarData) -> float:
    """The Var's value, or 0 moved into its bounds when it has none."""
    if v.value is not None:
        return float(v.value)
    return float(np.clip(0.0, *interval(v)))


def random_value(v: VarData, rng: np.random.Generator) -> float:
    """Uniform in [lb, ub] when both are finite; otherwise a spread around the current value."""
    base = current_value(v)
    scale = 1.0 + abs(base)
    if v.lb is not None and v.ub is not None:
        return float(rng.uniform(v.lb, v.ub))
    if v.lb is not None:
        return float(v.lb + rng.exponential(scale))
    if v.ub is not None:
        return float(v.ub - rng.exponential(scale))
    return float(base + rng.normal(0.0, scale))


def leader_start(leader_vars: list[VarData], start: dict[str, Any] | None) -> dict[str, float]:
    """``start`` (leader Var name -> value, or -> {index: value} for an indexed Var, as in
    ``Result.leader``) as a map from each named VarData's full name to its value. A value outside
    its Var's bounds (by more than 1e-6, relative) is kept, with a UserWarning: the methods start
    from its projection onto the bounds."""
    if start is None:
        return {}
    if not isinstance(start, dict):
        raise OptionError(f"start must be a dict of leader Var values, got {start!r}")
    by_component: dict[str, dict[Any, VarData]] = {}
    for v in leader_vars:
        by_component.setdefault(v.parent_component().name, {})[v.index()] = v
    out = {}
    for name, value in start.items():
        if name not in by_component:
            raise OptionError(
                f"start names {name!r}, not a leader Var; leader Vars: {sorted(by_component)}"
            )
        datas = by_component[name]
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for index, number in items:
            if index not in datas:
                raise OptionError(f"start[{name!r}] has no index {index!r} of Var {name}")
            v = datas[index]
            out[v.name] = start_value(v.name, number, v.lb, v.ub)
    return out


def start_value(name: str, value: Any, lb: float | None, ub: float | None) -> float:
    """A user's ``start=`` value for Var ``name``, as a float: an OptionError when it is not a
    finite number; a UserWarning, at the line outside stackopt that passed ``start=``, when it
    lies outside [lb, ub] (None: unbounded) by more than 1e-6 max(1, |value|): the run starts
    from the nearest point within them. Every method that reads a user's start calls this, so the
    error and the warning read the same whichever method ran."""
    try:  # a Fraction or a numpy number converts; 10**400 overflows, a string is no Real
        number = float(value) if isinstance(value, numbers.Real) else np.nan
    except OverflowError:
        number = np.nan
    if not np.isfinite(number):
        raise OptionError(f"start[{name!r}] must be a finite number, got {value!r}")
    value = number
    lo = -np.inf if lb is None else lb
    hi = np.inf if ub is None else ub
    slack = 1e-6 * max(1.0, abs(value))
    if value < lo - slack or value > hi + slack:
        warnings.warn(
            f"start gives {name} = {value:g}, outside its bounds [{lo:g}, {hi:g}]"
            ": the run starts from the nearest point within them",
            UserWarning,
            stacklevel=_caller_level(),
        )
    return value


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside stackopt, counted from the caller of this
    function: a warning then names the user's line, whichever runner read the input."""
    frame, level = inspect.currentframe(), 0
    while frame is not None and frame.f_globals.get("__name__", "").startswith("stackopt"):
        frame, level = frame.f_back, level + 1
    return level
