"""The value of a Pyomo expression where it has one, None where it has none.

``pyo.value(e, exception=False)`` returns None for log(0) and sqrt(-1) but raises for 1 / 0,
y ** -1 at y = 0 and exp(1000) (ZeroDivisionError, OverflowError), and logs an ERROR line for
some; the callers that set a start point or judge a candidate take each of these as "no value
here".
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo


def value_or_none(expr: Any) -> float | None:
    """``expr``'s value as a float, or None where Pyomo cannot evaluate it (module docstring)."""
    try:
        value = pyo.value(expr, exception=False)
    except (ArithmeticError, TypeError, ValueError):
        return None
    return None if value is None else float(value)
