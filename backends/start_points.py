"""Starting points: the model's own values, and random restarts within the Vars' bounds."""

from __future__ import annotations

import numpy as np
from pyomo.core.base.var import VarData


def current_value(v: VarData) -> float:
    """The Var's value, or 0 moved into its bounds when it has none."""
    if v.value is not None:
        return float(v.value)
    lo = -np.inf if v.lb is None else v.lb
    hi = np.inf if v.ub is None else v.ub
    return float(np.clip(0.0, lo, hi))


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
