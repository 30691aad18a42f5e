"""Ipopt's options checked before any model is built (``solver_options`` of ``method="mpec"``).

cyipopt hands a Python int to Ipopt as an integer and a float as a number, and Ipopt refuses the
other kind: ``bound_relax_factor=0`` is an error, as is ``max_iter=1e3``. It also refuses an
unknown name, a setting outside an option's list or a value outside its range, printing why to the
process's output and failing the solve. Each option is tried here on a one-variable problem, with
Ipopt's printout captured: a number of the other kind is converted, and what Ipopt still refuses is
an :class:`~stackopt.errors.OptionError` naming the option, in Ipopt's words.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.backends.solvers import solver_printout
from stackopt.errors import OptionError


class _Scratch:
    """min x^2 over [-1, 1]: a problem to set options on (never solved)."""

    def objective(self, x: np.ndarray) -> float:
        return float(x[0] ** 2)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * x

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(0)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(0)


def checked_ipopt_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` as Ipopt takes them (module docstring); an OptionError naming an option that
    Ipopt refuses."""
    if not options:
        return {}
    import cyipopt  # imported here: `import stackopt` does not load Ipopt

    problem = cyipopt.Problem(n=1, m=0, problem_obj=_Scratch(), lb=[-1.0], ub=[1.0], cl=[], cu=[])
    checked = {}
    for key, value in options.items():
        said = ""
        for candidate in _kinds(value):
            said = _refusal(problem, key, candidate)
            if not said:
                checked[key] = candidate
                break
        else:
            raise OptionError(f"solver_options: Ipopt refuses {key}={value!r}: {said}")
    return checked


def _kinds(value: Any) -> list[Any]:
    """``value``, then the same number of the other kind (int <-> integral float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [value]
    if isinstance(value, int):
        return [value, float(value)]
    return [value, int(value)] if np.isfinite(value) and value == int(value) else [value]


def _refusal(problem: Any, key: str, value: Any) -> str:
    """Ipopt's reason for refusing ``key = value`` ("" when it takes it)."""
    try:
        with solver_printout() as printed:
            problem.add_option(key, value)
    except TypeError:
        lines = [line.strip() for line in printed.getvalue().splitlines() if line.strip()]
        return lines[0] if lines else "not a valid option or value"
    return ""
